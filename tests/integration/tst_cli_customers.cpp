// `paybridge customers …` and `paybridge charge` as a user runs them: the real executable against
// a `paybridge-sandbox` process (its Magento customers and PayTrace vault generated with the
// orders), the real keychain (tests/with-session) and the real store; the audit log and the
// sandbox's ledger are the proof of what happened.
#include "cliworld.h"

#include "access/operator.h"
#include "store/auditlog.h"
#include "store/database.h"

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;

namespace {

const QString kProfile = u"CliCustomers"_s;

QHash<QString, QString> nameValues(const QString &text)
{
    QHash<QString, QString> values;
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq > 0 && !line.left(eq).contains(u' '))
            values.insert(line.left(eq), line.mid(eq + 1));
    }
    return values;
}

QStringList intentLines(const QString &text)
{
    QStringList lines;
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
        if (line.startsWith(u"intent="))
            lines << line.mid(7);
    }
    return lines;
}

// "MM/YYYY" → the first day of that month.
QDate expiryMonth(const QString &text)
{
    const QStringList parts = text.split(u'/');
    return parts.size() == 2 ? QDate(parts.at(1).toInt(), parts.at(0).toInt(), 1) : QDate();
}

} // namespace

class TestCliCustomers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void help_data();
    void help();
    void usageErrors_data();
    void usageErrors();
    void listShowsTheGeneratedMix();
    void listFilters();
    void badIdsAreUsageErrors_data();
    void badIdsAreUsageErrors();
    void linkThenUnlink();
    void actAsAnotherOperator();
    void chargeSavedCardExactlyOnce();

private:
    CliRun run(const QStringList &args) { return m_world.paybridge(args); }
    QList<QJsonObject> list(const QStringList &extra = {});
    QStringList auditActions(const QString &prefix);
    int ledgerCount(const QString &invoice, const QString &operation);

    CliWorld m_world;
};

void TestCliCustomers::initTestCase()
{
    QString error;
    QVERIFY2(m_world.start(160, 33, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));
    QVERIFY2(m_world.grantFinance(kProfile, &error), qPrintable(error));
    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = run(sync);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
}

void TestCliCustomers::cleanupTestCase()
{
    m_world.stop();
}

QList<QJsonObject> TestCliCustomers::list(const QStringList &extra)
{
    const QStringList args = QStringList{u"customers"_s, u"list"_s, u"--profile"_s, kProfile, u"--format"_s, u"jsonl"_s}
        + extra;
    const CliRun r = run(args);
    if (r.exitCode != 0) {
        qWarning("%s", qPrintable(r.describe(args)));
        return {};
    }
    bool ok = false;
    const QList<QJsonObject> rows = CliWorld::jsonLines(r.out, &ok);
    if (!ok)
        qWarning("not JSON lines: %s", qPrintable(r.out));
    return ok ? rows : QList<QJsonObject>{};
}

QStringList TestCliCustomers::auditActions(const QString &prefix)
{
    const QString connection = u"tst-cli-customers-audit"_s;
    QStringList actions;
    {
        auto db = pb::store::Database::openReader(m_world.storePath(kProfile), connection);
        if (db) {
            const auto recent = pb::store::AuditLog(db.value()).recent(500);
            if (recent) {
                for (const pb::store::AuditEntry &e : recent.value()) {
                    if (e.action.startsWith(prefix))
                        actions.prepend(u"%1 %2 %3"_s.arg(e.actor, e.action, e.objectId));
                }
            }
        }
    }
    pb::store::Database::close(connection);
    return actions;
}

int TestCliCustomers::ledgerCount(const QString &invoice, const QString &operation)
{
    QString error;
    const auto ledger = m_world.adminGet(u"/__admin/ledger"_s, &error);
    if (!ledger) {
        qWarning("%s", qPrintable(error));
        return -1;
    }
    int n = 0;
    for (const QJsonValue &v : ledger->value("entries"_L1).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value("invoice_id"_L1).toString() == invoice && e.value("operation"_L1).toString() == operation)
            ++n;
    }
    return n;
}

void TestCliCustomers::help_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("customers") << QStringList{u"customers"_s, u"--help"_s};
    QTest::newRow("charge") << QStringList{u"charge"_s, u"--help"_s};
}

