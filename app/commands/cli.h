#pragma once

#include "sync/syncservice.h"
#include "util/result.h"

#include <QStringList>

namespace pb::app {

class Io;

// Organisation and application names (they decide the data, config and log locations) and
// the version. Call right after creating the Q*Application.
void setApplicationIdentity();

// True when the arguments name a command-line command (`profile`, `sync`, ...) rather than
// the console window. Decided before any QCoreApplication/QApplication exists.
bool isCommandLine(int argc, char **argv);

// Runs a command-line command. Needs a QCoreApplication; returns the process exit code.
int runCommandLine(const QStringList &arguments, Io &io);

// The individual commands (arguments start with the command name).
int profileCommand(const QStringList &arguments, Io &io);
int syncCommand(const QStringList &arguments, Io &io);
int paytraceCommand(const QStringList &arguments, Io &io);
int magentoCommand(const QStringList &arguments, Io &io);
int refundCommand(const QStringList &arguments, Io &io);
int voidCommand(const QStringList &arguments, Io &io);
int creditMemoCommand(const QStringList &arguments, Io &io);
int captureCommand(const QStringList &arguments, Io &io);
int queueCommand(const QStringList &arguments, Io &io);
int quarantineCommand(const QStringList &arguments, Io &io);
int serveCommand(const QStringList &arguments, Io &io);
int operatorsCommand(const QStringList &arguments, Io &io);
int reconcileCommand(const QStringList &arguments, Io &io);
int journalCommand(const QStringList &arguments, Io &io);
int mappingCommand(const QStringList &arguments, Io &io);
int customersCommand(const QStringList &arguments, Io &io);
int chargeCommand(const QStringList &arguments, Io &io);

// Runs one sync with `config` on the sync thread, prints the summary; returns the exit code.
int runSyncOnce(const sync::SyncConfig &config, Io &io);
void printSummary(Io &io, const QString &profileName, const sync::SyncSummary &summary);
// The exit code for an error from the sync or the keychain.
int exitCodeFor(const Error &error);

// Text for `paybridge --help` listing every command and the exit codes.
QString overviewHelp();

} // namespace pb::app
