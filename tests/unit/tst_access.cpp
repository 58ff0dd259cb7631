#include "access/accesspolicy.h"
#include "access/approvalstore.h"
#include "access/limitstore.h"
#include "access/operator.h"
#include "access/operatordirectory.h"
#include "access/permissions.h"
#include "store/auditlog.h"
#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <unistd.h>

#include <functional>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::access;

namespace {

const QString kConnection = u"tst_access_writer"_s;

Money money(const QString &amount, const QString &code)
{
    const auto currency = Currency::fromCode(code);
    Q_ASSERT(currency);
    auto m = Money::parse(amount, *currency);
    Q_ASSERT(m.ok());
    return *m;
}

Money usd(const char *amount)
{
    return money(QString::fromLatin1(amount), u"USD"_s);
}

Operator makeOperator(const QString &account, Roles roles, bool disabled = false)
{
    Operator op;
    op.account = account;
    op.known = true;
    op.roles = roles;
    op.disabled = disabled;
    return op;
}

QString codeOf(const Status &s)
{
    return s.ok() ? QString() : s.error().code;
}

// What each single role may do without conditions, written out here independently of the
// policy's own table. Refunds by support depend on the limit and are covered separately.
QStringList expectedAllowed(Role role)
{
    switch (role) {
    case Role::Finance:
        return {u"view_orders"_s, u"view_transactions"_s, u"view_refunds"_s, u"view_queue"_s,
                u"view_audit"_s, u"capture"_s, u"void"_s, u"refund"_s, u"partial_refund"_s,
                u"replay_dead_letter"_s, u"discard_dead_letter"_s, u"resolve_in_doubt"_s,
                u"reconcile_resolve"_s, u"post_journal"_s, u"charge"_s};
    case Role::Support:
        return {u"view_orders"_s, u"view_transactions"_s, u"view_refunds"_s, u"view_queue"_s,
                u"capture"_s, u"void"_s, u"replay_dead_letter"_s, u"manage_cards"_s};
    case Role::Admin:
        return {u"view_orders"_s, u"view_transactions"_s, u"view_refunds"_s, u"view_queue"_s,
                u"view_audit"_s, u"manage_connections"_s, u"manage_credentials"_s,
                u"manage_mappings"_s, u"manage_roles"_s, u"manage_limits"_s, u"manage_cards"_s};
    }
    return {};
}

} // namespace

class TestAccess : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void permissionMatrix_data();
    void permissionMatrix();
    void refusalsSayWhy_data();
    void refusalsSayWhy();
    void namesRoundTrip();
    void validateAccount_data();
    void validateAccount();
    void currentOsAccountIsNamed();

    void bootstrapAdmin();
    void bootstrapRefusesUnnamedCreator_data();
    void bootstrapRefusesUnnamedCreator();
    void onlyAdminsManage_data();
    void onlyAdminsManage();
    void lastAdminProtection();
    void limits();
    void approvalFlow();
    void rejectFlow();
    void approvalMustMatchTheRefund_data();
    void approvalMustMatchTheRefund();
    void requestNotNeeded();
    void disabledOperator();
    void permissionsReadTheStore();
    void addOperator();
    void auditHasBeforeAndAfter();
    void auditInSameTransaction_data();
    void auditInSameTransaction();

private:
    QSqlDatabase &db() { return *m_db; }
    int auditCount();
    QString snapshot();
    // An admin "boss", finance "fay" and "fred", support "sam" and "sid", limit USD 100.00.
    void seedTeam();

    std::optional<QTemporaryDir> m_dir;
    std::optional<QSqlDatabase> m_db;
};

void TestAccess::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
    auto opened = store::Database::openWriter(m_dir->filePath(u"paybridge.sqlite"_s), kConnection);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    m_db = *opened;
}

void TestAccess::cleanup()
{
    m_db.reset();
    store::Database::close(kConnection);
    m_dir.reset();
}