void TestCliCustomers::help()
{
    QFETCH(QStringList, args);
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    QVERIFY2(r.out.contains(u"Usage"_s) && r.out.contains(u"--profile"_s), qPrintable(r.describe(args)));
}

void TestCliCustomers::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("mentions");
    const QString p = u"--profile"_s;
    QTest::newRow("no subcommand") << QStringList{u"customers"_s, p, kProfile} << 2 << u"Usage"_s;
    QTest::newRow("unknown subcommand") << QStringList{u"customers"_s, u"merge"_s, p, kProfile} << 2 << u"merge"_s;
    QTest::newRow("list bad format") << QStringList{u"customers"_s, u"list"_s, p, kProfile, u"--format"_s, u"csv"_s}
                                     << 2 << u"--format"_s;
    QTest::newRow("list unknown profile") << QStringList{u"customers"_s, u"list"_s, p, u"NoSuchProfile"_s} << 3
                                          << u"NoSuchProfile"_s;
    QTest::newRow("link without vault") << QStringList{u"customers"_s, u"link"_s, p, kProfile, u"--magento-customer"_s,
                                                       u"1"_s}
                                        << 2 << u"Usage"_s;
    QTest::newRow("unlink without customer") << QStringList{u"customers"_s, u"unlink"_s, p, kProfile} << 2 << u"Usage"_s;
    QTest::newRow("charge without vault") << QStringList{u"charge"_s, p, kProfile, u"--order"_s, u"1"_s, u"--reason"_s,
                                                         u"x"_s}
                                          << 2 << u"Usage"_s;
    QTest::newRow("charge blank reason") << QStringList{u"charge"_s, p, kProfile, u"--order"_s, u"1"_s,
                                                        u"--vault-customer"_s, u"v"_s, u"--reason"_s, u" "_s}
                                         << 2 << u"--reason"_s;
    QTest::newRow("charge unknown profile") << QStringList{u"charge"_s, p, u"NoSuchProfile"_s, u"--order"_s, u"1"_s,
                                                           u"--vault-customer"_s, u"v"_s, u"--reason"_s, u"x"_s}
                                            << 3 << u"NoSuchProfile"_s;
}

void TestCliCustomers::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, mentions);
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == exitCode, qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(mentions), qPrintable(r.describe(args)));
}

