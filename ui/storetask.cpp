#include "storetask.h"

#include "store/database.h"

#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::ui {

void runStoreTask(QObject *context, const QString &databasePath, bool writer,
                  std::function<Status(QSqlDatabase &db)> task, std::function<void(const Status &)> done)
{
    auto *watcher = new QFutureWatcher<std::shared_ptr<Status>>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, done = std::move(done)] {
        const auto status = watcher->result();
        watcher->deleteLater();
        done(status ? *status : Status(makeError(u"store.task"_s, {}, u"the task did not finish"_s)));
    });
    watcher->setFuture(QtConcurrent::run([databasePath, writer, task = std::move(task)] {
        if (databasePath.isEmpty()) {
            QSqlDatabase none;
            return std::make_shared<Status>(task(none));
        }
        static std::atomic<int> counter{0};
        const QString name = u"paybridge.ui.task.%1"_s.arg(++counter);
        auto status = std::make_shared<Status>();
        {
            auto db = writer ? store::Database::openWriter(databasePath, name)
                             : store::Database::openReader(databasePath, name);
            if (!db)
                *status = db.error();
            else
                *status = task(db.value());
        }
        store::Database::close(name);
        return status;
    }));
}

} // namespace pb::ui
