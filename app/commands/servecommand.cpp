// `paybridge serve --profile P [--interval SECONDS] [--intent-interval SECONDS] [--stop-deadline SECONDS]`:
// the engine headless. Syncs on a schedule, sends due intents and runs the janitor often, and
// on SIGTERM/SIGINT stops starting work, lets requests in flight answer and exits within a
// deadline. What is still in flight then is safe: its intent was committed as `sending` before
// the request left and becomes `in_doubt` (looked up by the janitor) at the next start.
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"

#include "intents/intentjournal.h"
#include "log/categories.h"
#include "log/logging.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "util/clock.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

// Self-pipe for SIGTERM/SIGINT: the handler only writes one byte (async-signal-safe); the
// event loop reads it through a QSocketNotifier. A second signal ends the process at once from
// the handler itself, because the main thread may be blocked waiting for the engine thread.
int g_signalFds[2] = {-1, -1};
volatile sig_atomic_t g_signalCount = 0;

extern "C" void onStopSignal(int signo)
{
    const int savedErrno = errno;
    g_signalCount = g_signalCount + 1;
    if (g_signalCount >= 2)
        ::_exit(ExitFailure);
    const char byte = char(signo);
    [[maybe_unused]] const ssize_t written = ::write(g_signalFds[0], &byte, 1);
    errno = savedErrno;
}

// Installs the handlers; restores the previous ones when destroyed.
class StopSignals
{
public:
    StopSignals()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, g_signalFds) != 0) {
            g_signalFds[0] = g_signalFds[1] = -1;
            return;
        }
        g_signalCount = 0;
        struct sigaction action = {};
        action.sa_handler = &onStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        m_ok = ::sigaction(SIGTERM, &action, &m_oldTerm) == 0 && ::sigaction(SIGINT, &action, &m_oldInt) == 0;
    }
    ~StopSignals()
    {
        ::sigaction(SIGTERM, &m_oldTerm, nullptr);
        ::sigaction(SIGINT, &m_oldInt, nullptr);
        for (int &fd : g_signalFds) {
            if (fd >= 0)
                ::close(fd);
            fd = -1;
        }
    }
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    bool ok() const { return m_ok; }
    int readFd() const { return g_signalFds[1]; }

private:
    bool m_ok = false;
    struct sigaction m_oldTerm = {};
    struct sigaction m_oldInt = {};
};

struct ServeOptions
{
    int syncIntervalS = 300;
    int intentIntervalS = 3;
    int stopDeadlineS = 20;
};

// The service's schedule around one SyncService.
class ServeLoop : public QObject
{
    // What other processes on the store see as the one running intents.
    static sync::SyncConfig named(sync::SyncConfig config)
    {
        config.program = QStringLiteral("paybridge serve");
        return config;
    }

public:
    ServeLoop(const sync::SyncConfig &config, const ServeOptions &options, int signalFd)
        : m_service(named(config)), m_options(options), m_notifier(signalFd, QSocketNotifier::Read)
    {
        m_syncTimer.setInterval(options.syncIntervalS * 1000);
        m_intentTimer.setInterval(options.intentIntervalS * 1000);
        m_drainTimer.setInterval(200);
        connect(&m_syncTimer, &QTimer::timeout, this, &ServeLoop::startSync);
        connect(&m_intentTimer, &QTimer::timeout, this, &ServeLoop::runIntents);
        connect(&m_drainTimer, &QTimer::timeout, this, &ServeLoop::checkDrained);
        connect(&m_notifier, &QSocketNotifier::activated, this, &ServeLoop::onSignal);
        connect(&m_service, &sync::SyncService::finished, this, [this](const sync::SyncSummary &s) {
            qCInfo(lcApp).noquote() << "sync finished in" << s.elapsedMs << "ms: orders" << s.ordersTotal
                                    << "transactions" << s.transactionsTotal << "linked" << s.linked;
            runIntents(); // new facts may have planned work (rules) or decided in-doubt intents
        });
        connect(&m_service, &sync::SyncService::failed, this, [this](const Error &error) {
            qCWarning(lcApp).noquote() << "sync failed:" << error.code << error.toString();
            runIntents();
        });
        connect(&m_service, &sync::SyncService::intentsIdle, this, [this] {
            if (m_stopping) {
                m_parked = true;
                checkDrained();
            }
        });
    }

    ~ServeLoop() override
    {
        if (m_journalDb) {
            m_journalDb.reset();
            store::Database::close(kReader);
        }
    }

    int run()
    {
        qCInfo(lcApp).noquote() << "serving profile" << m_service.config().profileName << "- sync every"
                                << m_options.syncIntervalS << "s, intents every" << m_options.intentIntervalS << "s";
        QTimer::singleShot(0, this, [this] {
            runIntents(); // recovered in-doubt intents first: the janitor decides them
            startSync();
        });
        m_syncTimer.start();
        m_intentTimer.start();
        m_loop.exec();
        return m_exitCode;
    }

private:
    inline static const QString kReader = QStringLiteral("paybridge-serve-reader");

    void startSync()
    {
        if (m_stopping || m_service.state() == sync::SyncState::Running)
            return;
        m_service.syncNow();
    }

    void runIntents()
    {
        if (!m_stopping)
            m_service.runIntents();
    }

