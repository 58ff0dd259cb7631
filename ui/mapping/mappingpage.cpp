#include "mappingpage.h"

#include "accountseditor.h"
#include "customerruleseditor.h"
#include "fieldcanvas.h"
#include "linkkeypanel.h"
#include "mappingdraft.h"
#include "mappingpanels.h"
#include "mapping/profilediff.h"
#include "notedialog.h"
#include "statusmapeditor.h"
#include "storetask.h"
#include "sync/syncservice.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

QToolButton *buttonFor(QAction *action)
{
    auto *b = new QToolButton;
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setObjectName(action->objectName() + u"Button"_s);
    b->setAutoRaise(false);
    return b;
}

} // namespace

MappingPage::MappingPage(QWidget *parent)
    : QWidget(parent)
    , m_draft(new MappingDraft(this))
{
    setObjectName(u"mappingPage"_s);
    setAccessibleName(tr("Mapping"));
    buildUi();
    updateState();
}

MappingPage::~MappingPage()
{
    m_preview->cancel();
    m_suggestions->cancel();
}

void MappingPage::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    // Title, version, unsaved mark and the document's actions.
    auto *top = new QHBoxLayout;
    m_title = new QLabel(tr("Mapping"));
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    m_title->setFont(big);
    m_version = new QLabel;
    m_version->setObjectName(u"versionLabel"_s);
    m_version->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_version->setWordWrap(true); // a long note wraps instead of widening the page
    m_modified = new QLabel;
    m_modified->setObjectName(u"modifiedLabel"_s);
    top->addWidget(m_title);
    top->addStretch(1);
    top->addWidget(m_modified);
    top->addSpacing(12);

    // Fixed texts: the step's own description goes to the tooltip, so a long one (a suggestion's
    // evidence) never widens the page.
    QUndoStack *stack = m_draft->undoStack();
    m_undo = new QAction(style()->standardIcon(QStyle::SP_ArrowBack), tr("&Undo"), this);
    m_undo->setObjectName(u"mappingUndo"_s);
    m_undo->setShortcut(QKeySequence::Undo);
    m_redo = new QAction(style()->standardIcon(QStyle::SP_ArrowForward), tr("&Redo"), this);
    m_redo->setObjectName(u"mappingRedo"_s);
    QList<QKeySequence> redoKeys{QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)};
    for (const QKeySequence &k : QKeySequence::keyBindings(QKeySequence::Redo))
        if (!redoKeys.contains(k))
            redoKeys << k; // Ctrl+Y where the platform has it; never the same key twice
    m_redo->setShortcuts(redoKeys);
    connect(m_undo, &QAction::triggered, stack, &QUndoStack::undo);
    connect(m_redo, &QAction::triggered, stack, &QUndoStack::redo);
    connect(stack, &QUndoStack::undoTextChanged, this, [this](const QString &text) {
        m_undo->setToolTip(text.isEmpty() ? tr("Nothing to undo") : tr("Undo: %1 (Ctrl+Z)").arg(text));
    });
    connect(stack, &QUndoStack::redoTextChanged, this, [this](const QString &text) {
        m_redo->setToolTip(text.isEmpty() ? tr("Nothing to redo") : tr("Redo: %1 (Ctrl+Shift+Z)").arg(text));
    });
    m_import = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Import…"), this);
    m_import->setObjectName(u"mappingImport"_s);
    m_import->setToolTip(tr("Read a mapping document (JSON) into the draft; nothing is saved until Save"));
    m_export = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("E&xport…"), this);
    m_export->setObjectName(u"mappingExport"_s);
    m_export->setToolTip(tr("Write the draft as a mapping document (JSON)"));
    m_revert = new QAction(style()->standardIcon(QStyle::SP_DialogResetButton), tr("Rever&t"), this);
    m_revert->setObjectName(u"mappingRevert"_s);
    m_revert->setToolTip(tr("Drop the draft's changes and show the active version again"));
    m_save = new QAction(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("Save…"), this);
    m_save->setObjectName(u"mappingSave"_s);
    m_save->setShortcut(QKeySequence::Save);
    for (QAction *a : {m_undo, m_redo, m_import, m_export, m_revert, m_save}) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
    }
    top->addWidget(buttonFor(m_undo));
    top->addWidget(buttonFor(m_redo));
    top->addSpacing(8);
    top->addWidget(buttonFor(m_import));
    top->addWidget(buttonFor(m_export));
    top->addWidget(buttonFor(m_revert));
    auto *saveButton = buttonFor(m_save);
    QFont bold = saveButton->font();
    bold.setBold(true);
    saveButton->setFont(bold);
    top->addWidget(saveButton);
    layout->addLayout(top);
    layout->addWidget(m_version);

    m_banner = new QLabel;
    m_banner->setObjectName(u"mappingBanner"_s);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setVisible(false);
    layout->addWidget(m_banner);

    m_previewLine = new QLabel;
    m_previewLine->setObjectName(u"previewLine"_s);
    m_previewLine->setTextFormat(Qt::RichText);
    m_previewLine->setWordWrap(true);
    connect(m_previewLine, &QLabel::linkActivated, this, [this] { showTab(PreviewTab); });
    layout->addWidget(m_previewLine);

    // The parts of the mapping.
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(u"mappingTabs"_s);
    m_tabs->setDocumentMode(true);
    m_statusMap = new StatusMapEditor(m_draft);
    m_canvas = new FieldCanvas(m_draft);
    m_linkPanel = new LinkKeyPanel(m_draft);
    m_linkPanel->setMinimumWidth(420);
    auto *canvasBox = new QWidget;
    auto *canvasLayout = new QVBoxLayout(canvasBox);
    canvasLayout->setContentsMargins(0, 0, 0, 0);
    m_canvasHint = new QLabel;
    m_canvasHint->setWordWrap(true);
    canvasLayout->addWidget(m_canvasHint);
    canvasLayout->addWidget(m_canvas, 1);
    auto *fields = new QSplitter(Qt::Horizontal);
    fields->setObjectName(u"fieldsSplitter"_s);
    fields->setChildrenCollapsible(false);
    fields->addWidget(canvasBox);
    fields->addWidget(m_linkPanel);
    fields->setStretchFactor(0, 1);
    fields->setStretchFactor(1, 0);
    fields->setSizes({760, 470});
    m_accounts = new AccountsEditor(m_draft);
    m_suggestions = new SuggestionsPanel;
    m_preview = new PreviewPanel;
    m_history = new HistoryPanel;
    m_tabs->addTab(m_statusMap, tr("Status &map"));
    m_tabs->addTab(fields, tr("Fie&lds and link key"));
    m_tabs->addTab(m_accounts, tr("&ERP accounts"));
    m_tabs->addTab(m_suggestions, tr("Su&ggestions"));
    m_tabs->addTab(m_preview, tr("Previe&w"));
    m_tabs->addTab(m_history, tr("&History"));
    // Last, so the tab indices (Tab) stay what they were.
    m_customerRules = new CustomerRulesEditor(m_draft);
    m_tabs->addTab(m_customerRules, tr("&Customers"));
    layout->addWidget(m_tabs, 1);

    m_message = new QLabel;
    m_message->setObjectName(u"pageMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    connect(m_draft, &MappingDraft::changed, this, &MappingPage::onDraftChanged);
    connect(m_draft->undoStack(), &QUndoStack::indexChanged, this, &MappingPage::updateState);
    connect(m_save, &QAction::triggered, this, &MappingPage::openSave);
    connect(m_revert, &QAction::triggered, this, [this] {
        if (m_loaded)
            m_draft->load(m_snapshot.active.document, m_snapshot.active.version);
        showMessage(tr("The draft is the active version again."));
    });
    connect(m_import, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import mapping"), QDir::homePath(),
                                                          tr("Mapping documents (*.json);;All files (*)"));
        if (!path.isEmpty())
            importFile(path);
    });
    connect(m_export, &QAction::triggered, this, [this] {
        const QString suggested = QDir::home().filePath(u"mapping-%1.json"_s.arg(m_profileName.isEmpty() ? u"draft"_s : m_profileName));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export mapping"), suggested,
                                                          tr("Mapping documents (*.json)"));
        if (!path.isEmpty())
            exportFile(path);
    });
    connect(m_canvas, &FieldCanvas::connectRequested, this, [this](const QString &pt, const QString &mg) {
        if (!m_canEdit) {
            showMessage(tr("Only an admin can change the link key."), true);
            return;
        }
        if (!pb::mapping::LinkKey::supportedPairs().contains(std::pair{pt, mg})) {
            QStringList pairs;
            for (const auto &[a, b] : pb::mapping::LinkKey::supportedPairs())
                pairs << a + u" → "_s + b;
            showMessage(tr("PayBridge cannot link PayTrace %1 to Magento %2. Supported: %3.").arg(pt, mg, pairs.join(u", "_s)),
                        true);
            return;
        }
        m_draft->set({{u"linkKey.paytraceField"_s, pt}, {u"linkKey.magentoField"_s, mg}}, tr("Link %1 to %2").arg(pt, mg));
        m_canvas->selectEdge(u"link"_s);
        showMessage(tr("Link key: PayTrace %1 → Magento %2 (the preview shows what it changes).").arg(pt, mg));
    });
    connect(m_canvas, &FieldCanvas::connectRefused, this, [this](const QString &why) { showMessage(why, true); });
    connect(m_canvas, &FieldCanvas::edgeSelected, this, [this](const QString &kind) {
        if (kind == u"fallback")
            m_linkPanel->showFallback();
        else if (kind == u"link")
            m_linkPanel->showChain();
        else if (kind == u"erp")
            showMessage(tr("ERP lines follow PayBridge's booking rules; their accounts are on the ERP accounts tab."));
    });
    connect(m_suggestions, &SuggestionsPanel::runRequested, this, &MappingPage::runSuggestions);
    connect(m_suggestions, &SuggestionsPanel::acceptRequested, this, [this](const QJsonObject &key, const QString &evidence) {
        m_draft->set({{u"linkKey.paytraceField"_s, key.value(u"paytraceField"_s)},
                      {u"linkKey.magentoField"_s, key.value(u"magentoField"_s)},
                      {u"linkKey.transforms"_s, key.value(u"transforms"_s)}},
                     tr("Accept suggested key %1 → %2").arg(key.value(u"paytraceField"_s).toString(),
                                                            key.value(u"magentoField"_s).toString()));
        showMessage(tr("Suggestion put into the draft: %1. Undo takes it back.").arg(evidence));
    });
    connect(m_preview, &PreviewPanel::summaryChanged, this, [this](const QString &text) {
        m_previewLine->setText(tr("Preview against the active version: %1 — <a href=\"#preview\">details</a>")
                                   .arg(text.toHtmlEscaped()));
    });
    connect(m_history, &HistoryPanel::rollbackRequested, this, &MappingPage::openRollback);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (index == SuggestionsTab && !m_suggestionsRun && m_loaded)
            runSuggestions();
    });
}

void MappingPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_preview->setLive(true);
}

void MappingPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_preview->setLive(false);
}

void MappingPage::setContext(pb::sync::SyncService *sync, const QString &actor, const QString &profileName)
{
    m_sync = sync;
    m_actor = actor;
    m_profileName = profileName;
    reload();
}

void MappingPage::setDatabasePath(const QString &path)
{
    m_databasePath = path;
    m_suggestions->setDatabasePath(path);
    m_preview->setDatabasePath(path);
    reload();
}

void MappingPage::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(tab);
}

void MappingPage::reload()
{
    if (m_databasePath.isEmpty()) {
        m_version->setText(tr("No store yet: run a sync first."));
        return;
    }
    const int generation = ++m_loadGeneration;
    auto snapshot = std::make_shared<StoreSnapshot>();
    const QString actor = m_actor;
    runStoreTask(this, m_databasePath, false, [snapshot, actor](QSqlDatabase &db) {
        return readSnapshot(db, actor, snapshot.get());
    }, [this, generation, snapshot](const Status &status) {
        if (generation != m_loadGeneration)
            return;
        if (!status) {
            showMessage(tr("Reading the mapping failed: %1").arg(status.error().toString()), true);
            return;
        }
        applySnapshot(*snapshot);
    });
    loadKnownAccounts();
}

