// paybridge: the console window, or a command-line command (`paybridge profile ...`,
// `paybridge sync ...`), or the demo.
#include "commands/cli.h"
#include "commands/output.h"
#include "guilaunch.h"

#include "log/logging.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    if (pb::app::isCommandLine(argc, argv)) {
        QCoreApplication app(argc, argv);
        pb::app::setApplicationIdentity();
        (void)pb::log::install();
        return pb::app::runCommandLine(QCoreApplication::arguments(), pb::app::Io::standard());
    }
    return pb::app::runConsole(argc, argv);
}
