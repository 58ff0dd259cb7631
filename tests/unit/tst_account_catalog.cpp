#include "erp/accountcatalog.h"
#include "erp/csvfilesink.h"
#include "erp/journalentry.h"
#include "erp/ledgerfilesink.h"
#include "mapping/mappingprofile.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;

// The accounts the file sinks know (issue 14, the mapping studio's account map) and the profile
// accounts a sink lacks, on real journal files.
namespace {

void write(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// Runs knownAccounts; the file sinks answer before returning.
Result<QList<KnownAccount>> known(const SinkOptions &options)
{
    QObject context;
    int calls = 0;
    std::optional<Result<QList<KnownAccount>>> out;
    knownAccounts(options, &context, [&](const Result<QList<KnownAccount>> &r) {
        ++calls;
        out = r;
    });
    if (calls != 1 || !out)
        return makeError(u"test"_s, {}, u"done was called %1 times"_s.arg(calls));
    return *out;
}

QStringList accountsOf(const QList<KnownAccount> &list)
{
    QStringList out;
    for (const KnownAccount &k : list) {
        out << k.account;
        if (!k.code.isEmpty() || !k.name.isEmpty())
            out << u"(code or name set)"_s;
    }
    return out;
}

mapping::MappingProfile profileWith(const QJsonObject &perCurrency)
{
    QJsonObject doc = QJsonDocument::fromJson(mapping::MappingProfile::defaults().toJson()).object();
    QJsonObject accounts = doc.value(u"erpAccounts"_s).toObject();
    accounts.insert(u"perCurrency"_s, perCurrency);
    doc.insert(u"erpAccounts"_s, accounts);
    auto p = mapping::MappingProfile::fromJson(QJsonDocument(doc).toJson());
    if (!p)
        qFatal("%s", qPrintable(p.error().toString()));
    return p.value();
}

} // namespace

class TestAccountCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void ledgerDeclaredThenUsed()
    {
        const QString path = m_dir->filePath(u"books.ledger"_s);
        write(path, "decimal-mark .\n"
                    "account Assets:Bank:Operating    ; type:A\n"
                    "account Income:Sales\n"
                    "    ; a sub-directive\n"
                    "account Expenses:Rent\t; declared, never used\n"
                    "comment\n"
                    "account Not:An Account\n"
                    "end comment\n"
                    "\n"
                    "2024-03-01 Sale 1  ; ref:pb:sale:1\n"
                    "    Assets:Accounts Receivable    USD 10.00\n"
                    "    Income:Sales                  USD -10.00\n"
                    "\n"
                    "2024-03-02 Deposit\n"
                    "    Assets:Bank:Operating    USD 10.00\n"
                    "    Assets:PayTrace Clearing\n");
        SinkOptions o;
        o.settings.sink = u"ledger"_s;
        o.settings.file = path;
        const auto r = known(o);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(accountsOf(*r), (QStringList{u"Assets:Bank:Operating"_s, u"Income:Sales"_s, u"Expenses:Rent"_s,
                                              u"Assets:Accounts Receivable"_s, u"Assets:PayTrace Clearing"_s}));
    }

    void ledgerWrittenByPayBridge()
    {
        // What the sink itself writes is read back: every account of the posted entries.
        const QString path = m_dir->filePath(u"journal.ledger"_s);
        const auto profile = mapping::MappingProfile::defaults();
        const Money amount = Money::parse(u"25.00"_s, Currency::usd()).value();
        LedgerFileSink sink(path);
        QVERIFY(sink.postNow({saleEntry(profile, QDate(2024, 3, 1), u"100000001"_s, amount).value()}).ok());
        SinkOptions o;
        o.settings.sink = u"ledger"_s;
        o.dataDirectory = m_dir->path(); // the default file: <data>/journal.ledger
        const auto r = known(o);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(accountsOf(*r), (QStringList{profile.account(mapping::AccountRole::Receivables, Currency::usd()),
                                              profile.account(mapping::AccountRole::Sales, Currency::usd())}));
    }

