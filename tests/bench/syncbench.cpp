// paybridge-bench sync: the initial sync of N orders (default 100,000) with their transactions
// from the sandbox into a fresh store, against plain curl fetching the same pages without
// parsing or storing them. Both run against the same sandbox process.
#include "benchsupport.h"

#include "magento/orderpager.h"
#include "paytrace/parser.h"
#include "sync/syncengine.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QUrl>
#include <QUrlQuery>

#include <cstdio>

namespace pb::bench {

namespace {

constexpr int kHistoryDays = 35;

QString quoted(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

} // namespace

int syncBench(const QStringList &args)
{
    int orders = 100000;
    const qsizetype at = args.indexOf(QStringLiteral("--orders"));
    if (at >= 0)
        orders = args.value(at + 1).toInt();
    if (orders <= 0) {
        std::fprintf(stderr, "--orders: expected a positive number\n");
        return 2;
    }

    std::printf("starting the sandbox with %d orders...\n", orders);
    std::fflush(stdout);
    SandboxProcess sandbox;
    QString error;
    // Bearer on, as the curl baseline sends the integration token that way.
    if (!sandbox.start({QStringLiteral("--orders"), QString::number(orders), QStringLiteral("--seed"), QStringLiteral("1"),
                        QStringLiteral("--magento-bearer")}, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    const QString magentoUrl = sandbox.value(QStringLiteral("magento_url"));
    const QString paytraceUrl = sandbox.value(QStringLiteral("paytrace_url"));
    const QString bearer = sandbox.value(QStringLiteral("magento.bearer_token"));
    const QString ptUser = sandbox.value(QStringLiteral("paytrace.username"));
    const QString ptPassword = sandbox.value(QStringLiteral("paytrace.password"));

    QTemporaryDir dir;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDate today = now.toTimeZone(paytrace::Parser::batchTimeZone()).date();

    // --- raw fetch: the same Magento pages (offset paging, same filter, sort and size) and the
    // same PayTrace day exports, each system in its own sequential curl, both at once (as the
    // sync runs them).
    const int pageSize = sync::SyncEngine::kMagentoPageSize;
    const QString since = now.addDays(-kHistoryDays).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    QString magentoConfig;
    const int pages = (orders + pageSize - 1) / pageSize;
    for (int page = 1; page <= pages; ++page) {
        QUrlQuery q;
        auto add = [&q](const QString &k, const QString &v) {
            q.addQueryItem(QString::fromLatin1(QUrl::toPercentEncoding(k)), QString::fromLatin1(QUrl::toPercentEncoding(v)));
        };
        add(QStringLiteral("searchCriteria[filter_groups][0][filters][0][field]"), QStringLiteral("updated_at"));
        add(QStringLiteral("searchCriteria[filter_groups][0][filters][0][value]"), since);
        add(QStringLiteral("searchCriteria[filter_groups][0][filters][0][condition_type]"), QStringLiteral("gteq"));
        add(QStringLiteral("searchCriteria[sortOrders][0][field]"), QStringLiteral("updated_at"));
        add(QStringLiteral("searchCriteria[sortOrders][0][direction]"), QStringLiteral("ASC"));
        add(QStringLiteral("searchCriteria[sortOrders][1][field]"), QStringLiteral("entity_id"));
        add(QStringLiteral("searchCriteria[sortOrders][1][direction]"), QStringLiteral("ASC"));
        add(QStringLiteral("searchCriteria[pageSize]"), QString::number(pageSize));
        add(QStringLiteral("searchCriteria[currentPage]"), QString::number(page));
        add(QStringLiteral("fields"), QString(magento::OrderPager::kOrderFields));
        const QString url = magentoUrl + QStringLiteral("/rest/V1/orders?") + q.query(QUrl::FullyEncoded);
        if (page > 1)
            magentoConfig += QStringLiteral("next\n");
        magentoConfig += QStringLiteral("url = ") + quoted(url) + QStringLiteral("\nheader = ")
            + quoted(QStringLiteral("Authorization: Bearer ") + bearer) + QStringLiteral("\noutput = \"/dev/null\"\n");
    }

    // The token first (part of the fetch: the sync needs one too), then one export per day.
    QElapsedTimer rawTimer;
    rawTimer.start();
    QProcess tokenCurl;
    tokenCurl.start(QStringLiteral("curl"), {QStringLiteral("--silent"), QStringLiteral("--fail"),
                                             QStringLiteral("--data-urlencode"), QStringLiteral("grant_type=password"),
                                             QStringLiteral("--data-urlencode"), QStringLiteral("username=") + ptUser,
                                             QStringLiteral("--data-urlencode"), QStringLiteral("password=") + ptPassword,
                                             paytraceUrl + QStringLiteral("/oauth/token")});
    tokenCurl.waitForFinished(60000);
    const QString token = QJsonDocument::fromJson(tokenCurl.readAllStandardOutput()).object()
                              .value(QStringLiteral("access_token")).toString();
    if (token.isEmpty()) {
        std::fprintf(stderr, "curl: no PayTrace token\n");
        return 1;
    }
    QString paytraceConfig;
    const QDate from = today.addDays(-kHistoryDays);
    for (QDate d = from; d <= today; d = d.addDays(1)) {
        if (d > from)
            paytraceConfig += QStringLiteral("next\n");
        const QString day = d.toString(QStringLiteral("MM/dd/yyyy"));
        const QString body = QStringLiteral("{\"start_date\":\"%1\",\"end_date\":\"%1\"}").arg(day);
        paytraceConfig += QStringLiteral("url = ") + quoted(paytraceUrl + QStringLiteral("/v1/transactions/export/by_date_range"))
            + QStringLiteral("\nheader = ") + quoted(QStringLiteral("Authorization: Bearer ") + token)
            + QStringLiteral("\nheader = \"Content-Type: application/json\"\ndata = ") + quoted(body)
            + QStringLiteral("\noutput = \"/dev/null\"\n");
    }
    auto startCurl = [&](QProcess &p, const QString &config, const QString &name) {
        const QString path = dir.path() + QLatin1Char('/') + name + QStringLiteral(".curl");
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(config.toUtf8());
        f.close();
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(QStringLiteral("curl"), {QStringLiteral("--silent"), QStringLiteral("--show-error"), QStringLiteral("--fail"),
                                         QStringLiteral("--globoff"), QStringLiteral("--config"), path});
    };
    QProcess magentoCurl;
    QProcess paytraceCurl;
    startCurl(magentoCurl, magentoConfig, QStringLiteral("magento"));
    startCurl(paytraceCurl, paytraceConfig, QStringLiteral("paytrace"));
    const bool rawOk = magentoCurl.waitForFinished(600000) && paytraceCurl.waitForFinished(600000)
        && magentoCurl.exitCode() == 0 && paytraceCurl.exitCode() == 0;
    const double rawSeconds = rawTimer.elapsed() / 1000.0;
    if (!rawOk) {
        std::fprintf(stderr, "curl failed (magento %d, paytrace %d)\n", magentoCurl.exitCode(), paytraceCurl.exitCode());
        return 1;
    }
    std::printf("raw fetch with curl: %.2f s (%d Magento pages, %lld PayTrace days)\n", rawSeconds, pages,
                static_cast<long long>(from.daysTo(today) + 1));
    std::fflush(stdout);

    // --- the sync into a fresh store.
    sync::SyncConfig config;
    config.profileName = QStringLiteral("bench");
    config.databasePath = dir.path() + QStringLiteral("/bench.sqlite");
    config.paytraceUrl = paytraceUrl;
    config.magentoUrl = magentoUrl;
    config.magentoAuth = QStringLiteral("bearer"); // same authentication as the curl baseline
    config.historyDays = kHistoryDays;
    config.secrets.insert(QStringLiteral("paytrace.username"), ptUser);
    config.secrets.insert(QStringLiteral("paytrace.password"), ptPassword);
    config.secrets.insert(QStringLiteral("magento.bearer_token"), bearer);
    // Reads pass the per-host rate limiter like writes. This sandbox sets no limit, so the
    // profile's ceilings are those of a store without one: far above what one connection does
    // (the defaults, 10 and 20 requests/s, are meant for a production store).
    config.paytraceMaxRequestsPerSecond = 1000;
    config.magentoMaxRequestsPerSecond = 1000;

    sync::SyncService service(config);
    sync::SyncSummary summary;
    bool ok = false;
    QEventLoop loop;
    QObject::connect(&service, &sync::SyncService::finished, &loop, [&](const sync::SyncSummary &s) {
        summary = s;
        ok = true;
        loop.quit();
    });
    QObject::connect(&service, &sync::SyncService::failed, &loop, [&](const Error &e) {
        std::fprintf(stderr, "sync failed: %s\n", qPrintable(e.toString()));
        loop.quit();
    });
    QElapsedTimer syncTimer;
    syncTimer.start();
    service.syncNow();
    loop.exec();
    const double syncSeconds = syncTimer.elapsed() / 1000.0;
    if (!ok)
        return 1;
    if (summary.ordersTotal != orders) {
        std::fprintf(stderr, "the sync stored %d orders, expected %d\n", summary.ordersTotal, orders);
        return 1;
    }
    const double ratio = syncSeconds / rawSeconds;
    const double perSecond = orders / syncSeconds;
    std::printf("sync: %.2f s for %d orders and %d transactions (%d linked); %.0f orders/s; %.2fx the raw fetch\n",
                syncSeconds, summary.ordersTotal, summary.transactionsTotal, summary.linked, perSecond, ratio);
    QJsonObject figures{
        {QStringLiteral("bench"), QStringLiteral("sync")},
        {QStringLiteral("orders"), orders},
        {QStringLiteral("sync_s"), qRound(syncSeconds * 1000) / 1000.0},
        {QStringLiteral("raw_fetch_s"), qRound(rawSeconds * 1000) / 1000.0},
        {QStringLiteral("ratio"), qRound(ratio * 100) / 100.0},
        {QStringLiteral("orders_per_s"), qRound(perSecond)},
        {QStringLiteral("peak_rss_mb"), qRound(peakRssMb() * 10) / 10.0},
    };
    printResult(figures);
    return 0;
}

} // namespace pb::bench