int TestAccess::auditCount()
{
    QSqlQuery q(db());
    if (!q.exec(u"SELECT COUNT(*) FROM audit_log"_s) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QString TestAccess::snapshot()
{
    QString text;
    const QString queries[] = {
        u"SELECT account, display_name, disabled FROM operators ORDER BY account"_s,
        u"SELECT account, role FROM operator_roles ORDER BY account, role"_s,
        u"SELECT name, amount_minor, currency FROM access_limits ORDER BY name"_s,
        u"SELECT id, state, COALESCE(decided_by, '-'), note FROM approvals ORDER BY id"_s,
    };
    for (const QString &sql : queries) {
        QSqlQuery q(db());
        if (!q.exec(sql))
            return u"cannot read: "_s + sql;
        while (q.next()) {
            for (int i = 0; i < q.record().count(); ++i)
                text += q.value(i).toString() + u'|';
            text += u'\n';
        }
        text += u"--\n"_s;
    }
    return text;
}

void TestAccess::seedTeam()
{
    OperatorDirectory dir(db());
    auto boot = dir.ensureBootstrapAdmin(u"boss"_s);
    QVERIFY(boot.ok() && *boot);
    QVERIFY(dir.assignRole(u"boss"_s, u"fay"_s, Role::Finance).ok());
    QVERIFY(dir.assignRole(u"boss"_s, u"fred"_s, Role::Finance).ok());
    QVERIFY(dir.assignRole(u"boss"_s, u"sam"_s, Role::Support).ok());
    QVERIFY(dir.assignRole(u"boss"_s, u"sid"_s, Role::Support).ok());
    QVERIFY(LimitStore(db()).setSupportRefundLimit(u"boss"_s, usd("100.00")).ok());
}

void TestAccess::permissionMatrix_data()
{
    QTest::addColumn<int>("roles");
    QTest::addColumn<bool>("disabled");
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("amount");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("limit"); // empty: no limit set
    QTest::addColumn<QString>("limitCurrency");
    QTest::addColumn<QString>("code");  // empty: allowed

    const QString denied = u"access.denied"_s;
    const QString needs = u"access.needs_approval"_s;

    // Every single role against every action, with a refund amount under a USD 100.00 limit.
    for (Role role : kAllRoles) {
        const QStringList allowed = expectedAllowed(role);
        for (Action action : kAllActions) {
            const QString name = actionName(action);
            QString code = allowed.contains(name) ? QString() : denied;
            if (role == Role::Support && isLimited(action))
                code = QString(); // within the limit
            QTest::addRow("%s/%s", qPrintable(roleName(role)), qPrintable(name))
                << int(role) << false << int(action) << u"50.00"_s << u"USD"_s << u"100.00"_s
                << u"USD"_s << code;
            // Disabled operators can do nothing at all.
            QTest::addRow("%s-disabled/%s", qPrintable(roleName(role)), qPrintable(name))
                << int(role) << true << int(action) << u"50.00"_s << u"USD"_s << u"100.00"_s
                << u"USD"_s << denied;
        }
    }
    // No role: nothing, not even viewing.
    for (Action action : kAllActions)
        QTest::addRow("none/%s", qPrintable(actionName(action)))
            << 0 << false << int(action) << u"1.00"_s << u"USD"_s << u"100.00"_s << u"USD"_s << denied;

    // Refund amount against the support limit and its currency.
    const int support = int(Role::Support);
    const int finance = int(Role::Finance);
    const int admin = int(Role::Admin);
    struct Row
    {
        const char *name;
        int roles;
        Action action;
        const char *amount;
        const char *currency;
        const char *limit;
        const char *limitCurrency;
        const char *code;
    };
    const Row rows[] = {
        {"support refund below limit", support, Action::Refund, "99.99", "USD", "100.00", "USD", ""},
        {"support refund at limit", support, Action::Refund, "100.00", "USD", "100.00", "USD", ""},
        {"support refund one cent over", support, Action::Refund, "100.01", "USD", "100.00", "USD", "access.needs_approval"},
        {"support partial refund over", support, Action::PartialRefund, "250.00", "USD", "100.00", "USD", "access.needs_approval"},
        {"support refund, limit in EUR", support, Action::Refund, "1.00", "USD", "100.00", "EUR", "access.needs_approval"},
        {"support refund in JPY, limit in USD", support, Action::Refund, "1", "JPY", "100.00", "USD", "access.needs_approval"},
        {"support refund in JPY under JPY limit", support, Action::Refund, "5000", "JPY", "10000", "JPY", ""},
        {"support refund, no limit", support, Action::Refund, "0.01", "USD", "", "", "access.needs_approval"},
        {"support refund, zero limit", support, Action::Refund, "0.01", "USD", "0.00", "USD", "access.needs_approval"},
        {"support refund of zero", support, Action::Refund, "0.00", "USD", "100.00", "USD", "access.invalid_request"},
        {"support refund negative", support, Action::Refund, "-5.00", "USD", "100.00", "USD", "access.invalid_request"},
        {"support capture above limit", support, Action::Capture, "5000.00", "USD", "100.00", "USD", ""},
        {"support void above limit", support, Action::Void, "5000.00", "USD", "100.00", "USD", ""},
        {"finance refund far over limit", finance, Action::Refund, "99999.00", "USD", "100.00", "USD", ""},
        {"finance refund, other currency", finance, Action::PartialRefund, "500.00", "EUR", "100.00", "USD", ""},
        {"finance refund, no limit", finance, Action::Refund, "500.00", "USD", "", "", ""},
        {"admin refund under limit", admin, Action::Refund, "1.00", "USD", "100.00", "USD", "access.denied"},
        {"support+admin refund over", support | admin, Action::Refund, "150.00", "USD", "100.00", "USD", "access.needs_approval"},
        {"support+admin manage roles", support | admin, Action::ManageRoles, "", "", "100.00", "USD", ""},
        {"finance+support refund over", finance | support, Action::Refund, "150.00", "USD", "100.00", "USD", ""},
        {"finance+admin discard", finance | admin, Action::DiscardDeadLetter, "", "", "", "", ""},
    };
    for (const Row &r : rows)
        QTest::newRow(r.name) << r.roles << false << int(r.action) << QString::fromLatin1(r.amount)
                              << QString::fromLatin1(r.currency) << QString::fromLatin1(r.limit)
                              << QString::fromLatin1(r.limitCurrency) << QString::fromLatin1(r.code);
}

void TestAccess::permissionMatrix()
{
    QFETCH(int, roles);
    QFETCH(bool, disabled);
    QFETCH(int, action);
    QFETCH(QString, amount);
    QFETCH(QString, currency);
    QFETCH(QString, limit);
    QFETCH(QString, limitCurrency);
    QFETCH(QString, code);

    Limits limits;
    if (!limit.isEmpty())
        limits.supportRefundLimit = money(limit, limitCurrency);
    ActionContext context;
    if (!amount.isEmpty())
        context.amount = money(amount, currency);
    const Operator op = makeOperator(u"pat"_s, Roles::fromInt(roles), disabled);

    const Status verdict = AccessPolicy(limits).check(op, Action(action), context);
    QCOMPARE(codeOf(verdict), code);
    if (!verdict)
        QVERIFY2(verdict.error().message.size() > 20, qPrintable(verdict.error().message));
}

void TestAccess::refusalsSayWhy_data()
{
    QTest::addColumn<int>("roles");
    QTest::addColumn<bool>("disabled");
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("amount");
    QTest::addColumn<QString>("expected");

    QTest::newRow("over the limit") << int(Role::Support) << false << int(Action::Refund)
                                    << u"150.00"_s
                                    << u"Refunds above USD 100.00 need approval by a finance operator"_s;
    QTest::newRow("charge over the limit") << int(Role::Support) << false << int(Action::Charge)
                                           << u"150.00"_s
                                           << u"Charges above USD 100.00 need approval by a finance operator"_s;
    QTest::newRow("support discards") << int(Role::Support) << false << int(Action::DiscardDeadLetter)
                                      << QString() << u"Only finance operators can discard dead letters"_s;
    QTest::newRow("finance manages roles") << int(Role::Finance) << false << int(Action::ManageRoles)
                                           << QString() << u"Only admins can assign or revoke roles"_s;
    QTest::newRow("disabled") << int(Role::Finance) << true << int(Action::ViewOrders) << QString()
                              << u"pat is disabled; an admin can enable it again"_s;
    QTest::newRow("no role") << 0 << false << int(Action::ViewOrders) << QString()
                             << u"pat has no role in PayBridge; ask an admin"_s;
}

void TestAccess::refusalsSayWhy()
{
    QFETCH(int, roles);
    QFETCH(bool, disabled);
    QFETCH(int, action);
    QFETCH(QString, amount);
    QFETCH(QString, expected);
    Limits limits{usd("100.00")};
    ActionContext context;
    if (!amount.isEmpty())
        context.amount = money(amount, u"USD"_s);
    const Status s = AccessPolicy(limits).check(makeOperator(u"pat"_s, Roles::fromInt(roles), disabled),
                                                Action(action), context);
    QVERIFY(!s.ok());
    QVERIFY2(s.error().message.contains(expected), qPrintable(s.error().message));
}

void TestAccess::namesRoundTrip()
{
    QSet<QString> seen;
    for (Action a : kAllActions) {
        const QString name = actionName(a);
        QVERIFY(!seen.contains(name));
        seen.insert(name);
        QCOMPARE(actionFromName(name), std::optional<Action>(a));
    }
    QCOMPARE(seen.size(), 21);
    for (Role r : kAllRoles)
        QCOMPARE(roleFromName(roleName(r)), std::optional<Role>(r));
    QVERIFY(!roleFromName(u"root"_s));
    QVERIFY(!actionFromName(u"refund_everything"_s));
}

void TestAccess::validateAccount_data()
{
    QTest::addColumn<QString>("account");
    QTest::addColumn<bool>("valid");
    QTest::newRow("plain") << u"alice"_s << true;
    QTest::newRow("service") << u"svc-paybridge.01"_s << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("unknown") << u"unknown"_s << false;
    QTest::newRow("UNKNOWN") << u"UNKNOWN"_s << false;
    QTest::newRow("space") << u"a b"_s << false;
    QTest::newRow("newline") << u"a\nb"_s << false;
    QTest::newRow("65 chars") << QString(65, u'x') << false;
    QTest::newRow("64 chars") << QString(64, u'x') << true;
}

void TestAccess::validateAccount()
{
    QFETCH(QString, account);
    QFETCH(bool, valid);
    const Status s = pb::access::validateAccount(account);
    QCOMPARE(s.ok(), valid);
    if (!valid)
        QCOMPARE(s.error().code, u"access.invalid_account"_s);
}

void TestAccess::currentOsAccountIsNamed()
{
    auto account = currentOsAccount();
    QVERIFY2(account.ok(), qPrintable(account.ok() ? QString() : account.error().message));
    QVERIFY(!account->isEmpty());
    QVERIFY(account->compare(u"unknown"_s, Qt::CaseInsensitive) != 0);
    QVERIFY(pb::access::validateAccount(*account).ok());
    // With a passwd entry for the effective uid, that name wins over the environment.
    if (const passwd *pw = getpwuid(geteuid()))
        QCOMPARE(*account, QString::fromLocal8Bit(pw->pw_name));
}

void TestAccess::bootstrapAdmin()
{
    OperatorDirectory dir(db());
    QCOMPARE(*dir.enabledAdminCount(), 0);
    auto first = dir.ensureBootstrapAdmin(u"creator"_s);
    QVERIFY(first.ok());
    QVERIFY(*first);
    auto creator = dir.find(u"creator"_s);
    QVERIFY(creator.ok());
    QVERIFY(creator->known);
    QCOMPARE(creator->roles, Roles(Role::Admin));
    QVERIFY(creator->createdAt.isValid());

    // Idempotent, and never a second admin from someone else's start-up.
    auto again = dir.ensureBootstrapAdmin(u"creator"_s);
    QVERIFY(again.ok());
    QVERIFY(!*again);
    auto other = dir.ensureBootstrapAdmin(u"mallory"_s);
    QVERIFY(other.ok());
    QVERIFY(!*other);
    QVERIFY(!dir.find(u"mallory"_s)->known);
    QCOMPARE(*dir.enabledAdminCount(), 1);

    auto entries = store::AuditLog(db()).recent(10);
    QVERIFY(entries.ok());
    QCOMPARE(entries->size(), 1);
    QCOMPARE(entries->constFirst().action, u"access.bootstrap_admin"_s);
    QCOMPARE(entries->constFirst().actor, u"creator"_s);
    QCOMPARE(entries->constFirst().beforeJson, u"{}"_s);
    const QJsonObject after = QJsonDocument::fromJson(entries->constFirst().afterJson.toUtf8()).object();
    QCOMPARE(after.value(u"roles"_s).toArray(), QJsonArray{u"admin"_s});
}

void TestAccess::bootstrapRefusesUnnamedCreator_data()
{
    QTest::addColumn<QString>("creator");
    QTest::newRow("empty") << QString();
    QTest::newRow("unknown") << u"unknown"_s;
}

void TestAccess::bootstrapRefusesUnnamedCreator()
{
    QFETCH(QString, creator);
    auto r = OperatorDirectory(db()).ensureBootstrapAdmin(creator);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, u"access.invalid_account"_s);
    QCOMPARE(*OperatorDirectory(db()).enabledAdminCount(), 0);
}

void TestAccess::onlyAdminsManage_data()
{
    QTest::addColumn<QString>("actor");
    QTest::addColumn<QString>("code");
    QTest::newRow("admin") << u"boss"_s << QString();
    QTest::newRow("finance") << u"fay"_s << u"access.denied"_s;
    QTest::newRow("support") << u"sam"_s << u"access.denied"_s;
    QTest::newRow("stranger") << u"nobody"_s << u"access.denied"_s;
}

void TestAccess::onlyAdminsManage()
{
    QFETCH(QString, actor);
    QFETCH(QString, code);
    seedTeam();
    OperatorDirectory dir(db());
    QCOMPARE(codeOf(dir.assignRole(actor, u"newbie"_s, Role::Support)), code);
    QCOMPARE(dir.find(u"newbie"_s)->has(Role::Support), code.isEmpty());
    QCOMPARE(codeOf(dir.revokeRole(actor, u"sid"_s, Role::Support)), code);
    QCOMPARE(dir.find(u"sid"_s)->has(Role::Support), !code.isEmpty());
    QCOMPARE(codeOf(dir.setDisabled(actor, u"fred"_s, true)), code);
    QCOMPARE(dir.find(u"fred"_s)->disabled, code.isEmpty());
    QCOMPARE(codeOf(LimitStore(db()).setSupportRefundLimit(actor, usd("20.00"))), code);
    QCOMPARE(LimitStore(db()).load()->supportRefundLimit, std::optional<Money>(code.isEmpty() ? usd("20.00") : usd("100.00")));
}

void TestAccess::lastAdminProtection()
{
    OperatorDirectory dir(db());
    QVERIFY(*dir.ensureBootstrapAdmin(u"boss"_s));
    QVERIFY(dir.assignRole(u"boss"_s, u"boss"_s, Role::Finance).ok());

    Status s = dir.revokeRole(u"boss"_s, u"boss"_s, Role::Admin);
    QCOMPARE(codeOf(s), u"access.last_admin"_s);
    QVERIFY2(s.error().message.contains(u"boss is the last admin"_s), qPrintable(s.error().message));
    s = dir.setDisabled(u"boss"_s, u"boss"_s, true);
    QCOMPARE(codeOf(s), u"access.last_admin"_s);
    // Other roles of the last admin may go.
    QVERIFY(dir.revokeRole(u"boss"_s, u"boss"_s, Role::Finance).ok());

    // A disabled admin does not count: it cannot manage anything.
    QVERIFY(dir.assignRole(u"boss"_s, u"ann"_s, Role::Admin).ok());
    QVERIFY(dir.setDisabled(u"boss"_s, u"ann"_s, true).ok());
    QCOMPARE(*dir.enabledAdminCount(), 1);
    QCOMPARE(codeOf(dir.revokeRole(u"boss"_s, u"boss"_s, Role::Admin)), u"access.last_admin"_s);
    QCOMPARE(codeOf(dir.assignRole(u"ann"_s, u"ann"_s, Role::Finance)), u"access.denied"_s);

    QVERIFY(dir.setDisabled(u"boss"_s, u"ann"_s, false).ok());
    QVERIFY(dir.revokeRole(u"ann"_s, u"boss"_s, Role::Admin).ok());
    QCOMPARE(dir.find(u"boss"_s)->roles, Roles());
    QCOMPARE(codeOf(dir.revokeRole(u"ann"_s, u"ann"_s, Role::Admin)), u"access.last_admin"_s);
    QCOMPARE(codeOf(dir.setDisabled(u"ann"_s, u"ann"_s, true)), u"access.last_admin"_s);
    QCOMPARE(*dir.enabledAdminCount(), 1);
    QCOMPARE(codeOf(dir.revokeRole(u"ann"_s, u"ghost"_s, Role::Admin)), u"access.unknown_operator"_s);
}

void TestAccess::limits()
{
    seedTeam();
    LimitStore store(db());
    QCOMPARE(store.load()->supportRefundLimit, std::optional<Money>(usd("100.00")));
    QVERIFY(store.setSupportRefundLimit(u"boss"_s, money(u"75.50"_s, u"EUR"_s)).ok());
    QCOMPARE(store.load()->supportRefundLimit, std::optional<Money>(money(u"75.50"_s, u"EUR"_s)));
    QCOMPARE(codeOf(store.setSupportRefundLimit(u"boss"_s, usd("-1.00"))), u"access.invalid_request"_s);

    // The store's limit is what Permissions uses: EUR limit, USD refund → approval.
    Permissions perms(db());
    const Operator sam = *perms.operatorFor(u"sam"_s);
    ActionContext ctx;
    ctx.amount = usd("1.00");
    QCOMPARE(codeOf(perms.check(sam, Action::Refund, ctx)), u"access.needs_approval"_s);
    ctx.amount = money(u"75.50"_s, u"EUR"_s);
    QVERIFY(perms.check(sam, Action::Refund, ctx).ok());

    QVERIFY(store.setSupportRefundLimit(u"boss"_s, std::nullopt).ok());
    QVERIFY(!store.load()->supportRefundLimit);
    QCOMPARE(codeOf(perms.check(sam, Action::Refund, ctx)), u"access.needs_approval"_s);

    auto entries = store::AuditLog(db()).recent(1);
    QCOMPARE(entries->constFirst().action, u"access.limit_changed"_s);
    QCOMPARE(entries->constFirst().afterJson, u"{}"_s);
    const QJsonObject before = QJsonDocument::fromJson(entries->constFirst().beforeJson.toUtf8()).object();
    QCOMPARE(before.value(u"amount_minor"_s).toString(), u"7550"_s);
    QCOMPARE(before.value(u"currency"_s).toString(), u"EUR"_s);
}

void TestAccess::approvalFlow()
{
    seedTeam();
    Permissions perms(db());
    ApprovalStore approvals(db());
    const Operator sam = *perms.operatorFor(u"sam"_s);
    ActionContext ctx;
    ctx.amount = usd("150.00");
    ctx.intentKey = u"refund:100000123:1"_s;

    // Over the limit: refused, and a pending request is created.
    Status s = perms.authorize(sam, Action::Refund, ctx, u"customer returned two items"_s);
    QCOMPARE(codeOf(s), u"access.needs_approval"_s);
    QVERIFY2(s.error().message.startsWith(
                 u"Refunds above USD 100.00 need approval by a finance operator; approval request #"_s),
             qPrintable(s.error().message));
    auto open = approvals.pending();
    QVERIFY(open.ok());
    QCOMPARE(open->size(), 1);
    const Approval request = open->constFirst();
    QCOMPARE(request.requestedBy, u"sam"_s);
    QCOMPARE(request.amount, usd("150.00"));
    QCOMPARE(request.intentKey, ctx.intentKey);
    QCOMPARE(request.state, ApprovalState::Pending);
    QVERIFY(s.error().message.contains(u'#' + QString::number(request.id)));

    // Asking again does not queue a second request.
    QCOMPARE(codeOf(perms.authorize(sam, Action::Refund, ctx, u"again"_s)), u"access.needs_approval"_s);
    QCOMPARE(approvals.pending()->size(), 1);

    // While pending, carrying the approval is not enough.
    ctx.approval = request;
    QCOMPARE(codeOf(perms.check(sam, Action::Refund, ctx)), u"access.needs_approval"_s);

    // The requester cannot approve, not even after becoming finance.
    auto self = approvals.approve(request.id, u"sam"_s);
    QCOMPARE(self.error().code, u"access.self_approval"_s);
    QVERIFY(OperatorDirectory(db()).assignRole(u"boss"_s, u"sam"_s, Role::Finance).ok());
    self = approvals.approve(request.id, u"sam"_s);
    QCOMPARE(self.error().code, u"access.self_approval"_s);
    QVERIFY2(self.error().message.contains(u"another finance operator must"_s), qPrintable(self.error().message));
    QVERIFY(OperatorDirectory(db()).revokeRole(u"boss"_s, u"sam"_s, Role::Finance).ok());

    // Neither support nor admin can approve.
    auto bySupport = approvals.approve(request.id, u"sid"_s);
    QCOMPARE(bySupport.error().code, u"access.denied"_s);
    QVERIFY2(bySupport.error().message.startsWith(u"Only finance operators can approve"_s),
             qPrintable(bySupport.error().message));
    QCOMPARE(approvals.approve(request.id, u"boss"_s).error().code, u"access.denied"_s);
    QCOMPARE(approvals.approve(request.id, u"stranger"_s).error().code, u"access.denied"_s);
    QCOMPARE(approvals.find(request.id)->state, ApprovalState::Pending);

    // A finance operator approves: the refund is allowed for sam.
    auto approved = approvals.approve(request.id, u"fay"_s, u"checked the return"_s);
    QVERIFY2(approved.ok(), qPrintable(approved.ok() ? QString() : approved.error().message));
    QCOMPARE(approved->state, ApprovalState::Approved);
    QCOMPARE(approved->decidedBy, u"fay"_s);
    QVERIFY(approved->decidedAt.isValid());
    QVERIFY(perms.check(sam, Action::Refund, ctx).ok());
    // A stale copy in the context does not matter: the store's record decides.
    ctx.approval->state = ApprovalState::Pending;
    QVERIFY(perms.check(sam, Action::Refund, ctx).ok());

    // Decided once only.
    QCOMPARE(approvals.approve(request.id, u"fred"_s).error().code, u"access.already_decided"_s);
    QCOMPARE(approvals.reject(request.id, u"fred"_s, u"late"_s).error().code, u"access.already_decided"_s);

    // Another support operator cannot use sam's approval.
    const Operator sid = *perms.operatorFor(u"sid"_s);
    QCOMPARE(codeOf(perms.check(sid, Action::Refund, ctx)), u"access.denied"_s);

    auto entries = store::AuditLog(db()).recent(50);
    QStringList actions;
    for (const auto &e : *entries)
        actions.prepend(e.action);
    QVERIFY(actions.contains(u"access.approval_requested"_s));
    QVERIFY(actions.contains(u"access.approval_approved"_s));
    QCOMPARE(actions.count(u"access.approval_requested"_s), 1);
}

void TestAccess::rejectFlow()
{
    seedTeam();
    ApprovalStore approvals(db());
    ActionContext ctx;
    ctx.amount = usd("300.00");
    ctx.intentKey = u"refund:100000200:1"_s;
    auto request = approvals.requestApproval(u"sam"_s, Action::PartialRefund, ctx, u"damaged"_s);
    QVERIFY(request.ok());

    QCOMPARE(approvals.reject(request->id, u"sid"_s, u"no"_s).error().code, u"access.denied"_s);
    auto rejected = approvals.reject(request->id, u"fred"_s, u"no receipt"_s);
    QVERIFY(rejected.ok());
    QCOMPARE(rejected->state, ApprovalState::Rejected);
    QCOMPARE(rejected->note, u"no receipt"_s);

    ctx.approval = *rejected;
    const Status s = Permissions(db()).check(*Permissions(db()).operatorFor(u"sam"_s),
                                             Action::PartialRefund, ctx);
    QCOMPARE(codeOf(s), u"access.denied"_s);
    QVERIFY2(s.error().message.contains(u"was rejected by fred (\"no receipt\")"_s), qPrintable(s.error().message));
    QCOMPARE(approvals.approve(request->id, u"fay"_s).error().code, u"access.already_decided"_s);

    // After a rejection the intent may be asked for again.
    ctx.approval.reset();
    auto second = approvals.requestApproval(u"sam"_s, Action::PartialRefund, ctx, u"receipt found"_s);
    QVERIFY(second.ok());
    QVERIFY(second->id != request->id);
}

void TestAccess::approvalMustMatchTheRefund_data()
{
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("amount");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("intentKey");
    QTest::addColumn<QString>("code");
    const QString key = u"refund:100000300:1"_s;
    QTest::newRow("same") << int(Action::Refund) << u"150.00"_s << u"USD"_s << key << QString();
    QTest::newRow("smaller") << int(Action::Refund) << u"120.00"_s << u"USD"_s << key << QString();
    QTest::newRow("larger") << int(Action::Refund) << u"150.01"_s << u"USD"_s << key << u"access.denied"_s;
    QTest::newRow("other currency") << int(Action::Refund) << u"150.00"_s << u"EUR"_s << key << u"access.denied"_s;
    QTest::newRow("other intent") << int(Action::Refund) << u"150.00"_s << u"USD"_s
                                  << u"refund:100000301:1"_s << u"access.denied"_s;
    QTest::newRow("other action") << int(Action::PartialRefund) << u"150.00"_s << u"USD"_s << key
                                  << u"access.denied"_s;
}

void TestAccess::approvalMustMatchTheRefund()
{
    QFETCH(int, action);
    QFETCH(QString, amount);
    QFETCH(QString, currency);
    QFETCH(QString, intentKey);
    QFETCH(QString, code);
    seedTeam();
    ApprovalStore approvals(db());
    ActionContext ctx;
    ctx.amount = usd("150.00");
    ctx.intentKey = u"refund:100000300:1"_s;
    auto request = approvals.requestApproval(u"sam"_s, Action::Refund, ctx, u"reason"_s);
    QVERIFY(request.ok());
    QVERIFY(approvals.approve(request->id, u"fay"_s).ok());

    ActionContext use;
    use.amount = money(amount, currency);
    use.intentKey = intentKey;
    use.approval = *request;
    Permissions perms(db());
    QCOMPARE(codeOf(perms.check(*perms.operatorFor(u"sam"_s), Action(action), use)), code);
}

void TestAccess::requestNotNeeded()
{
    seedTeam();
    ApprovalStore approvals(db());
    ActionContext ctx;
    ctx.amount = usd("50.00");
    // Within the limit, and finance at any amount: nothing to approve.
    QCOMPARE(approvals.requestApproval(u"sam"_s, Action::Refund, ctx, u"r"_s).error().code, u"access.invalid_request"_s);
    ctx.amount = usd("5000.00");
    QCOMPARE(approvals.requestApproval(u"fay"_s, Action::Refund, ctx, u"r"_s).error().code, u"access.invalid_request"_s);
    // Admins cannot refund at all, so they cannot ask for approval either.
    QCOMPARE(approvals.requestApproval(u"boss"_s, Action::Refund, ctx, u"r"_s).error().code, u"access.denied"_s);
    QCOMPARE(approvals.pending()->size(), 0);
}

void TestAccess::disabledOperator()
{
    seedTeam();
    OperatorDirectory dir(db());
    Permissions perms(db());
    ActionContext ctx;
    ctx.amount = usd("150.00");
    ctx.intentKey = u"refund:100000400:1"_s;
    auto request = ApprovalStore(db()).requestApproval(u"sam"_s, Action::Refund, ctx, u"r"_s);
    QVERIFY(request.ok());

    QVERIFY(dir.setDisabled(u"boss"_s, u"fay"_s, true).ok());
    const Operator fay = *perms.operatorFor(u"fay"_s);
    QVERIFY(fay.disabled);
    for (Action a : kAllActions) {
        ActionContext small;
        small.amount = usd("1.00");
        QCOMPARE(codeOf(perms.check(fay, a, small)), u"access.denied"_s);
    }
    auto approve = ApprovalStore(db()).approve(request->id, u"fay"_s);
    QCOMPARE(approve.error().code, u"access.denied"_s);
    QVERIFY(approve.error().message.contains(u"fay is disabled"_s));

    // A disabled admin cannot manage.
    QVERIFY(dir.assignRole(u"boss"_s, u"ann"_s, Role::Admin).ok());
    QVERIFY(dir.setDisabled(u"ann"_s, u"boss"_s, true).ok());
    QCOMPARE(codeOf(dir.assignRole(u"boss"_s, u"boss"_s, Role::Finance)), u"access.denied"_s);

    QVERIFY(dir.setDisabled(u"ann"_s, u"fay"_s, false).ok());
    QVERIFY(perms.check(*perms.operatorFor(u"fay"_s), Action::PostJournal).ok());
    QVERIFY(ApprovalStore(db()).approve(request->id, u"fay"_s).ok());
}

void TestAccess::permissionsReadTheStore()
{
    seedTeam();
    Permissions perms(db());
    const Operator fay = *perms.operatorFor(u"fay"_s);
    QVERIFY(perms.check(fay, Action::DiscardDeadLetter).ok());
    // The front end's copy of fay is stale once an admin changes her; the store decides.
    QVERIFY(OperatorDirectory(db()).setDisabled(u"boss"_s, u"fay"_s, true).ok());
    QCOMPARE(codeOf(perms.check(fay, Action::DiscardDeadLetter)), u"access.denied"_s);
    QVERIFY(OperatorDirectory(db()).setDisabled(u"boss"_s, u"fay"_s, false).ok());
    QVERIFY(OperatorDirectory(db()).revokeRole(u"boss"_s, u"fay"_s, Role::Finance).ok());
    QCOMPARE(codeOf(perms.check(fay, Action::DiscardDeadLetter)), u"access.denied"_s);
    // A hand-made operator with roles the store never gave is refused.
    QCOMPARE(codeOf(perms.check(makeOperator(u"forger"_s, Role::Admin), Action::ManageRoles)),
             u"access.denied"_s);
}

void TestAccess::addOperator()
{
    seedTeam();
    OperatorDirectory dir(db());
    QCOMPARE(codeOf(dir.addOperator(u"sam"_s, u"newbie"_s, u"New Person"_s)), u"access.denied"_s);
    QVERIFY(!dir.find(u"newbie"_s)->known);
    QVERIFY(dir.addOperator(u"boss"_s, u"newbie"_s, u"New Person"_s).ok());
    auto added = dir.find(u"newbie"_s);
    QVERIFY(added->known);
    QCOMPARE(added->displayName, u"New Person"_s);
    QCOMPARE(added->roles, Roles());
    QCOMPARE(store::AuditLog(db()).recent(1)->constFirst().action, u"access.operator_added"_s);
    QVERIFY(dir.addOperator(u"boss"_s, u"newbie"_s, u"Renamed"_s).ok());
    QCOMPARE(dir.find(u"newbie"_s)->displayName, u"Renamed"_s);
    QCOMPARE(store::AuditLog(db()).recent(1)->constFirst().action, u"access.operator_renamed"_s);
    QCOMPARE(codeOf(dir.addOperator(u"boss"_s, u"unknown"_s, QString())), u"access.invalid_account"_s);

    auto all = dir.list();
    QVERIFY(all.ok());
    QStringList accounts;
    for (const Operator &op : *all)
        accounts.append(op.account);
    QCOMPARE(accounts, (QStringList{u"boss"_s, u"fay"_s, u"fred"_s, u"newbie"_s, u"sam"_s, u"sid"_s}));
}

void TestAccess::auditHasBeforeAndAfter()
{
    seedTeam();
    OperatorDirectory dir(db());
    QVERIFY(dir.assignRole(u"boss"_s, u"sam"_s, Role::Finance).ok());
    auto entries = store::AuditLog(db()).recent(1);
    QVERIFY(entries.ok());
    const store::AuditEntry &e = entries->constFirst();
    QCOMPARE(e.actor, u"boss"_s);
    QCOMPARE(e.action, u"access.role_assigned"_s);
    QCOMPARE(e.objectType, u"operator"_s);
    QCOMPARE(e.objectId, u"sam"_s);
    const QJsonObject before = QJsonDocument::fromJson(e.beforeJson.toUtf8()).object();
    const QJsonObject after = QJsonDocument::fromJson(e.afterJson.toUtf8()).object();
    QCOMPARE(before.value(u"roles"_s).toArray(), QJsonArray{u"support"_s});
    QCOMPARE(after.value(u"roles"_s).toArray(), (QJsonArray{u"finance"_s, u"support"_s}));

    // A change that changes nothing leaves no entry.
    const int count = auditCount();
    QVERIFY(dir.assignRole(u"boss"_s, u"sam"_s, Role::Finance).ok());
    QVERIFY(dir.revokeRole(u"boss"_s, u"fay"_s, Role::Support).ok());
    QCOMPARE(auditCount(), count);
}

void TestAccess::auditInSameTransaction_data()
{
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("failingTable"); // the audit log, or the table the change writes
    QTest::addColumn<QString>("event");

    const char *operations[] = {"assignRole", "revokeRole", "disable", "setLimit",
                                "requestApproval", "approve", "reject"};
    const std::pair<const char *, const char *> changed[] = {
        {"operator_roles", "INSERT"}, {"operator_roles", "DELETE"}, {"operators", "UPDATE"},
        {"access_limits", "INSERT"}, {"approvals", "INSERT"},      {"approvals", "UPDATE"},
        {"approvals", "UPDATE"},
    };
    for (int i = 0; i < 7; ++i) {
        QTest::addRow("%s/audit fails", operations[i])
            << QString::fromLatin1(operations[i]) << u"audit_log"_s << u"INSERT"_s;
        QTest::addRow("%s/change fails", operations[i])
            << QString::fromLatin1(operations[i]) << QString::fromLatin1(changed[i].first)
            << QString::fromLatin1(changed[i].second);
    }
}

void TestAccess::auditInSameTransaction()
{
    QFETCH(QString, operation);
    QFETCH(QString, failingTable);
    QFETCH(QString, event);

    seedTeam();
    // The limit is removed first so that setting it is an INSERT.
    QVERIFY(LimitStore(db()).setSupportRefundLimit(u"boss"_s, std::nullopt).ok());
    ActionContext ctx;
    ctx.amount = usd("150.00");
    ctx.intentKey = u"refund:100000500:1"_s;
    qint64 approvalId = 0;
    if (operation == u"approve"_s || operation == u"reject"_s) {
        auto r = ApprovalStore(db()).requestApproval(u"sam"_s, Action::Refund, ctx, u"r"_s);
        QVERIFY(r.ok());
        approvalId = r->id;
    }
    const std::function<bool()> run = [&]() -> bool {
        if (operation == u"assignRole"_s)
            return OperatorDirectory(db()).assignRole(u"boss"_s, u"sid"_s, Role::Finance).ok();
        if (operation == u"revokeRole"_s)
            return OperatorDirectory(db()).revokeRole(u"boss"_s, u"sid"_s, Role::Support).ok();
        if (operation == u"disable"_s)
            return OperatorDirectory(db()).setDisabled(u"boss"_s, u"sid"_s, true).ok();
        if (operation == u"setLimit"_s)
            return LimitStore(db()).setSupportRefundLimit(u"boss"_s, usd("80.00")).ok();
        if (operation == u"requestApproval"_s)
            return ApprovalStore(db()).requestApproval(u"sam"_s, Action::Refund, ctx, u"r"_s).ok();
        if (operation == u"approve"_s)
            return ApprovalStore(db()).approve(approvalId, u"fay"_s).ok();
        if (operation == u"reject"_s)
            return ApprovalStore(db()).reject(approvalId, u"fay"_s, u"n"_s).ok();
        return false;
    };

    const QString stateBefore = snapshot();
    const int auditBefore = auditCount();
    QSqlQuery q(db());
    QVERIFY(q.exec(u"CREATE TEMP TRIGGER tst_forced_failure BEFORE "_s + event + u" ON main."_s
                   + failingTable + u" BEGIN SELECT RAISE(ABORT, 'forced failure'); END"_s));
    QVERIFY(!run());
    QCOMPARE(snapshot(), stateBefore);
    QCOMPARE(auditCount(), auditBefore);

    // Without the fault the same operation changes the state and writes one entry, so the
    // comparison above really covered a change.
    QVERIFY(q.exec(u"DROP TRIGGER temp.tst_forced_failure"_s));
    QVERIFY(run());
    QVERIFY(snapshot() != stateBefore);
    QCOMPARE(auditCount(), auditBefore + 1);
}

QTEST_GUILESS_MAIN(TestAccess)
#include "tst_access.moc"
