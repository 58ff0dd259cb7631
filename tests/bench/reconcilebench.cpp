// paybridge-bench reconcile: a day of N settlement lines (default 1,000,000) against N PayTrace
// transactions and N Magento orders in a store file, with 1 % planted discrepancies. Times the
// whole reconciliation (read, match, classify, write the results) and the real sqlite3 tool
// doing the plain one-to-one join by transaction id on the same file.
#include "benchsupport.h"

#include "reconcile/matcher.h"
#include "reconcile/reconciliationstore.h"
#include "store/database.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimeZone>

#include <sqlite3.h>

#include <cstdio>

namespace pb::bench {

namespace {

using namespace Qt::StringLiterals;

const QDate kDay(2024, 3, 1);

// What each planted row is; one in a hundred rows gets one of these, in turn.
enum Plant { AmountMismatch, MissingInPayTrace, MissingInSettlement, CurrencyMismatch, UnexpectedBatch,
             StatusMismatch, MissingInMagento, UnexplainedFee, DuplicateLine, kPlantCount };

bool exec(sqlite3 *db, const char *sql)
{
    char *err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite: %s in %s\n", err ? err : "?", sql);
        sqlite3_free(err);
        return false;
    }
    return true;
}

struct Gen
{
    qint64 lines = 0;
    qint64 planted = 0;
};

// Fills the store with plain prepared inserts in one transaction (not timed).
bool generate(const QString &path, qint64 n, Gen &gen)
{
    {
        auto w = store::Database::openWriter(path, u"bench-gen"_s);
        if (!w) {
            std::fprintf(stderr, "%s\n", qPrintable(w.error().toString()));
            return false;
        }
    }
    store::Database::close(u"bench-gen"_s);
    sqlite3 *db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK)
        return false;
    exec(db, "PRAGMA synchronous = OFF");
    exec(db, "PRAGMA cache_size = -200000");
    exec(db, "BEGIN");
    exec(db, "INSERT INTO settlement_files (id, sha256, name, source, imported_at) VALUES (1, 'bench', 'bench.csv', 'paytrace', 0)");
    sqlite3_stmt *order = nullptr, *txn = nullptr, *link = nullptr, *line = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO orders (entity_id, increment_id, state, status, currency, grand_total, total_paid, "
                           "total_invoiced, total_refunded, created_at, updated_at, synced_at) "
                           "VALUES (?1, ?2, 'processing', 'processing', 'USD', ?3, ?3, ?3, ?4, 0, 0, 0)", -1, &order, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO gateway_transactions (transaction_id, type, status, status_code, amount, currency, "
                           "batch, invoice_id, created_at, settled_at, synced_at) "
                           "VALUES (?1, 'sale', 'settled', 'GB', ?2, 'USD', ?3, ?4, ?5, ?6, 0)", -1, &txn, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO order_transaction_links (transaction_id, order_entity_id, rule, linked_at) "
                           "VALUES (?1, ?2, 'invoice_id', 0)", -1, &link, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO settlement_lines (file_id, line_no, kind, transaction_id, amount, currency, "
                           "settled_on, batch, natural_key) VALUES (1, ?1, ?2, ?3, ?4, ?5, '2024-03-01', ?6, ?7)", -1, &line, nullptr);
    const QTimeZone pacific("America/Los_Angeles");
    const qint64 close = QDateTime(kDay, QTime(20, 0), pacific).toMSecsSinceEpoch();
    const qint64 open = QDateTime(kDay.addDays(-1), QTime(20, 0), pacific).toMSecsSinceEpoch();
    char id[32], inc[32], batch[16], key[48];
    qint64 lineNo = 0;
    auto addLine = [&](const char *kind, const char *txnId, qint64 amount, const char *currency, const char *b) {
        ++lineNo;
        const int k = std::snprintf(key, sizeof key, "L%lld", static_cast<long long>(lineNo));
        sqlite3_reset(line);
        sqlite3_bind_int64(line, 1, lineNo);
        sqlite3_bind_text(line, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(line, 3, txnId, -1, SQLITE_STATIC);
        sqlite3_bind_int64(line, 4, amount);
        sqlite3_bind_text(line, 5, currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(line, 6, b, -1, SQLITE_STATIC);
        sqlite3_bind_text(line, 7, key, k, SQLITE_STATIC);
        return sqlite3_step(line) == SQLITE_DONE;
    };
    for (qint64 i = 0; i < n; ++i) {
        const qint64 amount = 500 + (i * 7919) % 50000;
        const int plant = i % 100 == 0 ? int((i / 100) % kPlantCount) : -1;
        if (plant >= 0)
            ++gen.planted;
        std::snprintf(id, sizeof id, "%lld", static_cast<long long>(100000000 + i));
        std::snprintf(inc, sizeof inc, "%09lld", static_cast<long long>(i + 1));
        std::snprintf(batch, sizeof batch, "%lld", static_cast<long long>(7000 + i % 8));

        sqlite3_reset(order);
        sqlite3_bind_int64(order, 1, i + 1);
        sqlite3_bind_text(order, 2, inc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(order, 3, amount);
        sqlite3_bind_int64(order, 4, plant == StatusMismatch ? amount : 0);
        if (sqlite3_step(order) != SQLITE_DONE)
            return false;

        if (plant != MissingInPayTrace) {
            sqlite3_reset(txn);
            sqlite3_bind_text(txn, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(txn, 2, amount);
            sqlite3_bind_text(txn, 3, batch, -1, SQLITE_STATIC);
            sqlite3_bind_text(txn, 4, plant == MissingInMagento ? "X-unknown" : inc, -1, SQLITE_STATIC);
            sqlite3_bind_int64(txn, 5, open + (i * 37) % (close - open));
            sqlite3_bind_int64(txn, 6, close);
            if (sqlite3_step(txn) != SQLITE_DONE)
                return false;
            if (plant != MissingInMagento) {
                sqlite3_reset(link);
                sqlite3_bind_text(link, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(link, 2, i + 1);
                if (sqlite3_step(link) != SQLITE_DONE)
                    return false;
            }
        }
        if (plant == MissingInSettlement)
            continue;
        const bool ok = addLine("sale", id, plant == AmountMismatch ? amount + 1 : amount,
                                plant == CurrencyMismatch ? "EUR" : "USD", plant == UnexpectedBatch ? "6999" : batch);
        if (!ok)
            return false;
        if (plant == DuplicateLine && !addLine("sale", id, amount, "USD", batch))
            return false;
        if (plant == UnexplainedFee && !addLine("adjustment", "", -250, "USD", ""))
            return false;
    }
    // The batches' fees (explained: they name a batch PayTrace settled).
    for (int b = 0; b < 8; ++b) {
        std::snprintf(batch, sizeof batch, "%d", 7000 + b);
        if (!addLine("fee", "", -1999, "USD", batch))
            return false;
    }
    sqlite3_finalize(order);
    sqlite3_finalize(txn);
    sqlite3_finalize(link);
    sqlite3_finalize(line);
    exec(db, "COMMIT");
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    gen.lines = lineNo;
    return true;
}

} // namespace

int reconcileBench(const QStringList &args)
{
    qint64 n = 1000000;
    const qsizetype at = args.indexOf(u"--lines"_s);
    if (at >= 0)
        n = args.value(at + 1).toLongLong();
    if (n <= 0) {
        std::fprintf(stderr, "--lines: expected a positive number\n");
        return 2;
    }
    const QString sqlite3Tool = QStandardPaths::findExecutable(u"sqlite3"_s);
    if (sqlite3Tool.isEmpty()) {
        std::fprintf(stderr, "the sqlite3 command-line tool is missing (Debian package sqlite3)\n");
        return 1;
    }
    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const QString path = dir.filePath(u"bench.sqlite"_s);

    std::printf("generating %lld lines, transactions and orders...\n", static_cast<long long>(n));
    std::fflush(stdout);
    QElapsedTimer genTimer;
    genTimer.start();
    Gen gen;
    if (!generate(path, n, gen)) {
        std::fprintf(stderr, "generation failed\n");
        return 1;
    }
    std::printf("generated in %.1f s: %lld settlement lines, %lld planted discrepancies\n",
                double(genTimer.elapsed()) / 1000.0, static_cast<long long>(gen.lines),
                static_cast<long long>(gen.planted));

    // The plain join, by the real sqlite3 tool, on the same file (warm cache for both).
    QElapsedTimer joinTimer;
    QProcess sqlite;
    sqlite.setStandardOutputFile(QProcess::nullDevice());
    joinTimer.start();
    sqlite.start(sqlite3Tool, {path, u"SELECT count(*), sum(t.amount), sum(s.amount) FROM settlement_lines s "
                                     u"JOIN gateway_transactions t ON t.transaction_id = s.transaction_id"_s});
    if (!sqlite.waitForFinished(600000) || sqlite.exitCode() != 0) {
        std::fprintf(stderr, "sqlite3 failed: %s\n", sqlite.readAllStandardError().constData());
        return 1;
    }
    const double joinS = double(joinTimer.nsecsElapsed()) / 1e9;

    QElapsedTimer timer;
    timer.start();
    reconcile::MatchOptions options;
    options.now = QDateTime(kDay.addDays(2), QTime(12, 0), QTimeZone::utc());
    auto result = reconcile::Matcher::run(path, reconcile::ReconcileScope::day(kDay), {}, options);
    if (!result) {
        std::fprintf(stderr, "%s\n", qPrintable(result.error().toString()));
        return 1;
    }
    const double matchS = double(timer.nsecsElapsed()) / 1e9;
    auto writer = store::Database::openWriter(path, u"bench-writer"_s);
    if (!writer) {
        std::fprintf(stderr, "%s\n", qPrintable(writer.error().toString()));
        return 1;
    }
    reconcile::ReconciliationStore results(writer.value());
    auto saved = results.save(result.value(), u"bench"_s, {});
    if (!saved) {
        std::fprintf(stderr, "%s\n", qPrintable(saved.error().toString()));
        return 1;
    }
    const double reconcileS = double(timer.nsecsElapsed()) / 1e9;
    const double rss = peakRssMb();

    const auto &r = result.value();
    std::printf("reconciled %lld lines, %lld transactions, %lld orders: %lld matched, %lld discrepancies, %lld set aside\n",
                static_cast<long long>(r.linesRead), static_cast<long long>(r.transactionsRead),
                static_cast<long long>(r.ordersRead), static_cast<long long>(r.matched),
                static_cast<long long>(r.discrepancies), static_cast<long long>(r.setAside));
    for (auto it = saved->openByClass.cbegin(); it != saved->openByClass.cend(); ++it)
        std::printf("  %-32s %lld\n", qPrintable(it.key()), static_cast<long long>(it.value()));
    std::printf("planted %lld, found %lld open discrepancies%s\n", static_cast<long long>(gen.planted),
                static_cast<long long>(saved->open), saved->open == gen.planted ? "" : "  (MISMATCH)");
    std::printf("reconcile: %.3f s (read+match %.3f s, write %.3f s), peak RSS %.0f MB\n", reconcileS, matchS,
                reconcileS - matchS, rss);
    std::printf("sqlite3 join: %.3f s; ratio reconcile/sqlite3 %.2f\n", joinS, reconcileS / joinS);
    std::fflush(stdout);

    writer = QSqlDatabase();
    store::Database::close(u"bench-writer"_s);
    printResult(QJsonObject{{u"bench"_s, u"reconcile"_s},
                            {u"lines"_s, gen.lines},
                            {u"reconcile_s"_s, qRound(reconcileS * 1000) / 1000.0},
                            {u"sqlite3_join_s"_s, qRound(joinS * 1000) / 1000.0},
                            {u"ratio"_s, qRound(reconcileS / joinS * 100) / 100.0},
                            {u"peak_rss_mb"_s, qRound(rss)}});
    return saved->open == gen.planted ? 0 : 1;
}

} // namespace pb::bench
