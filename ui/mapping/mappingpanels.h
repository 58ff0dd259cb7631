#pragma once

#include "mappingbackend.h"

#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace pb::ui::studio {

// Proposed link keys ranked by how many synced payments each finds exactly one order for,
// computed on a worker thread; Accept puts one into the draft.
class SuggestionsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SuggestionsPanel(QWidget *parent = nullptr);

    void setDatabasePath(const QString &path) { m_databasePath = path; }
    void setReadOnly(bool readOnly);
    // The draft's link key: its suggestion shows as taken.
    void setDraftKey(const QJsonObject &key);
    // Runs the analysis against the active profile (cancels one running).
    void run(const pb::mapping::MappingProfile &active);
    void cancel();
    bool isRunning() const { return m_running; }
    const QList<SuggestionView> &suggestions() const { return m_suggestions; }
    bool accept(int index);
    QTableWidget *table() const { return m_table; }

Q_SIGNALS:
    void acceptRequested(const QJsonObject &linkKey, const QString &evidence);
    void finished();
    void runRequested();

private:
    void show(const QList<SuggestionView> &list);
    void updateButtons();

    QString m_databasePath;
    QList<SuggestionView> m_suggestions;
    QJsonObject m_draftKey;
    std::shared_ptr<std::atomic_bool> m_cancel;
    int m_generation = 0;
    bool m_running = false;
    bool m_readOnly = false;
    QPushButton *m_run = nullptr;
    QPushButton *m_stop = nullptr;
    QLabel *m_state = nullptr;
    QTableWidget *m_table = nullptr;
};

// What the draft would do to the synced records, against the active version: counts, the
// links, the statuses, the ERP lines per account. Computed on a worker thread, debounced on
// draft edits; a newer request cancels the running one.
class PreviewPanel : public QWidget
{
    Q_OBJECT

public:
    explicit PreviewPanel(QWidget *parent = nullptr);

    void setDatabasePath(const QString &path) { m_databasePath = path; }
    // Asks for a preview of `draft` against `active` after a short pause (more edits restart it).
    void schedule(const pb::mapping::MappingProfile &active, const std::optional<pb::mapping::MappingProfile> &draft);
    void runNow();
    void cancel();
    // Off while the page is hidden: edits and syncs then only mark the preview stale, and it
    // runs when the page shows again (a preview reads the whole store).
    void setLive(bool live);
    bool isPending() const;
    const std::optional<PreviewView> &result() const { return m_result; }
    QString summaryText() const;

Q_SIGNALS:
    void previewReady();
    void summaryChanged(const QString &text);

private:
    void show(const PreviewView &v);
    void setState(const QString &text, bool error = false);

    QString m_databasePath;
    std::optional<pb::mapping::MappingProfile> m_active;
    std::optional<pb::mapping::MappingProfile> m_draft;
    std::optional<PreviewView> m_result;
    std::shared_ptr<std::atomic_bool> m_cancel;
    int m_generation = 0;
    bool m_running = false;
    bool m_live = false;
    bool m_stale = false;
    QTimer *m_debounce = nullptr;
    QDateEdit *m_from = nullptr;
    QDateEdit *m_to = nullptr;
    QLineEdit *m_search = nullptr;
    QSpinBox *m_limit = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_stop = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_counts = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableWidget *m_links = nullptr;
    QTableWidget *m_statuses = nullptr;
    QTableWidget *m_accounts = nullptr;
};

// The saved versions, the differences between any two, and rollback.
class HistoryPanel : public QWidget
{
    Q_OBJECT

public:
    explicit HistoryPanel(QWidget *parent = nullptr);

    void setVersions(const QList<pb::mapping::MappingVersion> &versions, const pb::mapping::MappingVersion &active);
    void setReadOnly(bool readOnly, const QString &why);
    // Selects versions (by number) as a person does in the list.
    void selectVersions(const QList<int> &versions);
    QTableWidget *versionsTable() const { return m_versions; }
    QTableWidget *diffTable() const { return m_diff; }
    QPushButton *rollbackButton() const { return m_rollback; }

Q_SIGNALS:
    // Rollback was pressed for `version` (the page asks for the note).
    void rollbackRequested(int version);

private:
    void updateDiff();
    QList<int> selected() const;
    QByteArray documentOf(int version) const;

    QList<pb::mapping::MappingVersion> m_list;
    pb::mapping::MappingVersion m_activeVersion;
    bool m_readOnly = true;
    QString m_why;
    QTableWidget *m_versions = nullptr;
    QLabel *m_diffTitle = nullptr;
    QTableWidget *m_diff = nullptr;
    QPushButton *m_rollback = nullptr;
};

} // namespace pb::ui::studio
