// paybridge-bench ratelimit: the sandbox's PayTrace API limits itself to R requests/s (admin API
// "limits"); the real PayTraceClient sends pings through the adaptive intents::RateLimiter with
// many requests waiting for a token. The limiter does not know R: its ceiling is above it
// (2 R unless told), so it has to find the limit from the 429 answers. After a warm-up, the
// answers that arrive are counted: achieved requests/s (accepted answers only) and the share of
// 429 among all answers.
#include "benchsupport.h"

#include "intents/ratelimiter.h"
#include "net/httptransport.h"
#include "paytrace/outcome.h"
#include "paytrace/paytraceclient.h"
#include "util/clock.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <cstdio>

namespace pb::bench {

namespace {

double option(const QStringList &args, const char *name, double fallback)
{
    const qsizetype at = args.indexOf(QString::fromLatin1(name));
    if (at < 0)
        return fallback;
    bool ok = false;
    const double v = args.value(at + 1).toDouble(&ok);
    return ok ? v : -1;
}

bool setLimit(const QString &adminUrl, double rate, double burst, QString *error)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(adminUrl + QStringLiteral("/limits")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const QJsonObject body{{QStringLiteral("paytrace"),
                            QJsonObject{{QStringLiteral("rate"), rate}, {QStringLiteral("burst"), burst}}}};
    QNetworkReply *reply = nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray answer = reply->readAll();
    reply->deleteLater();
    if (status != 200) {
        *error = QStringLiteral("admin limits: HTTP %1 %2").arg(status).arg(QString::fromUtf8(answer));
        return false;
    }
    return true;
}

struct Counts
{
    qint64 accepted = 0;
    qint64 refused = 0; // 429
    qint64 other = 0;   // anything else (should stay 0)
};

} // namespace

int rateLimitBench(const QStringList &args)
{
    const double rate = option(args, "--rate", 50);
    const double warmupS = option(args, "--warmup", 20);
    const double measureS = option(args, "--seconds", 60);
    const double ceiling = option(args, "--ceiling", 2 * rate);
    const double serverBurst = option(args, "--server-burst", 5);
    const int waiting = int(option(args, "--waiting", 64));
    if (rate <= 0 || warmupS < 0 || measureS <= 0 || ceiling <= 0 || serverBurst < 1 || waiting < 1) {
        std::fprintf(stderr, "ratelimit: --rate, --seconds, --ceiling, --server-burst, --waiting must be positive, --warmup >= 0\n");
        return 2;
    }

    SandboxProcess sandbox;
    QString error;
    if (!sandbox.start({QStringLiteral("--orders"), QStringLiteral("20"), QStringLiteral("--seed"), QStringLiteral("1")}, &error)
        || !setLimit(sandbox.value(QStringLiteral("admin_url")), rate, serverBurst, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::printf("sandbox PayTrace limit %.1f req/s (burst %.0f); limiter ceiling %.1f req/s; %d requests waiting; "
                "warm-up %.0f s, then %.0f s measured\n",
                rate, serverBurst, ceiling, waiting, warmupS, measureS);
    std::fflush(stdout);

    net::HttpTransport transport;
    paytrace::PayTraceConfig pc;
    pc.baseUrl = QUrl(sandbox.value(QStringLiteral("paytrace_url")));
    pc.username = sandbox.value(QStringLiteral("paytrace.username"));
    pc.password = sandbox.value(QStringLiteral("paytrace.password"));
    pc.timeoutMs = 20000;
    paytrace::PayTraceClient client(&transport, pc);

    const Clock &clock = SystemClock::instance();
    intents::RateLimiterConfig lc;
    lc.host = QStringLiteral("paytrace-bench");
    lc.ceilingPerSecond = ceiling;
    intents::RateLimiter limiter(clock, lc);

    QElapsedTimer elapsed;
    elapsed.start();
    const qint64 warmupMs = qint64(warmupS * 1000);
    const qint64 endMs = warmupMs + qint64(measureS * 1000);
    Counts total;
    Counts window;
    bool stopping = false;
    int inFlight = 0;
    QEventLoop loop;
    QObject context;

    // Each "worker" waits for a token, sends one ping, feeds the answer back to the limiter and
    // waits again: `waiting` of them keep the limiter's queue full all the time.
    std::function<void()> next;
    next = [&] {
        if (stopping)
            return;
        limiter.acquire(&context, [&] {
            const qint64 sentMs = clock.monotonicMs();
            ++inFlight;
            client.ping(&context, [&, sentMs](const paytrace::Outcome &o) {
                --inFlight;
                const qint64 at = elapsed.elapsed();
                const bool counted = at >= warmupMs && at < endMs;
                Counts &c = total;
                if (o.kind == paytrace::Outcome::Kind::RateLimited) {
                    ++c.refused;
                    window.refused += counted ? 1 : 0;
                    limiter.onRateLimited(o.retryAfterSeconds > 0 ? std::optional<int>(o.retryAfterSeconds) : std::nullopt);
                } else if (o.ok()) {
                    ++c.accepted;
                    window.accepted += counted ? 1 : 0;
                    limiter.onSuccess(clock.monotonicMs() - sentMs);
                } else {
                    ++c.other;
                    window.other += counted ? 1 : 0;
                    std::fprintf(stderr, "unexpected answer: %s\n", qPrintable(o.summary()));
                }
                if (at >= endMs) {
                    stopping = true;
                    if (inFlight == 0)
                        loop.quit();
                    return;
                }
                next();
            });
        });
    };
    for (int i = 0; i < waiting; ++i)
        next();

    // A line per 5 s: how the limiter moves.
    QTimer report;
    qint64 lastAccepted = 0;
    QObject::connect(&report, &QTimer::timeout, [&] {
        std::printf("t=%5.1f s  rate %.1f req/s  accepted %.1f req/s  429 so far %lld\n", elapsed.elapsed() / 1000.0,
                    limiter.currentRate(), double(total.accepted - lastAccepted) / 5.0,
                    static_cast<long long>(total.refused));
        std::fflush(stdout);
        lastAccepted = total.accepted;
    });
    report.start(5000);
    // Ends the run even if the last answers never come.
    QTimer::singleShot(int(endMs + 30000), &loop, &QEventLoop::quit);
    loop.exec();
    report.stop();

    const qint64 answered = window.accepted + window.refused + window.other;
    const double achieved = double(window.accepted) / measureS;
    const double share429 = answered > 0 ? double(window.refused) / double(answered) : 0.0;
    std::printf("measured %.0f s after a %.0f s warm-up: %lld accepted, %lld refused (429), %lld other; "
                "whole run %lld accepted, %lld refused; limiter ends at %.1f req/s\n",
                measureS, warmupS, static_cast<long long>(window.accepted), static_cast<long long>(window.refused),
                static_cast<long long>(window.other), static_cast<long long>(total.accepted),
                static_cast<long long>(total.refused), limiter.currentRate());
    std::printf("goals: achieved >= 90 %% of the limit (%s), 429 < 1 %% (%s)\n",
                achieved >= 0.9 * rate ? "met" : "MISSED", share429 < 0.01 ? "met" : "MISSED");
    printResult(QJsonObject{{QStringLiteral("bench"), QStringLiteral("ratelimit")},
                            {QStringLiteral("limit_rps"), rate},
                            {QStringLiteral("achieved_rps"), qRound(achieved * 100) / 100.0},
                            {QStringLiteral("share_429"), qRound(share429 * 100000) / 100000.0},
                            {QStringLiteral("ceiling_rps"), ceiling},
                            {QStringLiteral("warmup_s"), warmupS},
                            {QStringLiteral("measured_s"), measureS}});
    return window.other == 0 ? 0 : 1;
}

} // namespace pb::bench
