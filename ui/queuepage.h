#pragma once

#include "queuemodel.h"
#include "tablepage.h"
#include "util/result.h"

#include <QPointer>

class QLabel;
class QPushButton;
class QTabBar;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

class IntentActionDialog;

// The intent queue: intents by bucket (pending, in doubt, dead letters, succeeded, discarded),
// each with its attempts and what the janitor found, and the decisions a person makes on them
// — resolve an in-doubt intent, replay or discard a dead letter — sent through SyncService.
// The actions are enabled by the selected intent's state and the operator's permissions; when
// one is not possible the page says why.
class QueuePage : public TablePage
{
    Q_OBJECT

public:
    explicit QueuePage(QWidget *parent = nullptr);
    ~QueuePage() override;

    QueueModel *queueModel() const;
    // Commands go through `sync` (null: the page only shows the queue). Re-reads on its
    // intentsChanged().
    void setSyncService(pb::sync::SyncService *sync);

    void setBucket(QueueModel::Bucket bucket);
    QueueModel::Bucket bucket() const;

    QTabBar *bucketBar() const { return m_buckets; }
    QPushButton *resolveButton() const { return m_resolve; }
    QPushButton *replayButton() const { return m_replay; }
    QPushButton *discardButton() const { return m_discard; }
    // Why the actions that are off are off, or how the last action ended.
    QLabel *actionNoteLabel() const { return m_note; }
    // The dialog of the action in progress, if any.
    IntentActionDialog *openDialog() const;

    void resolveSelected();
    void replaySelected();
    void discardSelected();

protected:
    QString detailHtml(const QVariant &key) const override;
    int identifierColumn() const override;
    QString columnSample(int column) const override;
    QString emptyStoreText() const override;
    QString noMatchText(const QString &filter) const override;
    QString noSelectionText() const override;
    QString countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const override;

private:
    struct Selected
    {
        qint64 id = 0;
        QString state;
        QString summary;
        QString janitorNote;
    };
    std::optional<Selected> selected() const;
    void updateActions();
    void updateBucketTitles();
    // Empty when the current operator may do `action` (an access::Action); else why not.
    QString refusal(int action) const;
    void showOutcome(const Status &status, const QString &done);

    QTabBar *m_buckets = nullptr;
    QPushButton *m_resolve = nullptr;
    QPushButton *m_replay = nullptr;
    QPushButton *m_discard = nullptr;
    QLabel *m_note = nullptr;
    QString m_outcome; // how the last action ended, until the selection changes
    QPointer<pb::sync::SyncService> m_sync;
    QPointer<IntentActionDialog> m_dialog;
    Result<QString> m_account;
};

} // namespace pb::ui
