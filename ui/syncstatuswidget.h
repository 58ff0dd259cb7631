#pragma once

#include "sync/syncservice.h"

#include <QDateTime>
#include <QWidget>

class QLabel;
class QProgressBar;

namespace pb::ui {

// The status bar's view of the sync: state (idle, running with progress, failed with the
// reason), the time of the last successful sync in local time, and the store's counts.
// Passive: MainWindow feeds it from SyncService's signals, so it can be tested on its own.
class SyncStatusWidget : public QWidget
{
    Q_OBJECT

public:
    explicit SyncStatusWidget(QWidget *parent = nullptr);

    void setUnavailable(); // no sync service: the window only shows the store
    void setIdle();
    void setRunning();
    void setProgress(const pb::sync::SyncProgress &progress);
    void setFailed(const pb::Error &error);
    void setLastSuccess(const QDateTime &at); // invalid: never
    // -1 for a count that is not known.
    void setCounts(qint64 orders, qint64 transactions, qint64 unlinkedTransactions);

    QString stateText() const;
    QString lastSyncText() const;
    QString countsText() const;
    bool isProgressVisible() const;

private:
    void setStateIcon(int standardPixmap);

    QLabel *m_icon;
    QLabel *m_state;
    QProgressBar *m_progress;
    QLabel *m_lastSync;
    QLabel *m_counts;
};

} // namespace pb::ui