    void onSignal()
    {
        char bytes[16];
        const ssize_t n = ::read(m_notifier.socket(), bytes, sizeof bytes);
        if (n <= 0 || m_stopping)
            return;
        m_stopping = true;
        qCInfo(lcApp).noquote() << "signal" << int(bytes[0]) << "- stopping: no new work; waiting up to"
                                << m_options.stopDeadlineS << "s for requests in flight (a second signal ends at once)";
        m_syncTimer.stop();
        m_intentTimer.stop();
        m_service.cancel();
        m_service.parkIntents(); // intentsIdle() follows once the requests in flight answered
        m_stopClock.start();
        m_drainTimer.start();
        checkDrained();
    }

    // The intents still committed as `sending`: named in the log when the deadline parks them.
    QStringList sendingIntents()
    {
        QStringList ids;
        const QString path = m_service.config().databasePath;
        if (!m_journalDb) {
            if (!QFileInfo::exists(path))
                return ids;
            auto db = store::Database::openReader(path, kReader);
            if (!db)
                return ids;
            m_journalDb = std::make_unique<QSqlDatabase>(db.value());
        }
        const intents::IntentJournal journal(*m_journalDb, SystemClock::instance());
        if (const auto sending = journal.listByState(intents::IntentState::Sending, 1000)) {
            for (const intents::Intent &i : sending.value())
                ids.append(QString::number(i.id));
        }
        return ids;
    }

    void checkDrained()
    {
        const bool syncRunning = m_service.state() == sync::SyncState::Running;
        if (m_parked && !syncRunning) {
            qCInfo(lcApp) << "stopped: nothing in flight";
            finish(ExitOk);
            return;
        }
        if (m_stopClock.elapsed() >= qint64(m_options.stopDeadlineS) * 1000) {
            const QStringList sending = sendingIntents();
            qCWarning(lcApp).noquote() << "stop deadline reached; parked in flight (in doubt at the next start, then"
                                       << "looked up before anything is sent again): intents"
                                       << (sending.isEmpty() ? QStringLiteral("-") : sending.join(u','))
                                       << (syncRunning ? "and a sync" : "");
            finish(ExitOk);
        }
    }

    void finish(int code)
    {
        m_drainTimer.stop();
        m_exitCode = code;
        m_loop.quit();
    }

    sync::SyncService m_service;
    ServeOptions m_options;
    QSocketNotifier m_notifier;
    QTimer m_syncTimer;
    QTimer m_intentTimer;
    QTimer m_drainTimer;
    QElapsedTimer m_stopClock;
    QEventLoop m_loop;
    std::unique_ptr<QSqlDatabase> m_journalDb;
    bool m_stopping = false;
    bool m_parked = false;
    int m_exitCode = ExitOk;
};

bool readSeconds(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max, int *out,
                 Io &io)
{
    if (!parser.isSet(option))
        return true;
    const auto seconds = secondsOption(parser, option, min, max, io);
    if (seconds)
        *out = *seconds;
    return seconds.has_value();
}

} // namespace

int serveCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Run the sync engine headless: sync on a schedule, send due intents and decide in-doubt ones. "
           "Logs go to standard error (the journal under systemd) and the log file. SIGTERM or SIGINT stop it "
           "within the stop deadline; a second signal ends it at once."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption intervalOpt(QStringLiteral("interval"), tr("Seconds between syncs (default 300)."),
                                         QStringLiteral("SECONDS"));
    const QCommandLineOption intentOpt(QStringLiteral("intent-interval"),
                                       tr("Seconds between runs of due intents and the janitor (default 3)."),
                                       QStringLiteral("SECONDS"));
    const QCommandLineOption deadlineOpt(QStringLiteral("stop-deadline"),
                                         tr("Seconds to let requests in flight answer when stopping (default 20)."),
                                         QStringLiteral("SECONDS"));
    parser.addOptions({profileOpt, intervalOpt, intentOpt, deadlineOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    if (!parser.isSet(profileOpt) || !parser.positionalArguments().isEmpty()) {
        io.err() << tr("Usage: paybridge serve --profile NAME [--interval SECONDS] [--intent-interval SECONDS] "
                       "[--stop-deadline SECONDS]\n")
                 << Qt::flush;
        return ExitUsage;
    }
    ServeOptions options;
    if (!readSeconds(parser, intervalOpt, 5, 86400, &options.syncIntervalS, io)
        || !readSeconds(parser, intentOpt, 1, 3600, &options.intentIntervalS, io)
        || !readSeconds(parser, deadlineOpt, 1, 600, &options.stopDeadlineS, io))
        return ExitUsage;

    const auto config = loadEngineConfig(parser.value(profileOpt), io, &code);
    if (!config)
        return code;

    // A service is read through its journal: informational messages go to stderr as well.
    log::LogOptions logOptions;
    logOptions.stderrLevel = QtInfoMsg;
    if (const Status installed = log::install(logOptions); !installed)
        io.err() << tr("Logging to standard error only: %1\n").arg(installed.error().toString()) << Qt::flush;

    StopSignals stopSignals;
    if (!stopSignals.ok()) {
        io.err() << tr("Cannot install the SIGTERM/SIGINT handlers\n") << Qt::flush;
        return ExitFailure;
    }
    int result = ExitOk;
    {
        ServeLoop loop(*config, options, stopSignals.readFd());
        result = loop.run();
    } // the engine thread is quit and joined here, before the handlers go
    return result;
}

} // namespace pb::app
