#pragma once

#include "mappingbackend.h"

#include <QPointer>
#include <QString>
#include <QWidget>

#include <optional>

class QAction;
class QLabel;
class QPushButton;
class QTabWidget;

namespace pb::sync {
class SyncService;
}

namespace pb::ui::studio {

class AccountsEditor;
class CustomerRulesEditor;
class FieldCanvas;
class HistoryPanel;
class LinkKeyPanel;
class MappingDraft;
class NoteDialog;
class PreviewPanel;
class StatusMapEditor;
class SuggestionsPanel;

// The Mapping page: how PayTrace, Magento and the ERP map onto each other for this profile.
// Admins edit a draft of the active mapping (every edit undoable), see what it would do to the
// synced records, and save it as a new version with a note; everyone else reads. Everything
// that touches the store, the network or a file runs on a worker thread.
class MappingPage : public QWidget
{
    Q_OBJECT

public:
    enum Tab { StatusTab, FieldsTab, AccountsTab, SuggestionsTab, PreviewTab, HistoryTab, CustomersTab };

    explicit MappingPage(QWidget *parent = nullptr);
    ~MappingPage() override;

    // The acting operator (their rights decide edit or read only), the sync service (for the
    // Odoo password) and the profile (its ERP sink).
    void setContext(pb::sync::SyncService *sync, const QString &actor, const QString &profileName);
    void setDatabasePath(const QString &path);
    // Re-reads the active version, the history, the statuses and the rights; keeps a modified draft.
    void reload();

    bool isLoaded() const { return m_loaded; }
    bool isBusy() const { return m_busy; }
    bool isReadOnly() const { return !m_canEdit; }
    // The draft differs from the active version (what closing the window would drop).
    bool hasUnsavedChanges() const;
    int activeVersion() const { return m_snapshot.active.version; }
    QString messageText() const;
    QString bannerText() const;
    void showTab(Tab tab);

    // Saves the draft as a new version (what Save… does once the note is typed); false when
    // refused at once (read only, not modified, invalid, busy). The answer comes as saved().
    bool save(const QString &note);
    bool rollback(int version, const QString &note);
    // Opens the note dialog of Save… / Roll back… (null when not allowed now).
    NoteDialog *openSave();
    NoteDialog *openRollback(int version);
    // Reads a JSON file into the draft (undoable) / writes the draft to a file; answers in
    // fileDone().
    bool importFile(const QString &path);
    bool exportFile(const QString &path);

    MappingDraft *draft() const { return m_draft; }
    StatusMapEditor *statusMap() const { return m_statusMap; }
    FieldCanvas *canvas() const { return m_canvas; }
    LinkKeyPanel *linkKeyPanel() const { return m_linkPanel; }
    AccountsEditor *accounts() const { return m_accounts; }
    CustomerRulesEditor *customerRules() const { return m_customerRules; }
    SuggestionsPanel *suggestions() const { return m_suggestions; }
    PreviewPanel *preview() const { return m_preview; }
    HistoryPanel *history() const { return m_history; }
    QAction *undoAction() const { return m_undo; }
    QAction *redoAction() const { return m_redo; }
    QAction *saveAction() const { return m_save; }
    QLabel *modifiedLabel() const { return m_modified; }

Q_SIGNALS:
    void loaded();
    void saved(bool ok, const QString &message);
    void rolledBack(bool ok, const QString &message);
    void fileDone(bool ok, const QString &message);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void buildUi();
    void applySnapshot(const StoreSnapshot &snapshot);
    void updateState();
    void onDraftChanged();
    void runSuggestions();
    void loadKnownAccounts();
    void showMessage(const QString &text, bool error = false);
    void setBusy(bool busy);
    std::optional<pb::mapping::MappingProfile> activeProfile() const;

    QPointer<pb::sync::SyncService> m_sync;
    QString m_actor;
    QString m_profileName;
    QString m_databasePath;
    StoreSnapshot m_snapshot;
    bool m_loaded = false;
    bool m_canEdit = false;
    bool m_busy = false;
    bool m_suggestionsRun = false;
    int m_loadGeneration = 0;
    QString m_knownFor;

    MappingDraft *m_draft = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_version = nullptr;
    QLabel *m_modified = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_previewLine = nullptr;
    QLabel *m_canvasHint = nullptr;
    QLabel *m_message = nullptr;
    QTabWidget *m_tabs = nullptr;
    StatusMapEditor *m_statusMap = nullptr;
    FieldCanvas *m_canvas = nullptr;
    LinkKeyPanel *m_linkPanel = nullptr;
    AccountsEditor *m_accounts = nullptr;
    CustomerRulesEditor *m_customerRules = nullptr;
    SuggestionsPanel *m_suggestions = nullptr;
    PreviewPanel *m_preview = nullptr;
    HistoryPanel *m_history = nullptr;
    QAction *m_undo = nullptr;
    QAction *m_redo = nullptr;
    QAction *m_save = nullptr;
    QAction *m_import = nullptr;
    QAction *m_export = nullptr;
    QAction *m_revert = nullptr;
};

} // namespace pb::ui::studio
