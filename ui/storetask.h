#pragma once

#include "util/result.h"

#include <QFutureWatcher>
#include <QObject>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>

namespace pb::ui {

// Runs `task` on the thread pool with a connection of its own to the store at `databasePath`
// (a reader, or a writer for changes: the access classes write their audit entries in the same
// transaction), then calls `done` on `context`'s thread unless `context` is gone. The GUI
// thread never waits on the database or on a file.
//
// `task` gets an invalid QSqlDatabase when `databasePath` is empty (for file-only work such as
// the profiles file).
void runStoreTask(QObject *context, const QString &databasePath, bool writer,
                  std::function<Status(QSqlDatabase &db)> task, std::function<void(const Status &)> done);

} // namespace pb::ui
