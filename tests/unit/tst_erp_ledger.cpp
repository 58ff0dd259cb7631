#include "erp/journalentry.h"
#include "erp/ledgerfilesink.h"
#include "mapping/mappingprofile.h"

#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;
using mapping::EntryKind;
using mapping::MappingProfile;

namespace {

Money money(const QString &code, const QString &text)
{
    return Money::parse(text, *Currency::fromCode(code)).value();
}

const QDate kDate(2024, 3, 1);

Result<JournalEntry> buildEntry(const MappingProfile &p, EntryKind kind, const QString &subject, const Money &amount)
{
    switch (kind) {
    case EntryKind::Sale:
        return saleEntry(p, kDate, subject, amount);
    case EntryKind::Payment:
        return paymentEntry(p, kDate, subject, u"T1"_s, amount);
    case EntryKind::Refund:
        return refundEntry(p, kDate, subject, u"R1"_s, amount);
    case EntryKind::Chargeback:
        return chargebackEntry(p, kDate, subject, amount);
    case EntryKind::Fee:
        return feeEntry(p, kDate, subject, amount);
    case EntryKind::WriteOff:
        return writeOffEntry(p, kDate, subject, amount);
    case EntryKind::SettlementDeposit:
        return settlementDepositEntry(p, kDate, subject, amount);
    }
    return makeError(u"test"_s, {}, u"unknown kind"_s);
}

JournalEntry entry(const QString &ref, QList<Posting> postings)
{
    return JournalEntry{kDate, ref, u"Test "_s + ref, std::move(postings)};
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run hledger(const QStringList &args)
{
    QProcess p;
    p.start(u"hledger"_s, args);
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// A minimal CSV reader for hledger's output: every field is double-quoted, "" escapes a quote.
QList<QStringList> parseCsv(const QByteArray &bytes)
{
    QList<QStringList> rows;
    const QString text = QString::fromUtf8(bytes);
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            row.append(field);
            field.clear();
        } else if (c == u'\n') {
            row.append(field);
            field.clear();
            rows.append(row);
            row.clear();
        } else if (c != u'\r') {
            field += c;
        }
    }
    if (!field.isEmpty() || !row.isEmpty()) {
        row.append(field);
        rows.append(row);
    }
    return rows;
}

} // namespace

class TestErpLedger : public QObject
{
    Q_OBJECT

private slots:
    void builders_data()
    {
        QTest::addColumn<EntryKind>("kind");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("amount");
        QTest::addColumn<QString>("ref");
        QTest::addColumn<QString>("debit");
        QTest::addColumn<QString>("credit");

        QTest::newRow("sale") << EntryKind::Sale << u"USD"_s << u"110.00"_s << u"pb:sale:100000123"_s
                              << u"Assets:Accounts Receivable"_s << u"Income:Sales"_s;
        QTest::newRow("payment") << EntryKind::Payment << u"USD"_s << u"110.00"_s << u"pb:payment:100000123:T1"_s
                                 << u"Assets:PayTrace Clearing"_s << u"Assets:Accounts Receivable"_s;
        QTest::newRow("refund") << EntryKind::Refund << u"JPY"_s << u"1500"_s << u"pb:refund:100000123:R1"_s
                                << u"Income:Sales Returns"_s << u"Assets:PayTrace Clearing"_s;
        QTest::newRow("chargeback") << EntryKind::Chargeback << u"KWD"_s << u"12.345"_s << u"pb:chargeback:100000123"_s
                                    << u"Expenses:Chargebacks"_s << u"Assets:PayTrace Clearing"_s;
        QTest::newRow("fee") << EntryKind::Fee << u"USD"_s << u"0.01"_s << u"pb:fee:100000123"_s
                             << u"Expenses:Card Processing Fees"_s << u"Assets:PayTrace Clearing"_s;
        QTest::newRow("write-off") << EntryKind::WriteOff << u"USD"_s << u"5.00"_s << u"pb:writeoff:100000123"_s
                                   << u"Expenses:Bad Debt"_s << u"Assets:Accounts Receivable"_s;
        QTest::newRow("deposit") << EntryKind::SettlementDeposit << u"USD"_s << u"999999.99"_s
                                 << u"pb:deposit:100000123"_s << u"Assets:Bank:Operating"_s << u"Assets:PayTrace Clearing"_s;
    }