void TestCliCustomers::listShowsTheGeneratedMix()
{
    const QStringList args{u"customers"_s, u"list"_s, u"--profile"_s, kProfile, u"--format"_s, u"jsonl"_s};
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    // Never anything that looks like a card number, whatever the sandbox's vault holds.
    QVERIFY2(!QRegularExpression(u"\\d{13,19}"_s).match(r.out).hasMatch(), qPrintable(r.out));
    bool ok = false;
    const QList<QJsonObject> rows = CliWorld::jsonLines(r.out, &ok);
    QVERIFY2(ok && !rows.isEmpty(), qPrintable(r.out));

    const QSet<QString> keys{u"email"_s, u"magento_customer_id"_s, u"paytrace_customer_id"_s, u"card_type"_s,
                             u"card_last4"_s, u"card_expiry"_s, u"link_rule"_s};
    const QSet<QString> rules{u"attribute"_s, u"vault_id"_s, u"email"_s, u"manual"_s, u"created"_s};
    static const QRegularExpression last4(u"^\\d{4}$"_s);
    static const QRegularExpression expiry(u"^(0[1-9]|1[0-2])/20\\d\\d$"_s);
    QHash<QString, int> byRule;
    int magentoOnly = 0, vaultOnly = 0, withCard = 0;
    QSet<qint64> magentoIds;
    QSet<QString> vaultIds;
    for (const QJsonObject &o : rows) {
        const QStringList k = o.keys();
        QCOMPARE(QSet<QString>(k.begin(), k.end()), keys);
        const QJsonValue mid = o.value("magento_customer_id"_L1);
        const QJsonValue vid = o.value("paytrace_customer_id"_L1);
        const QJsonValue rule = o.value("link_rule"_L1);
        QVERIFY2(mid.isNull() || (mid.isDouble() && mid.toInteger() > 0), qPrintable(u"%1"_s.arg(mid.toString())));
        QVERIFY2(vid.isNull() || (vid.isString() && !vid.toString().isEmpty()), "vault ids are text, never empty");
        QVERIFY2(!mid.isNull() || !vid.isNull(), "every row is a customer, a profile or both");
        for (const char *key : {"email", "card_type", "card_last4", "card_expiry", "link_rule"}) {
            const QJsonValue v = o.value(QLatin1StringView(key));
            QVERIFY2(v.isNull() || (v.isString() && !v.toString().isEmpty()), key); // absent is null, never ""
        }
        if (!mid.isNull()) {
            QVERIFY2(!magentoIds.contains(mid.toInteger()), "one row per Magento customer");
            magentoIds.insert(mid.toInteger());
        }
        if (!vid.isNull()) {
            QVERIFY2(!vaultIds.contains(vid.toString()), "one row per vault profile");
            vaultIds.insert(vid.toString());
        }
        if (rule.isNull()) {
            QVERIFY2(mid.isNull() || vid.isNull(), "a row with both ids is a link and names its rule");
        } else {
            QVERIFY2(rules.contains(rule.toString()), qPrintable(rule.toString()));
            QVERIFY2(!mid.isNull() && !vid.isNull(), "a link has both ids");
            ++byRule[rule.toString()];
        }
        magentoOnly += !mid.isNull() && vid.isNull();
        vaultOnly += mid.isNull() && !vid.isNull();
        if (!o.value("card_last4"_L1).isNull()) {
            ++withCard;
            QVERIFY2(last4.match(o.value("card_last4"_L1).toString()).hasMatch(), qPrintable(r.out));
            QVERIFY2(!vid.isNull(), "a card is always a vault profile's");
        }
        if (!o.value("card_expiry"_L1).isNull())
            QVERIFY2(expiry.match(o.value("card_expiry"_L1).toString()).hasMatch(), qPrintable(r.out));
    }
    // The generated mix: customers linked through the attribute and by e-mail, customers with no
    // vault profile, vault profiles with no Magento customer, cards on file.
    QVERIFY2(byRule.value(u"attribute"_s) > 0, qPrintable(r.out));
    QVERIFY2(byRule.value(u"email"_s) > 0, qPrintable(r.out));
    QVERIFY2(magentoOnly > 0 && vaultOnly > 0 && withCard > 0,
             qPrintable(u"%1 Magento only, %2 vault only, %3 with a card"_s.arg(magentoOnly).arg(vaultOnly).arg(withCard)));

    // The table, for people: a header, one line per row, a count.
    const QStringList table{u"customers"_s, u"list"_s, u"--profile"_s, kProfile};
    const CliRun t = run(table);
    QVERIFY2(t.exitCode == 0, qPrintable(t.describe(table)));
    const QStringList lines = t.out.split(u'\n', Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == rows.size() + 2, qPrintable(t.out));
    QVERIFY2(lines.first().startsWith(u"E-MAIL"_s) && lines.first().contains(u"LINK"_s), qPrintable(t.out));
    QVERIFY2(lines.last().contains(QString::number(rows.size())), qPrintable(t.out));
}

void TestCliCustomers::listFilters()
{
    const QList<QJsonObject> all = list();
    QVERIFY(!all.isEmpty());

    const QList<QJsonObject> unlinked = list({u"--unlinked"_s});
    int expectUnlinked = 0;
    for (const QJsonObject &o : all)
        expectUnlinked += o.value("link_rule"_L1).isNull();
    QCOMPARE(unlinked.size(), expectUnlinked);
    for (const QJsonObject &o : unlinked)
        QVERIFY(o.value("link_rule"_L1).isNull());

    // Expired, this month's and next month's cards; the sandbox generates some of each kind.
    const QDate today = QDateTime::currentDateTimeUtc().date();
    const QDate nextMonth = QDate(today.year(), today.month(), 1).addMonths(1);
    const QList<QJsonObject> expiring = list({u"--expiring"_s});
    QVERIFY2(!expiring.isEmpty(), "the sandbox generates expired and expiring cards");
    int expectExpiring = 0;
    for (const QJsonObject &o : all) {
        const QDate e = expiryMonth(o.value("card_expiry"_L1).toString());
        expectExpiring += e.isValid() && e <= nextMonth;
    }
    QCOMPARE(expiring.size(), expectExpiring);
    for (const QJsonObject &o : expiring) {
        const QDate e = expiryMonth(o.value("card_expiry"_L1).toString());
        QVERIFY2(e.isValid() && e <= nextMonth, qPrintable(o.value("card_expiry"_L1).toString()));
    }

    // --search: one row's e-mail finds that row.
    QString email;
    for (const QJsonObject &o : all) {
        if (!o.value("magento_customer_id"_L1).isNull() && o.value("email"_L1).isString()) {
            email = o.value("email"_L1).toString();
            break;
        }
    }
    QVERIFY(!email.isEmpty());
    const QList<QJsonObject> found = list({u"--search"_s, email.toUpper()});
    QVERIFY2(!found.isEmpty(), qPrintable(email));
    for (const QJsonObject &o : found)
        QVERIFY2(o.value("email"_L1).toString().compare(email, Qt::CaseInsensitive) == 0
                     || o.value("email"_L1).toString().contains(email, Qt::CaseInsensitive),
                 qPrintable(o.value("email"_L1).toString()));
}