void MappingPage::applySnapshot(const StoreSnapshot &snapshot)
{
    const int before = m_snapshot.active.version;
    const bool first = !m_loaded;
    m_snapshot = snapshot;
    m_loaded = true;
    m_canEdit = snapshot.canEdit;
    if (first || !m_draft->isModified())
        m_draft->load(snapshot.active.document, snapshot.active.version);
    else if (before != snapshot.active.version)
        showMessage(tr("The active mapping is now v%1 (saved elsewhere); your draft started from v%2.")
                        .arg(snapshot.active.version).arg(m_draft->baseVersion()), true);
    m_statusMap->setStatuses(snapshot.statuses);
    m_statusMap->setReadOnly(!m_canEdit);
    m_linkPanel->setReadOnly(!m_canEdit);
    m_linkPanel->setSamples(snapshot.samples);
    m_canvas->setReadOnly(!m_canEdit);
    m_accounts->setReadOnly(!m_canEdit);
    m_customerRules->setReadOnly(!m_canEdit);
    m_suggestions->setReadOnly(!m_canEdit);
    m_history->setVersions(snapshot.history, snapshot.active);
    m_history->setReadOnly(!m_canEdit, snapshot.whyReadOnly);
    if (!snapshot.statusesError.isEmpty())
        showMessage(tr("The store's statuses could not be read (%1); the built-in ones are offered.")
                        .arg(snapshot.statusesError), true);
    updateState();
    onDraftChanged();
    if (m_tabs->currentIndex() == SuggestionsTab && !m_suggestionsRun)
        runSuggestions();
    Q_EMIT loaded();
}

