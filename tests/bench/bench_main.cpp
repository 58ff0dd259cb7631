// paybridge-bench NAME: PayBridge's benchmarks, one executable. Each ends with one JSON line of
// its figures. Run them on the release build.
#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

namespace pb::bench {
int syncBench(const QStringList &args);
int reconcileBench(const QStringList &args);
int rateLimitBench(const QStringList &args);
int consoleBench(int argc, char **argv);
int consoleGenerate(const QStringList &args);
}

int main(int argc, char **argv)
{
    // The console benchmark needs widgets, so it makes its own QApplication.
    if (argc > 1 && qstrcmp(argv[1], "console") == 0)
        return pb::bench::consoleBench(argc, argv);
    QCoreApplication app(argc, argv);
    // Only warnings: per-request info lines would cost time and bury the figures.
    QLoggingCategory::setFilterRules(QStringLiteral("paybridge.*.info=false"));
    const QStringList args = QCoreApplication::arguments();
    const QString name = args.value(1);
    if (name == u"sync")
        return pb::bench::syncBench(args.mid(2));
    if (name == u"console-generate")
        return pb::bench::consoleGenerate(args.mid(2));
    if (name == u"reconcile")
        return pb::bench::reconcileBench(args.mid(2));
    if (name == u"ratelimit")
        return pb::bench::rateLimitBench(args.mid(2));
    std::fprintf(stderr,
                 "usage: paybridge-bench NAME [options]\n"
                 "  sync [--orders N]   initial sync of N orders (default 100000) against a raw curl fetch\n"
                 "  console [--rows N] [--store PATH] [--filter TEXT]\n"
                 "                      the Transactions page over N transactions and N orders (default 1000000)\n"
                 "  reconcile [--lines N]   reconciliation of a day of N settlement lines (default 1000000) against sqlite3's plain join\n"
                 "  ratelimit [--rate R] [--seconds S] [--warmup W] [--ceiling C]   PayTrace limited to R req/s: achieved rate and share of 429\n");
    return name.isEmpty() || name == u"--help" ? 0 : 2;
}
