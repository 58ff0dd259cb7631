#include "erp/csvfilesink.h"
#include "erp/dayjournal.h"
#include "erp/ledgerfilesink.h"
#include "mapping/mappingprofile.h"
#include "store/database.h"

#include <QProcess>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;
using mapping::MappingProfile;

namespace {

Money usd(const QString &text)
{
    return Money::parse(text, Currency::usd()).value();
}

const QDate kDay(2024, 3, 1);

qint64 pacific(const QDate &d, int h, int m)
{
    return QDateTime(d, QTime(h, m), QTimeZone("America/Los_Angeles")).toMSecsSinceEpoch();
}

// hledger's reading of a journal: (account, commodity) → balance.
AccountTotals hledgerTotals(const QString &path, QString *error)
{
    QProcess p;
    p.start(u"hledger"_s, {u"-f"_s, path, u"bal"_s, u"-O"_s, u"csv"_s, u"--layout=bare"_s, u"-N"_s});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        *error = QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    AccountTotals out;
    const QList<QByteArray> lines = p.readAllStandardOutput().split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (lines.at(i).trimmed().isEmpty())
            continue;
        // "account","commodity","balance"; our account names hold no '"' or ','.
        QStringList f = QString::fromUtf8(lines.at(i).trimmed()).split(u',');
        for (QString &s : f)
            s = s.mid(1, s.size() - 2);
        const auto currency = Currency::fromCode(f.at(1));
        if (f.size() != 3 || !currency) {
            *error = u"unexpected row "_s + QString::fromUtf8(lines.at(i));
            return {};
        }
        out.insert({f.at(0), f.at(1)}, Money::parse(f.at(2), *currency).value());
    }
    return out;
}

} // namespace