    void builders()
    {
        QFETCH(EntryKind, kind);
        QFETCH(QString, currency);
        QFETCH(QString, amount);
        QFETCH(QString, ref);
        QFETCH(QString, debit);
        QFETCH(QString, credit);
        const Money m = money(currency, amount);
        const auto e = buildEntry(MappingProfile::defaults(), kind, u"100000123"_s, m);
        QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().toString()));
        QVERIFY(validate(*e).ok());
        QCOMPARE(e->externalRef, ref);
        QCOMPARE(e->date, kDate);
        QCOMPARE(e->postings.size(), 2);
        QCOMPARE(e->postings.at(0).account, debit);
        QCOMPARE(e->postings.at(0).amount, m);
        QCOMPARE(e->postings.at(1).account, credit);
        QCOMPARE(e->postings.at(1).amount, m.negated());
        QVERIFY(!buildEntry(MappingProfile::defaults(), kind, u"100000123"_s, m.negated()).ok());
    }

    void validation_data()
    {
        QTest::addColumn<JournalEntry>("entry");
        QTest::addColumn<QString>("reason"); // empty: valid

        const Money usd10 = money(u"USD"_s, u"10.00"_s);
        const Money jpy10 = money(u"JPY"_s, u"10"_s);
        QTest::newRow("balanced") << entry(u"pb:t:1"_s, {{u"A:B"_s, usd10, {}}, {u"C"_s, usd10.negated(), {}}}) << QString();
        QTest::newRow("three postings")
            << entry(u"pb:t:2"_s, {{u"A"_s, usd10, {}}, {u"B"_s, money(u"USD"_s, u"-3.33"_s), {}},
                                   {u"C"_s, money(u"USD"_s, u"-6.67"_s), u"memo; with semicolon"_s}})
            << QString();
        QTest::newRow("two currencies each balanced")
            << entry(u"pb:t:3"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}, {u"A"_s, jpy10, {}},
                                   {u"B"_s, jpy10.negated(), {}}})
            << QString();
        QTest::newRow("unbalanced") << entry(u"pb:t:4"_s, {{u"A"_s, usd10, {}}, {u"B"_s, money(u"USD"_s, u"-9.99"_s), {}}})
                                    << u"does not balance: postings sum to USD 0.01"_s;
        QTest::newRow("mixed currencies")
            << entry(u"pb:t:5"_s, {{u"A"_s, usd10, {}}, {u"B"_s, jpy10.negated(), {}}})
            << u"each currency must balance on its own"_s;
        QTest::newRow("one posting") << entry(u"pb:t:6"_s, {{u"A"_s, usd10, {}}}) << u"at least two postings"_s;
        QTest::newRow("empty account") << entry(u"pb:t:7"_s, {{QString(), usd10, {}}, {u"B"_s, usd10.negated(), {}}})
                                       << u"posting 1: the account name is empty"_s;
        QTest::newRow("double space account")
            << entry(u"pb:t:8"_s, {{u"A"_s, usd10, {}}, {u"B  C"_s, usd10.negated(), {}}})
            << u"posting 2: 'B  C' is not a valid ledger account name"_s;
        QTest::newRow("zero amount")
            << entry(u"pb:t:9"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}, {u"C"_s, Money::zero(Currency::usd()), {}}})
            << u"posting 3: the amount is zero"_s;
        QTest::newRow("no currency") << entry(u"pb:t:10"_s, {{u"A"_s, Money(), {}}, {u"B"_s, usd10.negated(), {}}})
                                     << u"no currency"_s;
        QTest::newRow("ref with space") << entry(u"pb:t 11"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}})
                                        << u"whitespace"_s;
        QTest::newRow("ref with comma") << entry(u"pb:t,12"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}})
                                        << u"whitespace, ',' or ';'"_s;
        QTest::newRow("empty ref") << entry(QString(), {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}})
                                   << u"reference is empty"_s;
        JournalEntry semicolon = entry(u"pb:t:13"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}});
        semicolon.description = u"Sale; rebate"_s;
        QTest::newRow("description semicolon") << semicolon << u"';'"_s;
        JournalEntry newline = semicolon;
        newline.description = u"Sale\n2024-01-01 injected"_s;
        QTest::newRow("description newline") << newline << u"line break"_s;
        JournalEntry noDate = entry(u"pb:t:14"_s, {{u"A"_s, usd10, {}}, {u"B"_s, usd10.negated(), {}}});
        noDate.date = QDate();
        QTest::newRow("no date") << noDate << u"date"_s;
    }

    void validation()
    {
        QFETCH(JournalEntry, entry);
        QFETCH(QString, reason);
        const Status s = validate(entry);
        if (reason.isEmpty()) {
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
            return;
        }
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(reason), qPrintable(s.error().toString()));

        // A sink refuses the whole batch and writes nothing.
        QTemporaryDir dir;
        LedgerFileSink sink(dir.filePath(u"j.journal"_s));
        JournalEntry good = ::entry(u"pb:good:1"_s, {{u"A"_s, money(u"USD"_s, u"1.00"_s), {}},
                                                     {u"B"_s, money(u"USD"_s, u"-1.00"_s), {}}});
        QVERIFY(!sink.postNow({good, entry}).ok());
        QVERIFY(!QFile::exists(sink.path()));
    }

    void formatRoundTrip_data()
    {
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("amount");
        QTest::addColumn<QString>("text");
        QTest::newRow("usd") << u"USD"_s << u"110.00"_s << u"USD 110.00"_s;
        QTest::newRow("usd cents") << u"USD"_s << u"0.05"_s << u"USD 0.05"_s;
        QTest::newRow("jpy") << u"JPY"_s << u"1500"_s << u"JPY 1500"_s;
        QTest::newRow("kwd") << u"KWD"_s << u"1.250"_s << u"KWD 1.250"_s;
        QTest::newRow("kwd thousand") << u"KWD"_s << u"1000.005"_s << u"KWD 1000.005"_s;
        QTest::newRow("large") << u"USD"_s << u"92233720368547758.07"_s << u"USD 92233720368547758.07"_s;
    }

    void formatRoundTrip()
    {
        QFETCH(QString, currency);
        QFETCH(QString, amount);
        QFETCH(QString, text);
        const Money m = money(currency, amount);
        const JournalEntry e{kDate, u"pb:sale:1"_s, u"Sale 1"_s,
                             {{u"Assets:Accounts Receivable"_s, m, u"order 1"_s}, {u"Income:Sales"_s, m.negated(), {}}}};
        const QString formatted = LedgerFileSink::format(e);
        QVERIFY2(formatted.startsWith(u"2024-03-01 Sale 1  ; ref:pb:sale:1\n"_s), qPrintable(formatted));
        QVERIFY2(formatted.contains(u"    Assets:Accounts Receivable    "_s + text + u"  ; order 1\n"_s), qPrintable(formatted));
        QVERIFY2(formatted.contains(u"    Income:Sales                  "_s + m.currency().code() + u" -"_s + amount + u'\n'),
                 qPrintable(formatted));
        const auto parsed = LedgerFileSink::parse(formatted.toUtf8());
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
        QCOMPARE(parsed->size(), 1);
        QCOMPARE(parsed->first(), e);
    }

    void postIsExactlyOnce()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"books.journal"_s);
        const MappingProfile p = MappingProfile::defaults();
        const QList<JournalEntry> batch = {
            saleEntry(p, kDate, u"100000123"_s, money(u"USD"_s, u"110.00"_s)).value(),
            paymentEntry(p, kDate, u"100000123"_s, u"T1"_s, money(u"USD"_s, u"110.00"_s)).value(),
            saleEntry(p, kDate, u"100000124"_s, money(u"JPY"_s, u"1500"_s)).value(),
        };
        {
            LedgerFileSink sink(path);
            QCOMPARE(sink.lookupNow(u"pb:sale:100000123"_s).value(), std::nullopt); // no file yet
            const auto first = sink.postNow(batch);
            QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
            QCOMPARE(first->posted, (QStringList{u"pb:sale:100000123"_s, u"pb:payment:100000123:T1"_s, u"pb:sale:100000124"_s}));
            QVERIFY(first->alreadyPosted.isEmpty());
        }
        const QByteArray afterFirst = readFile(path);
        QVERIFY(afterFirst.startsWith("; PayBridge journal"));
        QVERIFY(afterFirst.contains("decimal-mark .\n"));
        QVERIFY(!QFile::exists(path + u".lock"_s));

        // A new sink on the same file (as after a restart) sees what was posted.
        LedgerFileSink reopened(path);
        const auto again = reopened.postNow(batch);
        QVERIFY(again.ok());
        QVERIFY(again->posted.isEmpty());
        QCOMPARE(again->alreadyPosted.size(), 3);
        QVERIFY(again->conflicting.isEmpty());
        QCOMPARE(readFile(path), afterFirst);

        const auto found = reopened.lookupNow(u"pb:payment:100000123:T1"_s);
        QVERIFY(found.ok());
        QVERIFY(found->has_value());
        QCOMPARE(**found, batch.at(1));
        QCOMPARE(reopened.lookupNow(u"pb:sale:999"_s).value(), std::nullopt);

        // The same reference with other amounts is still a no-op, flagged for a person.
        JournalEntry changed = batch.at(0);
        changed.postings[0].amount = money(u"USD"_s, u"111.00"_s);
        changed.postings[1].amount = money(u"USD"_s, u"-111.00"_s);
        const JournalEntry fresh = refundEntry(p, kDate, u"100000123"_s, u"R1"_s, money(u"USD"_s, u"10.00"_s)).value();
        const auto mixed = reopened.postNow({changed, fresh, fresh});
        QVERIFY(mixed.ok());
        QCOMPARE(mixed->posted, QStringList{u"pb:refund:100000123:R1"_s});
        QCOMPARE(mixed->alreadyPosted, (QStringList{u"pb:sale:100000123"_s, u"pb:refund:100000123:R1"_s}));
        QCOMPARE(mixed->conflicting, QStringList{u"pb:sale:100000123"_s});
        QVERIFY(readFile(path).startsWith(afterFirst));
        QCOMPARE(reopened.readAll().value().size(), 4);
    }

    void handEditedJournal_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error"); // empty: readable
        QTest::addColumn<int>("entries");

        QTest::newRow("comments and directives")
            << QByteArray("# hand notes\n; more notes\naccount Assets:Bank\n  ; declared by hand\n"
                          "commodity USD 1000.00\ndecimal-mark .\n\n"
                          "2024-01-02 * (42) Opening balance\n    Assets:Bank    USD 100.00\n    Equity:Opening\n\n"
                          "2024/01/03 Hand entry\n    ; ref:pb:hand:1\n    Assets:Bank    -5.00 USD  ; moved\n"
                          "    Expenses:Misc    USD 5.00\n"
                          "comment\nanything here\nend comment\n")
            << QString() << 2;
        QTest::newRow("bad date") << QByteArray("; x\n2024-13-40 Oops\n    A    USD 1.00\n    B    USD -1.00\n")
                                  << u"line 2: "_s << 0;
        QTest::newRow("bad amount") << QByteArray("2024-01-01 x  ; ref:pb:a:1\n    A    USD 1,000.00\n    B\n")
                                    << u"line 2: "_s << 0;
        QTest::newRow("price") << QByteArray("2024-01-01 x\n    A    EUR 1.00 @ USD 1.10\n    B\n") << u"line 2: "_s << 0;
        QTest::newRow("too precise") << QByteArray("2024-01-01 x\n    A    JPY 1.5\n    B    JPY -1.5\n")
                                     << u"line 2: "_s << 0;
        QTest::newRow("unbalanced") << QByteArray("\n\n2024-01-01 x\n    A    USD 1.00\n    B    USD -0.99\n")
                                    << u"line 3: the transaction does not balance"_s << 0;
        QTest::newRow("duplicate reference")
            << QByteArray("2024-01-01 x  ; ref:pb:a:1\n    A    USD 1.00\n    B\n\n"
                          "2024-01-02 y  ; ref:pb:a:1\n    A    USD 2.00\n    B\n")
            << u"line 5: reference pb:a:1 is also on line 1"_s << 0;
        QTest::newRow("two elided") << QByteArray("2024-01-01 x\n    A    USD 1.00\n    B\n    C\n")
                                    << u"line 4: more than one posting"_s << 0;
        QTest::newRow("include") << QByteArray("include other.journal\n") << u"line 1: "_s << 0;
        QTest::newRow("stray indented line") << QByteArray("decimal-mark .\n\n    A    USD 1.00\n")
                                             << u"line 3: an indented line outside a transaction"_s << 0;
        QTest::newRow("virtual posting") << QByteArray("2024-01-01 x\n    (A)    USD 1.00\n") << u"line 2: virtual"_s << 0;
        QTest::newRow("unclosed comment") << QByteArray("comment\n2024-01-01 x\n") << u"not closed"_s << 0;
        QTest::newRow("several errors") << QByteArray("junk\n\n2024-01-01 x\n    A    USD 1.00\n    B    XYZ -1.00\n")
                                        << u"line 1: 'junk'"_s << 0;
    }

    void handEditedJournal()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        QFETCH(int, entries);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"hand.journal"_s);
        writeFile(path, text);
        LedgerFileSink sink(path);
        const JournalEntry e = saleEntry(MappingProfile::defaults(), kDate, u"7"_s, money(u"USD"_s, u"1.00"_s)).value();
        const auto posted = sink.postNow({e});
        const auto found = sink.lookupNow(u"pb:hand:1"_s);
        if (error.isEmpty()) {
            QVERIFY2(posted.ok(), qPrintable(posted.ok() ? QString() : posted.error().toString()));
            QVERIFY(found.ok());
            QVERIFY(found->has_value());
            QCOMPARE((*found)->postings.at(0).amount, money(u"USD"_s, u"-5.00"_s));
            QCOMPARE((*found)->postings.at(0).memo, u"moved"_s);
            QCOMPARE(sink.readAll().value().size(), entries + 1);
            // The hand-written bytes are kept as they were.
            QVERIFY(readFile(path).startsWith(text));
            // The inferred amount of an elided posting.
            QCOMPARE(sink.readAll().value().first().postings.at(1).amount, money(u"USD"_s, u"-100.00"_s));
            return;
        }
        QVERIFY(!posted.ok());
        QVERIFY2(posted.error().message.contains(error), qPrintable(posted.error().toString()));
        QVERIFY(posted.error().message.contains(u"nothing was posted"_s));
        QVERIFY(!found.ok());
        QVERIFY(found.error().message.contains(error));
        QCOMPARE(readFile(path), text);
    }

    // The asynchronous interface: done exactly once, before returning (documented for file
    // sinks), with the three error codes the intent runner classifies.
    void asyncInterface()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"a.journal"_s);
        LedgerFileSink ledger(path);
        JournalSink &sink = ledger;
        QObject context;
        const JournalEntry e = saleEntry(MappingProfile::defaults(), kDate, u"9"_s, money(u"USD"_s, u"2.00"_s)).value();

        int calls = 0;
        sink.post({e}, &context, [&](const Result<PostResult> &r) {
            ++calls;
            QVERIFY(r.ok());
            QCOMPARE(r->posted, QStringList{e.externalRef});
        });
        QCOMPARE(calls, 1);
        sink.post({e}, &context, [&](const Result<PostResult> &r) {
            ++calls;
            QVERIFY(r.ok());
            QCOMPARE(r->alreadyPosted, QStringList{e.externalRef});
        });
        QCOMPARE(calls, 2);
        sink.lookup(e.externalRef, &context, [&](const Result<std::optional<JournalEntry>> &r) {
            ++calls;
            QVERIFY(r.ok());
            QVERIFY(r->has_value());
            QCOMPARE(**r, e);
        });
        QCOMPARE(calls, 3);

        // Invalid entry: permanent.
        JournalEntry bad = e;
        bad.externalRef = u"pb:bad"_s;
        bad.postings[0].amount = money(u"USD"_s, u"2.01"_s);
        sink.post({bad}, &context, [&](const Result<PostResult> &r) {
            ++calls;
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, u"erp.permanent"_s);
            QVERIFY(r.error().message.contains(u"does not balance"_s));
            QCOMPARE(errorClassOf(r.error()), net::ErrorClass::Permanent);
        });
        QCOMPARE(calls, 4);

        // Another writer holds the lock: transient (the lock wait is 10 s; a held live lock).
        QLockFile other(path + u".lock"_s);
        QVERIFY(other.tryLock(0));
        JournalEntry next = e;
        next.externalRef = u"pb:sale:10"_s;
        sink.post({next}, &context, [&](const Result<PostResult> &r) {
            ++calls;
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, u"erp.transient"_s);
            QCOMPARE(errorClassOf(r.error()), net::ErrorClass::Transient);
        });
        QCOMPARE(calls, 5);
        other.unlock();

        QCOMPARE(errorClassOf(makeError(u"erp.in_doubt"_s, {}, {})), net::ErrorClass::InDoubt);
        QCOMPARE(errorClassOf(makeError(u"something.else"_s, {}, {})), net::ErrorClass::Permanent);
    }

    // The journal PayBridge writes must be read by the real hledger exactly as PayBridge
    // means it: every transaction parsed and balanced, and the same account totals.
    void hledgerAgrees()
    {
        QVERIFY2(!QStandardPaths::findExecutable(u"hledger"_s).isEmpty(),
                 "hledger is not installed; run packaging/install-deps.sh");
        const Run version = hledger({u"--version"_s});
        QCOMPARE(version.exitCode, 0);

        const MappingProfile p = MappingProfile::defaults();
        QList<JournalEntry> entries;
        const auto add = [&](Result<JournalEntry> e) {
            QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().toString()));
            entries.append(*e);
        };
        int n = 100000000;
        const QList<std::pair<QString, QStringList>> amounts = {
            {u"USD"_s, {u"110.00"_s, u"0.01"_s, u"1234567.89"_s, u"19.99"_s}},
            {u"JPY"_s, {u"1500"_s, u"1"_s, u"98765432"_s}},
            {u"KWD"_s, {u"1.250"_s, u"0.001"_s, u"1000.005"_s, u"12.345"_s}},
        };
        for (const auto &[code, list] : amounts) {
            for (const QString &text : list) {
                const Money m = money(code, text);
                const QString order = QString::number(++n);
                add(saleEntry(p, kDate, order, m));
                add(paymentEntry(p, kDate.addDays(1), order, u"T"_s + order, m));
                add(refundEntry(p, kDate.addDays(2), order, u"R"_s + order, m));
                add(chargebackEntry(p, kDate.addDays(3), u"CB"_s + order, m));
                add(feeEntry(p, kDate.addDays(4), u"B"_s + order, m));
                add(writeOffEntry(p, kDate.addDays(5), order, m));
                add(settlementDepositEntry(p, kDate.addDays(6), u"B"_s + order, m));
            }
        }
        // A multi-posting, two-currency entry with negative amounts on both sides.
        entries.append({kDate, u"pb:manual:fx"_s, u"Manual two-currency adjustment"_s,
                        {{u"Assets:Bank:Operating"_s, money(u"USD"_s, u"-3.50"_s), u"out"_s},
                         {u"Expenses:Misc"_s, money(u"USD"_s, u"3.50"_s), {}},
                         {u"Assets:Bank:Kuwait"_s, money(u"KWD"_s, u"-0.075"_s), {}},
                         {u"Expenses:Misc"_s, money(u"KWD"_s, u"0.075"_s), {}}}});

        QTemporaryDir dir;
        const QString path = dir.filePath(u"paybridge.journal"_s);
        LedgerFileSink sink(path);
        // Two posts, so the appended file (not just a fresh one) is what hledger reads.
        const auto firstHalf = sink.postNow(entries.mid(0, entries.size() / 2));
        QVERIFY(firstHalf.ok());
        const auto secondHalf = sink.postNow(entries);
        QVERIFY(secondHalf.ok());
        QCOMPARE(secondHalf->posted.size(), entries.size() - entries.size() / 2);

        // 1. hledger parses the file; it refuses unbalanced transactions, so exit 0 means
        //    every transaction balanced by its own reading.
        const Run print = hledger({u"-f"_s, path, u"print"_s});
        QVERIFY2(print.exitCode == 0, print.err.constData());

        // 2. Per transaction, as hledger read it: the reference tag and a zero sum per commodity.
        const Run printCsv = hledger({u"-f"_s, path, u"print"_s, u"-O"_s, u"csv"_s});
        QVERIFY2(printCsv.exitCode == 0, printCsv.err.constData());
        const QList<QStringList> rows = parseCsv(printCsv.out);
        QVERIFY(rows.size() > 1);
        QCOMPARE(rows.first().mid(0, 10), (QStringList{u"txnidx"_s, u"date"_s, u"date2"_s, u"status"_s, u"code"_s,
                                                       u"description"_s, u"comment"_s, u"account"_s, u"amount"_s,
                                                       u"commodity"_s}));
        QMap<QString, QMap<QString, Money>> sums; // txnidx → commodity → sum
        QSet<QString> refsSeen;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const QStringList &r = rows.at(i);
            QVERIFY(r.size() >= 10);
            const auto currency = Currency::fromCode(r.at(9));
            QVERIFY2(currency, qPrintable(r.join(u'|')));
            const auto amount = Money::parse(r.at(8), *currency);
            QVERIFY2(amount.ok(), qPrintable(r.join(u'|')));
            QMap<QString, Money> &perTxn = sums[r.at(0)];
            perTxn.insert(r.at(9), perTxn.value(r.at(9), Money::zero(*currency)).plus(*amount).value());
            QVERIFY2(r.at(6).startsWith(u"ref:pb:"_s), qPrintable(r.at(6)));
            refsSeen.insert(r.at(6).mid(4));
        }
        QCOMPARE(sums.size(), entries.size());
        for (auto it = sums.begin(); it != sums.end(); ++it) {
            for (const Money &m : it.value())
                QVERIFY2(m.isZero(), qPrintable(u"transaction "_s + it.key() + u" sums to "_s + m.toString()));
        }
        QSet<QString> refsPosted;
        for (const JournalEntry &e : std::as_const(entries))
            refsPosted.insert(e.externalRef);
        QCOMPARE(refsSeen, refsPosted);

        // 3. Account totals per commodity equal PayBridge's own.
        const Run balance = hledger({u"-f"_s, path, u"balance"_s, u"-O"_s, u"csv"_s, u"--layout=bare"_s, u"-N"_s});
        QVERIFY2(balance.exitCode == 0, balance.err.constData());
        const QList<QStringList> balRows = parseCsv(balance.out);
        QCOMPARE(balRows.first(), (QStringList{u"account"_s, u"commodity"_s, u"balance"_s}));
        AccountTotals theirs;
        for (qsizetype i = 1; i < balRows.size(); ++i) {
            const QStringList &r = balRows.at(i);
            QCOMPARE(r.size(), 3);
            const auto currency = Currency::fromCode(r.at(1));
            QVERIFY2(currency, qPrintable(r.join(u'|')));
            const auto amount = Money::parse(r.at(2), *currency);
            QVERIFY2(amount.ok(), qPrintable(r.join(u'|')));
            theirs.insert({r.at(0), r.at(1)}, *amount);
        }
        const auto ours = accountTotals(entries);
        QVERIFY(ours.ok());
        QVERIFY(ours->size() > 10);
        QCOMPARE(theirs.keys(), ours->keys());
        for (auto it = ours->begin(); it != ours->end(); ++it)
            QVERIFY2(theirs.value(it.key()) == it.value(),
                     qPrintable(it.key().first + u' ' + it.value().toString() + u" vs "_s
                                + theirs.value(it.key()).toString()));
        // Spot checks of the three exponents.
        QVERIFY(theirs.contains({u"Income:Sales"_s, u"JPY"_s}));
        QCOMPARE(theirs.value({u"Income:Sales"_s, u"KWD"_s}), money(u"KWD"_s, u"-1013.601"_s));
        QCOMPARE(theirs.value({u"Income:Sales"_s, u"USD"_s}), money(u"USD"_s, u"-1234697.89"_s));

        // 4. PayBridge reads back what it wrote.
        const auto readBack = sink.readAll();
        QVERIFY(readBack.ok());
        QCOMPARE(*readBack, entries);
    }
};

QTEST_GUILESS_MAIN(TestErpLedger)
#include "tst_erp_ledger.moc"
