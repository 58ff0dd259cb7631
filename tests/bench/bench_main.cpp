// paybridge-bench NAME: PayBridge's benchmarks, one executable. Each ends with one JSON line of
// its figures. Run them on the release build.
#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

namespace pb::bench {
int syncBench(const QStringList &args);
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Only warnings: per-request info lines would cost time and bury the figures.
    QLoggingCategory::setFilterRules(QStringLiteral("paybridge.*.info=false"));
    const QStringList args = QCoreApplication::arguments();
    const QString name = args.value(1);
    if (name == u"sync")
        return pb::bench::syncBench(args.mid(2));
    std::fprintf(stderr,
                 "usage: paybridge-bench NAME [options]\n"
                 "  sync [--orders N]   initial sync of N orders (default 100000) against a raw curl fetch\n");
    return name.isEmpty() || name == u"--help" ? 0 : 2;
}