void TestCliCustomers::badIdsAreUsageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    const QStringList base{u"customers"_s, u"link"_s, u"--profile"_s, kProfile};
    QTest::newRow("not a number") << base + QStringList{u"--magento-customer"_s, u"abc"_s, u"--vault-customer"_s, u"v1"_s}
                                  << u"--magento-customer"_s;
    QTest::newRow("negative") << base + QStringList{u"--magento-customer"_s, u"-4"_s, u"--vault-customer"_s, u"v1"_s}
                              << u"--magento-customer"_s;
    QTest::newRow("unknown customer") << base
            + QStringList{u"--magento-customer"_s, u"987654321"_s, u"--vault-customer"_s, u"v1"_s}
                                      << u"987654321"_s;
    QTest::newRow("unknown vault profile") << base
            + QStringList{u"--magento-customer"_s, u"1"_s, u"--vault-customer"_s, u"no-such-profile"_s}
                                           << u"no-such-profile"_s;
    QTest::newRow("unlink not a number")
        << QStringList{u"customers"_s, u"unlink"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, u"x1"_s}
        << u"--magento-customer"_s;
    QTest::newRow("unlink unknown customer")
        << QStringList{u"customers"_s, u"unlink"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, u"987654321"_s}
        << u"987654321"_s;
}

void TestCliCustomers::badIdsAreUsageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const QStringList before = auditActions(u"customer."_s);
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 2, qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(mentions), qPrintable(r.describe(args)));
    QCOMPARE(auditActions(u"customer."_s), before); // nothing changed
}

void TestCliCustomers::linkThenUnlink()
{
    const auto me = pb::access::currentOsAccount();
    QVERIFY(me);
    // A Magento customer without a profile and a profile without a customer.
    qint64 magentoId = 0;
    QStringList vaultOnly;
    for (const QJsonObject &o : list()) {
        if (!magentoId && o.value("paytrace_customer_id"_L1).isNull())
            magentoId = o.value("magento_customer_id"_L1).toInteger();
        if (o.value("magento_customer_id"_L1).isNull())
            vaultOnly << o.value("paytrace_customer_id"_L1).toString();
    }
    QVERIFY(magentoId > 0 && vaultOnly.size() >= 2);
    const QString vaultId = vaultOnly.at(0);
    const QString mid = QString::number(magentoId);

    const QStringList link{u"customers"_s, u"link"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, mid,
                           u"--vault-customer"_s, vaultId};
    CliRun r = run(link);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(link)));
    const auto linkedRow = [&]() -> std::optional<QJsonObject> {
        for (const QJsonObject &o : list({u"--search"_s, vaultId})) {
            if (o.value("paytrace_customer_id"_L1).toString() == vaultId)
                return o;
        }
        return std::nullopt;
    };
    auto row = linkedRow();
    QVERIFY(row);
    QCOMPARE(row->value("magento_customer_id"_L1).toInteger(), magentoId);
    QCOMPARE(row->value("link_rule"_L1).toString(), u"manual"_s);

    // Linking the customer to a second profile is refused: one profile per customer.
    const QStringList second{u"customers"_s, u"link"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, mid,
                             u"--vault-customer"_s, vaultOnly.at(1)};
    r = run(second);
    QVERIFY2(r.exitCode == 6 && r.err.contains(u"customer.already_linked"_s), qPrintable(r.describe(second)));

    const QStringList unlink{u"customers"_s, u"unlink"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, mid};
    r = run(unlink);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(unlink)));
    row = linkedRow();
    QVERIFY(row);
    QVERIFY2(row->value("magento_customer_id"_L1).isNull() && row->value("link_rule"_L1).isNull(),
             qPrintable(QString::fromUtf8(QJsonDocument(*row).toJson())));

    // Unlinking what is not linked is refused by a rule, and changes nothing.
    r = run(unlink);
    QVERIFY2(r.exitCode == 6, qPrintable(r.describe(unlink)));

    // Both acts are in the audit log under the acting account, once each.
    // (The sync's own links are audited too, under the system's name.)
    QStringList audit;
    for (const QString &entry : auditActions(u"customer."_s)) {
        if (entry.endsWith(u' ' + mid))
            audit << entry;
    }
    QCOMPARE(audit, (QStringList{u"%1 customer.linked %2"_s.arg(me.value(), mid),
                                 u"%1 customer.unlinked %2"_s.arg(me.value(), mid)}));

    // The next sync leaves the pair a person unlinked alone.
    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    r = run(sync);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(sync)));
    row = linkedRow();
    QVERIFY(row);
    QVERIFY(row->value("link_rule"_L1).isNull());
}