class TestErpDayJournal : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QSqlDatabase m_db;

    void exec(const QString &sql, const QVariantList &values)
    {
        QSqlQuery q(m_db);
        QVERIFY(q.prepare(sql));
        for (const QVariant &v : values) // a null QString would be SQL NULL; the columns are NOT NULL ''
            q.addBindValue(v.typeId() == QMetaType::QString && v.toString().isNull() ? QVariant(u""_s) : v);
        QVERIFY2(q.exec(), qPrintable(sql));
    }

    void transaction(const QString &id, const QString &type, const QString &status, qint64 cents, const QString &invoice,
                     const QVariant &settledAt)
    {
        exec(u"INSERT INTO gateway_transactions (transaction_id, type, status, amount, currency, batch, invoice_id, "
             "created_at, settled_at, synced_at) VALUES (?, ?, ?, ?, 'USD', '571', ?, 0, ?, 0)"_s,
             {id, type, status, cents, invoice, settledAt});
    }

    void line(int lineNo, const QString &kind, qint64 cents, const QString &date, const QString &reference = {})
    {
        exec(u"INSERT INTO settlement_lines (file_id, line_no, kind, amount, currency, settled_on, batch, reference, "
             "natural_key) VALUES (1, ?, ?, ?, 'USD', ?, '571', ?, ?)"_s,
             {lineNo, kind, cents, date, reference, u"k%1"_s.arg(lineNo)});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!QStandardPaths::findExecutable(u"hledger"_s).isEmpty(),
                 "hledger is not installed; run packaging/install-deps.sh");
        auto db = store::Database::openWriter(m_dir.filePath(u"store.db"_s), u"dayjournal"_s);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
        m_db = *db;
        QVERIFY(store::Database::migrate(m_db));
        exec(u"INSERT INTO settlement_files (id, sha256, source, imported_at) VALUES (1, 'x', 'test', 0)"_s, {});

        // Settled on the day (Pacific): two sales, a capture, a refund.
        transaction(u"T1"_s, u"sale"_s, u"settled"_s, 11000, u"100000001"_s, pacific(kDay, 20, 5));
        transaction(u"T2"_s, u"capture"_s, u"settled"_s, 2599, u"100000002"_s, pacific(kDay, 0, 0));
        transaction(u"T3"_s, u"sale"_s, u"settled"_s, 1, QString(), pacific(kDay, 23, 59));
        transaction(u"R1"_s, u"refund"_s, u"settled"_s, 1500, u"100000001"_s, pacific(kDay, 20, 5));
        // Not the day's: midnight starting the next Pacific day, the day before, unsettled, voided.
        transaction(u"X1"_s, u"sale"_s, u"settled"_s, 700, u"100000009"_s, pacific(kDay.addDays(1), 0, 0));
        transaction(u"X2"_s, u"sale"_s, u"settled"_s, 800, u"100000008"_s, pacific(kDay.addDays(-1), 23, 59));
        transaction(u"X3"_s, u"sale"_s, u"approved"_s, 900, u"100000007"_s, QVariant());
        transaction(u"X4"_s, u"sale"_s, u"voided"_s, 900, u"100000006"_s, pacific(kDay, 20, 5));

        line(1, u"sale"_s, 11000, u"2024-03-01"_s);         // already booked by T1
        line(2, u"fee"_s, -325, u"2024-03-01"_s);
        line(3, u"chargeback"_s, -2599, u"2024-03-01"_s, u"CB 77"_s);
        line(4, u"adjustment"_s, 50, u"2024-03-01"_s);      // a rebate: money in
        line(5, u"deposit"_s, 9226, u"2024-03-01"_s);
        line(6, u"fee"_s, -999, u"2024-03-02"_s);           // another day
    }

    void cleanupTestCase()
    {
        m_db = QSqlDatabase();
        store::Database::close(u"dayjournal"_s);
    }

    void readsTheDay()
    {
        const auto a = readDayActivity(m_db, kDay);
        QVERIFY2(a.ok(), qPrintable(a.ok() ? QString() : a.error().toString()));
        QCOMPARE(a->captures.size(), 3);
        QCOMPARE(a->refunds.size(), 1);
        QCOMPARE(a->refunds.first().amount, usd(u"15.00"_s));
        QCOMPARE(a->fees.size(), 1);
        QCOMPARE(a->fees.first().amount, usd(u"-3.25"_s));
        QCOMPARE(a->chargebacks.size(), 1);
        QCOMPARE(a->adjustments.size(), 1);
        QCOMPARE(a->deposits.size(), 1);
        QStringList ids;
        for (const auto &c : a->captures)
            ids << c.transactionId;
        ids.sort();
        QCOMPARE(ids, (QStringList{u"T1"_s, u"T2"_s, u"T3"_s}));
    }

    // The day's journal as the ledger sink writes it, read by the real hledger: totals per
    // account equal PayBridge's own and the hand-computed figures; a second post adds nothing.
    void journalTotalsAgreeWithHledger()
    {
        DayActivity a = readDayActivity(m_db, kDay).value();
        a.writeOffs.append({u"100000002"_s, usd(u"0.50"_s)});
        const MappingProfile p = MappingProfile::defaults();
        const auto entries = buildDayJournal(p, a);
        QVERIFY2(entries.ok(), qPrintable(entries.ok() ? QString() : entries.error().toString()));
        QCOMPARE(entries->size(), 3 * 2 + 1 + 1 + 1 + 1 + 1 + 1);
        QStringList refs;
        for (const JournalEntry &e : *entries)
            refs << e.externalRef;
        QVERIFY(refs.contains(u"pb:sale:100000001:T1"_s));
        QVERIFY(refs.contains(u"pb:payment:none:T3"_s));
        QVERIFY(refs.contains(u"pb:refund:100000001:R1"_s));
        QVERIFY(refs.contains(u"pb:fee:571:2"_s));
        QVERIFY(refs.contains(u"pb:chargeback:571:3"_s));
        QVERIFY(refs.contains(u"pb:adjustment:571:4"_s));
        QVERIFY(refs.contains(u"pb:deposit:571:5"_s));
        QVERIFY(refs.contains(u"pb:writeoff:100000002"_s));
        QCOMPARE(QSet<QString>(refs.begin(), refs.end()).size(), refs.size());

        const QString path = m_dir.filePath(u"day.journal"_s);
        LedgerFileSink sink(path);
        const auto first = sink.postNow(*entries);
        QVERIFY(first.ok());
        QCOMPARE(first->posted.size(), entries->size());
        const auto second = sink.postNow(buildDayJournal(p, a).value());
        QVERIFY(second.ok());
        QCOMPARE(second->posted.size(), 0);
        QCOMPARE(second->alreadyPosted.size(), entries->size());

        QString error;
        const AccountTotals theirs = hledgerTotals(path, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const AccountTotals ours = accountTotals(*entries).value();
        QCOMPARE(theirs, ours);

        const auto total = [&](const QString &account) { return ours.value({account, u"USD"_s}, usd(u"0"_s)); };
        // Clearing: captures 136.00 - refund 15.00 - fee 3.25 - chargeback 25.99 + rebate 0.50 - deposit 92.26.
        QCOMPARE(total(u"Assets:PayTrace Clearing"_s), usd(u"0.00"_s));
        QVERIFY(!ours.contains({u"Assets:PayTrace Clearing"_s, u"USD"_s}));
        QCOMPARE(total(u"Assets:Bank:Operating"_s), usd(u"92.26"_s));
        QCOMPARE(total(u"Income:Sales"_s), usd(u"-136.00"_s));
        QCOMPARE(total(u"Income:Sales Returns"_s), usd(u"15.00"_s));
        QCOMPARE(total(u"Expenses:Card Processing Fees"_s), usd(u"2.75"_s));
        QCOMPARE(total(u"Expenses:Chargebacks"_s), usd(u"25.99"_s));
        QCOMPARE(total(u"Expenses:Bad Debt"_s), usd(u"0.50"_s));
        QCOMPARE(total(u"Assets:Accounts Receivable"_s), usd(u"-0.50"_s));

        // The CSV sink holds the same entries.
        CsvFileSink csv(m_dir.filePath(u"day.csv"_s));
        QVERIFY(csv.postNow(*entries).ok());
        QCOMPARE(csv.readAll().value(), *entries);
    }

    void invalidInputNamesTheItem()
    {
        DayActivity a;
        a.date = kDay;
        a.fees.append({42, u"571"_s, {}, {}, usd(u"0.00"_s)});
        const auto r = buildDayJournal(MappingProfile::defaults(), a);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(u"fee line 42"_s), qPrintable(r.error().toString()));
        QVERIFY(!buildDayJournal(MappingProfile::defaults(), DayActivity()).ok());
    }
};

QTEST_GUILESS_MAIN(TestErpDayJournal)
#include "tst_erp_dayjournal.moc"