    void csvUsedAccounts()
    {
        const QString path = m_dir->filePath(u"journal.csv"_s);
        write(path, CsvFileSink::header()
                        + "2024-03-01,pb:sale:1,Assets:Accounts Receivable,Sale 1,,10.00,,USD\r\n"
                          "2024-03-01,pb:sale:1,\"Income:Sales, Web\",Sale 1,,,10.00,USD\r\n"
                          "2024-03-02,pb:sale:2,Assets:Accounts Receivable,Sale 2,,5.00,,USD\r\n"
                          "2024-03-02,pb:sale:2,\"Income:Sales, Web\",Sale 2,,,5.00,USD\r\n");
        SinkOptions o;
        o.settings.sink = u"csv"_s;
        o.settings.file = path;
        const auto r = known(o);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(accountsOf(*r), (QStringList{u"Assets:Accounts Receivable"_s, u"Income:Sales, Web"_s}));

        // The command line's --sink/--file overrides are honoured, as makeSink does.
        SinkOptions over;
        over.settings.sink = u"ledger"_s;
        over.settings.file = m_dir->filePath(u"other.ledger"_s);
        over.sinkOverride = u"csv"_s;
        over.fileOverride = path;
        const auto again = known(over);
        QVERIFY(again.ok());
        QCOMPARE(again->size(), 2);
    }

    void missingFileIsEmpty()
    {
        for (const QString &kind : {u"ledger"_s, u"csv"_s}) {
            SinkOptions o;
            o.settings.sink = kind;
            o.settings.file = m_dir->filePath(u"not-yet."_s + kind);
            const auto r = known(o);
            QVERIFY2(r.ok(), qPrintable(kind));
            QVERIFY(r->isEmpty());
        }
    }

    void unreadableFileAndBadSettingsAreErrors()
    {
        const QString path = m_dir->filePath(u"hand.ledger"_s);
        write(path, "2024-03-01 One posting\n    Assets:Bank    USD 1.00\n");
        SinkOptions o;
        o.settings.sink = u"ledger"_s;
        o.settings.file = path;
        const auto r = known(o);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"erp.permanent"_s);
        QVERIFY2(r.error().message.contains(u"line 1"_s) && r.error().message.contains(path), qPrintable(r.error().toString()));

        SinkOptions none;
        none.settings.sink = u"ledger"_s; // no file and no data directory
        const auto noFile = known(none);
        QVERIFY(!noFile.ok());
        QCOMPARE(noFile.error().code, u"erp.config"_s);
        QCOMPARE(noFile.error().field, u"erp.file"_s);

        SinkOptions odoo;
        odoo.settings.sink = u"odoo"_s; // no URL, database, user or accounts
        const auto noOdoo = known(odoo);
        QVERIFY(!noOdoo.ok());
        QCOMPARE(noOdoo.error().code, u"erp.config"_s);
    }

    void unmappedAccountsOfEveryRoleAndCurrency()
    {
        const auto profile = profileWith(QJsonObject{
            {u"EUR"_s, QJsonObject{{u"cash"_s, u"Assets:Bank:EUR"_s}, {u"sales"_s, u"Income:Sales"_s}}},
            {u"CAD"_s, QJsonObject{{u"fees"_s, u"Expenses:Fees:CAD"_s}}},
        });
        QList<KnownAccount> known{{u"Assets:Accounts Receivable"_s, u"121000"_s, u"Account Receivable"_s},
                                  {u"Income:Sales"_s, u"400000"_s, u"Product Sales"_s},
                                  {QString(), u"999999"_s, u"Suspense"_s}, // in the ERP, mapped by no one
                                  {u"Expenses:Bad Debt"_s, {}, {}}};
        // Defaults in role order, then each currency (ordered by code) in role order, each once.
        QCOMPARE(unmappedAccounts(profile, known),
                 (QStringList{u"Assets:PayTrace Clearing"_s, u"Assets:Bank:Operating"_s, u"Income:Sales Returns"_s,
                              u"Expenses:Chargebacks"_s, u"Expenses:Card Processing Fees"_s, u"Expenses:Fees:CAD"_s,
                              u"Assets:Bank:EUR"_s}));
        QCOMPARE(unmappedAccounts(profile, {}).size(), 10);
        QList<KnownAccount> all;
        for (const QString &a : unmappedAccounts(profile, {}))
            all.append({a, {}, {}});
        QVERIFY(unmappedAccounts(profile, all).isEmpty());
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(TestAccountCatalog)
#include "tst_account_catalog.moc"