std::optional<pb::mapping::MappingProfile> MappingPage::activeProfile() const
{
    if (!m_loaded)
        return std::nullopt;
    auto p = pb::mapping::MappingProfile::fromJson(m_snapshot.active.document);
    if (!p)
        return std::nullopt;
    return *p;
}

void MappingPage::onDraftChanged()
{
    updateState();
    const QJsonObject link = m_draft->value(u"linkKey"_s).toObject();
    m_suggestions->setDraftKey(QJsonObject{{u"paytraceField"_s, link.value(u"paytraceField"_s)},
                                           {u"magentoField"_s, link.value(u"magentoField"_s)},
                                           {u"transforms"_s, link.value(u"transforms"_s).toArray()}});
    const auto active = activeProfile();
    if (!active)
        return;
    const auto &draft = m_draft->validated();
    m_preview->schedule(*active, draft ? std::optional<pb::mapping::MappingProfile>(*draft) : std::nullopt);
    if (!draft)
        m_previewLine->setText(tr("Preview: waiting for a draft that validates."));
}

void MappingPage::updateState()
{
    const bool modified = m_loaded && m_draft->isModified();
    const auto &valid = m_draft->validated();
    const auto &a = m_snapshot.active;
    if (!m_loaded) {
        m_version->setText(m_databasePath.isEmpty() ? tr("No store yet: run a sync first.") : tr("Reading the mapping…"));
    } else if (a.version == 0) {
        m_version->setText(tr("Active: the default mapping (nothing saved yet)"));
    } else {
        m_version->setText(tr("Active: v%1, saved by %2 on %3 — “%4”")
                               .arg(a.version)
                               .arg(a.actor, QLocale().toString(a.createdAt.toLocalTime(), QLocale::ShortFormat), a.note));
    }
    m_modified->setText(modified ? tr("● Unsaved changes") : QString());
    m_modified->setToolTip(modified ? tr("Edits since v%1: %2").arg(m_draft->baseVersion()).arg(m_draft->undoStack()->index())
                                    : QString());
    m_modified->setStyleSheet(u"color: #b35c00; font-weight: 600;"_s);
    m_modified->setVisible(modified);
    setWindowModified(modified);

    QString banner;
    QString bannerStyle;
    if (m_loaded && !m_canEdit) {
        // The policy's own sentence says who may and what to do; without one, say it here.
        banner = m_snapshot.whyReadOnly.isEmpty() ? tr("Read only: only admins change mappings.")
                                                  : tr("Read only. %1").arg(m_snapshot.whyReadOnly);
        bannerStyle = u"background: #eef3fb; color: #1d3f73; padding: 6px; border-radius: 4px;"_s;
    } else if (m_loaded && !valid) {
        banner = tr("The draft cannot be saved: %1").arg(valid.error().toString());
        bannerStyle = u"background: #fdecea; color: #8c1d18; padding: 6px; border-radius: 4px;"_s;
    }
    m_canvasHint->setText(m_canEdit || !m_loaded ? tr("Drag from a PayTrace field to a Magento field to link on it; select a line to "
                                         "edit its transforms or the fallback match. The list on the right does the "
                                         "same from the keyboard.")
                                    : tr("The link key (solid line, with its transforms) and the fallback match "
                                         "(dashed lines) of the draft; the ERP journal fields below say where their "
                                         "figures come from."));
    m_banner->setText(banner);
    m_banner->setStyleSheet(bannerStyle);
    m_banner->setVisible(!banner.isEmpty());

    const bool canSave = m_canEdit && modified && valid && !m_busy;
    m_save->setEnabled(canSave);
    m_save->setToolTip(!m_canEdit ? tr("Only an admin can save mappings")
                       : !modified ? tr("Nothing changed yet")
                       : !valid    ? tr("The draft does not validate: %1").arg(valid.error().toString())
                                   : tr("Save the draft as a new version, with a note (Ctrl+S)"));
    m_import->setEnabled(m_canEdit && !m_busy);
    m_revert->setEnabled(m_canEdit && modified && !m_busy);
    m_export->setEnabled(m_loaded);
    m_undo->setEnabled(m_canEdit && m_draft->undoStack()->canUndo());
    m_redo->setEnabled(m_canEdit && m_draft->undoStack()->canRedo());
}

