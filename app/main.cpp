// paybridge: the console window, or a command-line command (`paybridge profile ...`,
// `paybridge sync ...`), or the demo.
#include "commands/cli.h"
#include "commands/output.h"
#include "commands/reconcilereport.h"
#include "guilaunch.h"

#include "log/logging.h"
#include "reconciliationreport.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <memory>

int main(int argc, char **argv)
{
    if (pb::app::isCommandLine(argc, argv)) {
        pb::app::setReconciliationReportWriter([](const pb::app::ReportJob &job) {
            pb::ui::report::Request request;
            request.storePath = job.storePath;
            request.scopeKey = job.scopeKey;
            request.outputPath = job.outputPath;
            request.format = pb::ui::report::formatForPath(job.outputPath).value_or(pb::ui::report::Format::Pdf);
            request.profileName = job.profileName;
            request.merchant = job.merchant;
            return pb::ui::report::writeReconciliationReport(request);
        });
        // A PDF report needs fonts (a QGuiApplication) but never a display: the offscreen platform.
        std::unique_ptr<QCoreApplication> appHolder;
        if (pb::app::commandNeedsGui(argc, argv)) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            appHolder = std::make_unique<QGuiApplication>(argc, argv);
        } else {
            appHolder = std::make_unique<QCoreApplication>(argc, argv);
        }
        pb::app::setApplicationIdentity();
        (void)pb::log::install();
        return pb::app::runCommandLine(QCoreApplication::arguments(), pb::app::Io::standard());
    }
    return pb::app::runConsole(argc, argv);
}
