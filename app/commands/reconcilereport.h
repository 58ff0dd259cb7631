#pragma once

#include "util/result.h"

#include <QString>

#include <functional>

namespace pb::app {

// `paybridge reconcile --report FILE`: the commands library has no Qt Gui, so the executable
// that links the ui library hands in the writer (ui/reconciliationreport).
struct ReportJob
{
    QString storePath;
    QString scopeKey;
    QString outputPath;  // *.pdf or *.csv
    QString profileName;
    QString merchant;
};
using ReportWriter = std::function<Status(const ReportJob &)>;

// Without a writer, --report is refused with a clear message.
void setReconciliationReportWriter(ReportWriter writer);

// True when the command line will render a report: it needs a QGuiApplication (fonts), not a display.
bool commandNeedsGui(int argc, char **argv);

} // namespace pb::app