void MappingPage::setBusy(bool busy)
{
    m_busy = busy;
    updateState();
}

void MappingPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #b3261e;"_s : QString());
}

bool MappingPage::hasUnsavedChanges() const
{
    return m_loaded && m_draft->isModified();
}

QString MappingPage::messageText() const
{
    return m_message->text();
}

QString MappingPage::bannerText() const
{
    return m_banner->isVisible() ? m_banner->text() : QString();
}

NoteDialog *MappingPage::openSave()
{
    if (!m_save->isEnabled())
        return nullptr;
    const auto changes = pb::mapping::diffProfiles(m_snapshot.active.document, m_draft->document());
    QStringList keys;
    for (const auto &c : changes)
        keys << c.path;
    const int next = m_snapshot.history.isEmpty() ? 1 : m_snapshot.history.first().version + 1;
    auto *dialog = new NoteDialog(tr("Save mapping"),
                                  tr("The draft becomes v%1 and takes effect at the next sync.\nChanged: %2")
                                      .arg(next)
                                      .arg(keys.size() > 6 ? keys.mid(0, 6).join(u", "_s) + tr(" and %1 more").arg(keys.size() - 6)
                                                           : keys.join(u", "_s)),
                                  tr("Save"), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { save(dialog->note()); });
    dialog->open();
    return dialog;
}

NoteDialog *MappingPage::openRollback(int version)
{
    if (!m_canEdit || m_busy)
        return nullptr;
    const QString name = version == 0 ? tr("the default mapping") : tr("v%1").arg(version);
    auto *dialog = new NoteDialog(tr("Roll back mapping"),
                                  tr("%1 becomes active again as a new version, from the next sync on. Unsaved edits "
                                     "in the draft are dropped.").arg(name),
                                  tr("Roll back"), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, version] { rollback(version, dialog->note()); });
    dialog->open();
    return dialog;
}

bool MappingPage::save(const QString &note)
{
    if (!m_save->isEnabled() || note.trimmed().isEmpty())
        return false;
    const QByteArray document = m_draft->document();
    const QString actor = m_actor;
    auto version = std::make_shared<int>(0);
    setBusy(true);
    showMessage(tr("Saving…"));
    runStoreTask(this, m_databasePath, true, [document, actor, note, version](QSqlDatabase &db) -> Status {
        PB_TRY(v, saveDocument(db, actor, document, note.trimmed()));
        *version = v;
        return {};
    }, [this, version](const Status &status) {
        setBusy(false);
        if (!status) {
            const QString message = tr("Not saved: %1").arg(status.error().toString());
            showMessage(message, true);
            Q_EMIT saved(false, message);
            return;
        }
        const QString message = tr("Saved as v%1. It takes effect at the next sync.").arg(*version);
        showMessage(message);
        m_loaded = true;
        // The saved document is the active one now: start the draft over from it.
        m_draft->load(m_draft->document(), *version);
        reload();
        Q_EMIT saved(true, message);
    });
    return true;
}

