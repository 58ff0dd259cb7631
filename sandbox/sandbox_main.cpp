// paybridge-sandbox: serves the PayTrace and Magento simulators until SIGTERM/SIGINT; with
// --live N it also keeps placing about N orders a minute (livestore.h).
// Prints one name=value line per URL and credential on start-up, then flushes stdout, so a
// parent process can read them before talking to the sandbox.

#include "sandbox.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

int g_signalFd[2] = {-1, -1};

// Async-signal-safe: only write(2) to the self-pipe; the event loop does the rest.
void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] const ssize_t ignored = ::write(g_signalFd[0], &byte, 1);
}

bool installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFd) != 0)
        return false;
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGTERM, &action, nullptr) == 0 && ::sigaction(SIGINT, &action, nullptr) == 0;
}

bool parseNumber(const QString &text, quint64 max, quint64 *out)
{
    bool ok = false;
    const quint64 value = text.toULongLong(&ok);
    if (!ok || value > max)
        return false;
    *out = value;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"paybridge-sandbox"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"PayTrace and Magento 2 simulators over HTTP on 127.0.0.1 (one port: /paytrace, /magento, /__admin)."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption ordersOption(u"orders"_s, u"Number of generated orders (default 200)."_s, u"N"_s, u"200"_s);
    const QCommandLineOption seedOption(u"seed"_s, u"Seed of the data generator (default 1)."_s, u"S"_s, u"1"_s);
    const QCommandLineOption portOption(u"port"_s, u"TCP port on 127.0.0.1 (default 0: any free port)."_s, u"P"_s, u"0"_s);
    const QCommandLineOption liveOption(u"live"_s,
        u"Keep trading: place about N orders per sandbox minute with their payments, then ship, capture, refund and cancel (default 0: off)."_s,
        u"ORDERS_PER_MINUTE"_s, u"0"_s);
    const QCommandLineOption tidyOption(u"tidy-paytrace"_s, u"Generate a tidy PayTrace account (no terminal sales, typos, second payments; one close time)."_s);
    const QCommandLineOption pastEndOption(u"magento-past-end"_s,
        u"A Magento page past the end: repeat (the last page again, older 2.4.x; default) or empty."_s, u"repeat|empty"_s, u"repeat"_s);
    const QCommandLineOption bearerOption(u"magento-bearer"_s,
        u"Accept the Magento integration token as a Bearer token (a store setting, off since Magento 2.4.4)."_s);
    const QCommandLineOption noAttributeOption(u"magento-no-customer-attribute"_s,
        u"A store without the customer attribute paytrace_customer_id (POST /__admin/customer-attribute creates it)."_s);
    parser.addOption(noAttributeOption);
    parser.addOption(bearerOption);
    parser.addOption(pastEndOption);
    parser.addOption(liveOption);
    parser.addOption(tidyOption);
    parser.addOption(ordersOption);
    parser.addOption(seedOption);
    parser.addOption(portOption);
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "paybridge-sandbox: unexpected argument: %s\n", qPrintable(parser.positionalArguments().first()));
        return 2;
    }

    pb::sandbox::SandboxOptions options;
    quint64 value = 0;
    if (!parseNumber(parser.value(ordersOption), 5000000, &value)) {
        std::fprintf(stderr, "paybridge-sandbox: --orders must be a whole number from 0 to 5000000\n");
        return 2;
    }
    options.orders = int(value);
    if (!parseNumber(parser.value(seedOption), std::numeric_limits<quint64>::max(), &value)) {
        std::fprintf(stderr, "paybridge-sandbox: --seed must be a non-negative whole number\n");
        return 2;
    }
    options.seed = value;
    if (!parseNumber(parser.value(portOption), 65535, &value)) {
        std::fprintf(stderr, "paybridge-sandbox: --port must be a whole number from 0 to 65535\n");
        return 2;
    }
    options.port = quint16(value);
    bool liveOk = false;
    const double live = parser.value(liveOption).toDouble(&liveOk);
    if (!liveOk || live < 0 || live > 600) {
        std::fprintf(stderr, "paybridge-sandbox: --live must be a number of orders per minute from 0 to 600\n");
        return 2;
    }
    options.liveOrdersPerMinute = live;
    options.paytraceUntidy = !parser.isSet(tidyOption);
    options.magentoBearerEnabled = parser.isSet(bearerOption);
    options.magentoCustomerAttribute = !parser.isSet(noAttributeOption);
    if (parser.value(pastEndOption) != u"repeat" && parser.value(pastEndOption) != u"empty") {
        std::fprintf(stderr, "paybridge-sandbox: --magento-past-end must be repeat or empty\n");
        return 2;
    }
    options.magentoPastEndEmpty = parser.value(pastEndOption) == u"empty";

    if (!installSignalHandlers()) {
        std::fprintf(stderr, "paybridge-sandbox: cannot install signal handlers\n");
        return 1;
    }
    QSocketNotifier notifier(g_signalFd[1], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [] {
        char byte = 0;
        [[maybe_unused]] const ssize_t ignored = ::read(g_signalFd[1], &byte, 1);
        QCoreApplication::quit();
    });

    pb::sandbox::Sandbox sandbox(options);
    QString error;
    if (!sandbox.start(&error)) {
        std::fprintf(stderr, "paybridge-sandbox: %s\n", qPrintable(error));
        return 1;
    }
    const auto line = [](const QString &name, const QString &value) {
        std::fputs(qPrintable(name + u'=' + value + u'\n'), stdout);
    };
    line(u"paytrace_url"_s, sandbox.paytraceUrl().toString());
    line(u"magento_url"_s, sandbox.magentoUrl().toString());
    line(u"admin_url"_s, sandbox.adminUrl().toString());
    line(u"odoo_url"_s, sandbox.odooUrl().toString());
    for (const auto &[name, value] : sandbox.credentials())
        line(name, value);
    std::fflush(stdout);

    const int rc = app.exec();
    sandbox.stop();
    ::close(g_signalFd[0]);
    ::close(g_signalFd[1]);
    return rc;
}