// An admin acting for a support agent (who phoned it in): the act is the agent's, the audit
// log keeps who typed it; an account that is no operator is a usage error.
void TestCliCustomers::actAsAnotherOperator()
{
    const auto me = pb::access::currentOsAccount();
    QVERIFY(me);
    const QStringList grant{u"operators"_s, u"grant"_s, u"--profile"_s, kProfile, u"--account"_s, u"pb-agent"_s,
                            u"--role"_s, u"support"_s};
    CliRun r = run(grant);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(grant)));
    qint64 magentoId = 0;
    QString vaultId;
    for (const QJsonObject &o : list({u"--unlinked"_s})) {
        if (!magentoId && o.value("paytrace_customer_id"_L1).isNull())
            magentoId = o.value("magento_customer_id"_L1).toInteger();
        if (vaultId.isEmpty() && o.value("magento_customer_id"_L1).isNull())
            vaultId = o.value("paytrace_customer_id"_L1).toString();
    }
    QVERIFY(magentoId > 0 && !vaultId.isEmpty());
    const QString mid = QString::number(magentoId);

    const QStringList nobody{u"customers"_s, u"link"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, mid,
                             u"--vault-customer"_s, vaultId, u"--as"_s, u"pb-nobody"_s};
    r = run(nobody);
    QVERIFY2(r.exitCode == 2 && r.err.contains(u"pb-nobody"_s), qPrintable(r.describe(nobody)));

    const QStringList link{u"customers"_s, u"link"_s, u"--profile"_s, kProfile, u"--magento-customer"_s, mid,
                           u"--vault-customer"_s, vaultId, u"--as"_s, u"pb-agent"_s};
    r = run(link);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(link)));
    QStringList audit;
    for (const QString &entry : auditActions(QString())) {
        if (entry.endsWith(u' ' + mid) || entry.contains(u" access.acted_as "_s))
            audit << entry;
    }
    // The newest two (an earlier test may have linked and unlinked the same customer).
    QVERIFY2(audit.size() >= 2, qPrintable(audit.join(u'\n')));
    QCOMPARE(audit.mid(audit.size() - 2), (QStringList{u"pb-agent customer.linked %1"_s.arg(mid),
                                 u"%1 access.acted_as pb-agent"_s.arg(me.value())}));
}