bool MappingPage::rollback(int version, const QString &note)
{
    if (!m_canEdit || m_busy || note.trimmed().isEmpty())
        return false;
    const QString actor = m_actor;
    auto made = std::make_shared<int>(0);
    setBusy(true);
    showMessage(tr("Rolling back…"));
    runStoreTask(this, m_databasePath, true, [version, actor, note, made](QSqlDatabase &db) -> Status {
        PB_TRY(v, rollbackTo(db, actor, version, note.trimmed()));
        *made = v;
        return {};
    }, [this, version, made](const Status &status) {
        setBusy(false);
        if (!status) {
            const QString message = tr("Not rolled back: %1").arg(status.error().toString());
            showMessage(message, true);
            Q_EMIT rolledBack(false, message);
            return;
        }
        const QString message = tr("Rolled back: v%1 restores %2 and is active from the next sync.")
                                    .arg(*made)
                                    .arg(version == 0 ? tr("the default mapping") : tr("v%1").arg(version));
        showMessage(message);
        m_loaded = false; // the draft starts over from the restored version
        reload();
        Q_EMIT rolledBack(true, message);
    });
    return true;
}

bool MappingPage::importFile(const QString &path)
{
    if (!m_canEdit || m_busy)
        return false;
    auto bytes = std::make_shared<QByteArray>();
    runStoreTask(this, QString(), false, [path, bytes](QSqlDatabase &) -> Status {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return makeError(u"file.read"_s, path, f.errorString());
        if (f.size() > 1024 * 1024)
            return makeError(u"file.read"_s, path, u"larger than 1 MiB: not a mapping document"_s);
        *bytes = f.readAll();
        return {};
    }, [this, path, bytes](const Status &status) {
        if (!status) {
            const QString message = tr("Not imported: %1").arg(status.error().toString());
            showMessage(message, true);
            Q_EMIT fileDone(false, message);
            return;
        }
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(*bytes, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            const QString message = error.error != QJsonParseError::NoError
                ? tr("Not imported: %1 is not JSON (offset %2: %3).").arg(path).arg(error.offset).arg(error.errorString())
                : tr("Not imported: %1 is not a JSON object.").arg(path);
            showMessage(message, true);
            Q_EMIT fileDone(false, message);
            return;
        }
        m_draft->replaceAll(doc.object(), tr("Import %1").arg(QFileInfo(path).fileName()));
        const auto &valid = m_draft->validated();
        const QString message = valid
            ? tr("Imported %1 into the draft. Check the preview, then save it with a note.").arg(QFileInfo(path).fileName())
            : tr("Imported %1 into the draft, but it does not validate — %2. Fix it or undo the import.")
                  .arg(QFileInfo(path).fileName(), valid.error().toString());
        showMessage(message, !valid);
        Q_EMIT fileDone(bool(valid), message);
    });
    return true;
}

bool MappingPage::exportFile(const QString &path)
{
    if (!m_loaded)
        return false;
    const QByteArray document = m_draft->document();
    runStoreTask(this, QString(), false, [path, document](QSqlDatabase &) -> Status {
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(document) != document.size() || !f.commit())
            return makeError(u"file.write"_s, path, f.errorString());
        return {};
    }, [this, path](const Status &status) {
        const QString message = status ? tr("Exported the draft to %1.").arg(path)
                                       : tr("Not exported: %1").arg(status.error().toString());
        showMessage(message, !status);
        Q_EMIT fileDone(bool(status), message);
    });
    return true;
}

void MappingPage::runSuggestions()
{
    const auto active = activeProfile();
    if (!active)
        return;
    m_suggestionsRun = true;
    m_suggestions->run(*active);
}

void MappingPage::loadKnownAccounts()
{
    const QString key = m_profileName + u'|' + m_databasePath;
    if (m_knownFor == key || m_databasePath.isEmpty())
        return;
    m_knownFor = key;
    m_accounts->setKnownLoading();
    const QString profileName = m_profileName;
    const QString path = m_databasePath;
    const QString password = m_sync ? m_sync->config().secrets.value(u"odoo.password"_s) : QString();
    auto view = std::make_shared<KnownAccountsView>();
    runStoreTask(this, QString(), false, [profileName, path, password, view](QSqlDatabase &) -> Status {
        PB_TRY(v, knownAccounts(profileName, path, password));
        *view = v;
        return {};
    }, [this, view](const Status &status) {
        if (!status)
            m_accounts->setKnownAccounts({}, view->sink, status.error().message);
        else
            m_accounts->setKnownAccounts(view->accounts, view->sink, {}, view->unnamed);
    });
}

} // namespace pb::ui::studio
