#pragma once

#include "profile/profile.h"
#include "sync/syncservice.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QString>
#include <QStringList>

#include <optional>

namespace pb::app {

class Io;

// Shared steps of the intent commands (refund/void/capture, queue, serve).

// Parses with --help handled here (QCommandLineParser::process() would exit the process).
// Returns false when the command is done; *exitCode then says how.
bool parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, Io &io, int *exitCode);

// The profile as stored (no secrets); prints why not and sets *exitCode.
std::optional<profile::Profile> loadProfile(const QString &profileName, Io &io, int *exitCode);

// The profile's engine configuration with its secrets; prints why not and sets *exitCode.
std::optional<sync::SyncConfig> loadEngineConfig(const QString &profileName, Io &io, int *exitCode);

// A whole number of seconds from `option` within [min, max], or nullopt after saying what is
// wrong (naming the option).
std::optional<int> secondsOption(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
                                 int max, Io &io);

// The OS account the command acts for (the engine checks its permissions); prints why not.
std::optional<QString> actingAccount(Io &io, int *exitCode);

// Starts an asynchronous engine call, `start(context, done)`, and waits in the command's own
// event loop (nothing else runs in a command's process) for its single answer.
template<typename T, typename Start>
T awaitAnswer(Start start)
{
    std::optional<T> answer;
    QEventLoop loop;
    start(&loop, [&](const T &a) {
        answer.emplace(a);
        loop.quit();
    });
    if (!answer)
        loop.exec();
    return std::move(*answer);
}

} // namespace pb::app