void TestCliCustomers::chargeSavedCardExactlyOnce()
{
    // An order nobody paid (an offline order still pending) and a vault profile whose card has
    // not expired.
    const QStringList orderArgs{u"magento"_s, u"orders"_s, u"--profile"_s, kProfile, u"--format"_s, u"jsonl"_s};
    const CliRun orders = run(orderArgs);
    QVERIFY2(orders.exitCode == 0, qPrintable(orders.describe(orderArgs)));
    bool ok = false;
    QString order;
    QString grandTotal;
    QString currency;
    static const QRegularExpression zero(u"^0*(\\.0*)?$"_s);
    QStringList seen;
    for (const QJsonObject &o : CliWorld::jsonLines(orders.out, &ok)) {
        seen << u"%1/%2/%3/%4"_s.arg(o.value("state"_L1).toString(), o.value("currency"_L1).toString(),
                                     o.value("total_paid"_L1).toString(), o.value("payment_method"_L1).toString());
        if (o.value("state"_L1).toString() == u"new" && zero.match(o.value("total_paid"_L1).toString()).hasMatch()
            && !zero.match(o.value("grand_total"_L1).toString()).hasMatch()) {
            order = o.value("increment_id"_L1).toString();
            grandTotal = o.value("grand_total"_L1).toString();
            currency = o.value("currency"_L1).toString();
            break;
        }
    }
    seen.removeDuplicates();
    QVERIFY2(ok && !order.isEmpty(), qPrintable(u"no unpaid order among: "_s + seen.join(u' ')));
    const QDate thisMonth = QDate(QDateTime::currentDateTimeUtc().date().year(),
                                  QDateTime::currentDateTimeUtc().date().month(), 1);
    QString vaultId;
    QString last4;
    for (const QJsonObject &o : list()) {
        const QDate e = expiryMonth(o.value("card_expiry"_L1).toString());
        // Not this month's either: the business day is Pacific, and a card must outlive the test.
        if (!o.value("paytrace_customer_id"_L1).isNull() && e.isValid() && e > thisMonth) {
            vaultId = o.value("paytrace_customer_id"_L1).toString();
            last4 = o.value("card_last4"_L1).toString();
            break;
        }
    }
    QVERIFY(!vaultId.isEmpty());
    QCOMPARE(ledgerCount(order, u"sale"_s), 0);

    // --preview: the preview and the review, nothing sent.
    QStringList args{u"charge"_s, u"--profile"_s, kProfile, u"--order"_s, order, u"--vault-customer"_s, vaultId,
                     u"--reason"_s, u"phone order, card on file"_s};
    CliRun r = run(args + QStringList{u"--preview"_s});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    auto values = nameValues(r.out);
    QCOMPARE(values.value(u"outcome"_s), u"previewed"_s);
    QCOMPARE(values.value(u"order"_s), order);
    QCOMPARE(values.value(u"vault_customer"_s), vaultId);
    // What is due: the whole order, in the currency the card is charged in (the base currency,
    // which is the order's own unless the store shows another).
    QVERIFY2(!values.value(u"currency"_s).isEmpty() && values.value(u"amount"_s).toDouble() > 0, qPrintable(r.out));
    if (values.value(u"currency"_s) == currency)
        QCOMPARE(values.value(u"amount"_s), grandTotal);
    QVERIFY2(r.out.contains(u"PayTrace: sale"_s) && r.out.contains(last4), qPrintable(r.out));
    QVERIFY2(r.err.contains(u"--preview"_s), qPrintable(r.describe(args)));
    QVERIFY2(intentLines(r.out).isEmpty(), qPrintable(r.out));
    QCOMPARE(ledgerCount(order, u"sale"_s), 0);

    // As `refund` does, the command itself sends: the sale, the Magento invoice, the ERP
    // entries, each once.
    r = run(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    values = nameValues(r.out);
    QCOMPARE(values.value(u"outcome"_s), u"succeeded"_s);
    QVERIFY2(QRegularExpression(u"^\\d+$"_s).match(values.value(u"gateway_ref"_s)).hasMatch(), qPrintable(r.out));
    const QStringList chain = intentLines(r.out);
    QVERIFY2(chain.size() >= 3, qPrintable(r.out));
    QVERIFY2(chain.at(0).contains(u" paytrace.sale succeeded charge:"_s), qPrintable(r.out));
    QVERIFY2(chain.at(1).contains(u" magento.invoice succeeded "_s), qPrintable(r.out));
    for (const QString &step : chain.mid(2))
        QVERIFY2(step.contains(u" erp.entry succeeded "_s), qPrintable(r.out));
    QCOMPARE(ledgerCount(order, u"sale"_s), 1);

    // The same command again: the order is paid now, so it is refused and nothing is sent.
    r = run(args);
    QVERIFY2(r.exitCode == 6, qPrintable(r.describe(args)));
    QCOMPARE(nameValues(r.out).value(u"outcome"_s), u"refused"_s);
    QVERIFY2(!r.err.trimmed().isEmpty(), "the reason goes to stderr");
    QCOMPARE(ledgerCount(order, u"sale"_s), 1);
}

QTEST_GUILESS_MAIN(TestCliCustomers)
#include "tst_cli_customers.moc"
