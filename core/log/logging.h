#pragma once

#include "util/result.h"

#include <QString>
#include <QtGlobal>

namespace pb::log {

struct LogOptions
{
    // Empty: <QStandardPaths::AppLocalDataLocation>/logs (set the application name first).
    QString directory;
    QString fileName = QStringLiteral("paybridge.log");
    // The file is rotated before a line would take it past this size:
    // paybridge.log -> paybridge.log.1 -> ... -> paybridge.log.<keepFiles>, the oldest dropped.
    qint64 maxFileBytes = 5 * 1024 * 1024;
    int keepFiles = 5;
    // Messages at or above this level are echoed to stderr as well (all of them when the file
    // cannot be written).
    QtMsgType stderrLevel = QtWarningMsg;
};

// Installs the PayBridge message handler for the whole process. Every message is passed through
// the Redactor, formatted as
//   2025-11-25T09:10:11.123Z warning paybridge.sync.paytrace [req=4f2c] message
// and appended to the log file (created owner-only). Thread-safe; the sync thread and worker
// threads log through it too. Calling it again replaces the options and reopens the file.
// On error (directory or file not writable) the handler is still installed and logs to stderr.
pb::Status install(const LogOptions &options = {});

// Restores the handler that was active before install() and closes the file.
void uninstall();

// The directory the log is written to: the installed one, or the default when not installed.
QString logDirectory();
// Full path of the current log file (in logDirectory()).
QString logFilePath();

} // namespace pb::log
