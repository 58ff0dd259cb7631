#include "settingspage.h"

#include "access/operatordirectory.h"
#include "access/permissions.h"
#include "operatorseditor.h"
#include "profile/profilestore.h"
#include "profileeditor.h"
#include "security/credentialstore.h"
#include "security/secretkeys.h"
#include "store/auditlog.h"
#include "storetask.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

QString profileJson(const profile::Profile &p)
{
    return QString::fromUtf8(QJsonDocument(profile::toJson(p)).toJson(QJsonDocument::Compact));
}

// The secrets each Magento authentication needs; PayTrace always needs both of its own.
QStringList secretKeysFor(const QString &auth)
{
    QStringList keys{u"paytrace.username"_s, u"paytrace.password"_s};
    if (auth == u"bearer")
        keys << u"magento.bearer_token"_s;
    else
        keys << u"magento.consumer_key"_s << u"magento.consumer_secret"_s << u"magento.access_token"_s
             << u"magento.access_token_secret"_s;
    return keys;
}

const QStringList &allSecretKeys()
{
    static const QStringList keys{u"paytrace.username"_s,      u"paytrace.password"_s,
                                  u"magento.consumer_key"_s,   u"magento.consumer_secret"_s,
                                  u"magento.access_token"_s,   u"magento.access_token_secret"_s,
                                  u"magento.bearer_token"_s};
    return keys;
}

QString secretLabel(const QString &key)
{
    if (key == u"paytrace.username") return SettingsPage::tr("PayTrace API &user:");
    if (key == u"paytrace.password") return SettingsPage::tr("PayTrace API pass&word:");
    if (key == u"magento.consumer_key") return SettingsPage::tr("Magento &consumer key:");
    if (key == u"magento.consumer_secret") return SettingsPage::tr("Magento consumer s&ecret:");
    if (key == u"magento.access_token") return SettingsPage::tr("Magento access &token:");
    if (key == u"magento.access_token_secret") return SettingsPage::tr("Magento access token secre&t:");
    if (key == u"magento.bearer_token") return SettingsPage::tr("Magento &bearer token:");
    return key;
}

// Decides, on a worker thread, whether `account` may manage connections and credentials.
// The profile's creator becomes the store's first admin when it has none (the same bootstrap
// the engine does at start-up), so a new store does not lock its creator out.
Status decideAccess(QSqlDatabase &db, const QString &profilesFile, const QString &profileName, const QString &account)
{
    if (!profileName.isEmpty()) {
        profile::ProfileStore store(profilesFile);
        if (store.load())
            if (const auto p = store.find(profileName); p && !p->createdBy.isEmpty())
                if (auto boot = access::OperatorDirectory(db).ensureBootstrapAdmin(p->createdBy); !boot)
                    return boot.error();
    }
    access::Permissions permissions(db);
    PB_TRY(op, permissions.operatorFor(account));
    if (Status s = permissions.check(op, access::Action::ManageConnections); !s)
        return s;
    return permissions.check(op, access::Action::ManageCredentials);
}

} // namespace

SettingsPage::SettingsPage(SettingsContext context, QWidget *parent)
    : QWidget(parent)
    , m_context(std::move(context))
{
    setObjectName(u"settingsPage"_s);
    setAccessibleName(tr("Settings"));
    if (m_context.profilesFile.isEmpty())
        m_context.profilesFile = profile::ProfileStore::defaultFilePath();
    m_account = m_context.account;
    if (m_account.isEmpty())
        m_account = access::currentOsAccount().valueOr(QString());

    m_stack = new QStackedWidget;
    m_checking = new QLabel(tr("Checking your role…"));
    m_checking->setAlignment(Qt::AlignCenter);
    m_refusal = new QLabel;
    m_refusal->setObjectName(u"settingsRefusal"_s);
    m_refusal->setAccessibleName(tr("Why the settings are not available"));
    m_refusal->setWordWrap(true);
    m_refusal->setAlignment(Qt::AlignCenter);
    m_refusal->setMargin(24);
    m_refusal->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_refusal->setFocusPolicy(Qt::StrongFocus);
    m_stack->addWidget(m_checking);
    m_stack->addWidget(m_refusal);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
}

void SettingsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_checked)
        checkAccess();
}

SettingsPage::~SettingsPage() = default;

security::SecretStore *SettingsPage::secrets()
{
    if (m_context.secrets)
        return m_context.secrets;
    if (!m_ownSecrets)
        m_ownSecrets = new security::CredentialStore(this);
    return m_ownSecrets;
}

void SettingsPage::reload()
{
    checkAccess();
}

QString SettingsPage::refusalText() const
{
    return m_access == Access::Refused ? m_refusal->text() : QString();
}

bool SettingsPage::isTesting() const
{
    return m_tester && m_tester->isRunning();
}

void SettingsPage::checkAccess()
{
    m_checked = true;
    if (m_account.isEmpty()) {
        showRefusal(tr("PayBridge cannot tell which account you are signed in as, so it cannot check your "
                       "role. Settings are for admins only."));
        return;
    }
    if (m_context.databasePath.isEmpty()) {
        showRefusal(tr("No profile store is open, so your role cannot be checked. Settings are for admins only."));
        return;
    }
    ++m_busy;
    const QString profilesFile = m_context.profilesFile, profileName = m_context.currentProfile, account = m_account;
    runStoreTask(this, m_context.databasePath, true, [=](QSqlDatabase &db) {
        return decideAccess(db, profilesFile, profileName, account);
    }, [this](const Status &s) {
        --m_busy;
        if (!s) {
            // The core's refusal names the operator, the role and what to do.
            showRefusal(s.error().code.startsWith(u"access."_s)
                            ? tr("You cannot open the settings: %1").arg(s.error().message)
                            : tr("Your role could not be checked: %1").arg(s.error().toString()));
            return;
        }
        m_access = Access::Allowed;
        buildControls();
        Q_EMIT accessDecided(m_access);
    });
}

void SettingsPage::showRefusal(const QString &why)
{
    m_access = Access::Refused;
    // Nothing stays behind that could change a setting.
    if (m_tabs) {
        m_stack->removeWidget(m_tabs);
        m_tabs->deleteLater();
        m_tabs = nullptr;
        m_profileList = nullptr;
        m_editor = nullptr;
        m_operators = nullptr;
    }
    m_refusal->setText(why + u"\n\n"_s
                       + tr("Connections, credentials, operators, roles and limits are managed by admins. "
                            "Ask an admin of this store to make the change, or to give your account (%1) "
                            "the admin role.").arg(m_account.isEmpty() ? tr("unknown") : m_account));
    m_stack->setCurrentWidget(m_refusal);
    Q_EMIT accessDecided(m_access);
}

void SettingsPage::buildControls()
{
    if (m_tabs)
        return;
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(u"settingsTabs"_s);
    m_tabs->setAccessibleName(tr("Settings sections"));
    m_tabs->addTab(buildConnectionsTab(), tr("&Connections"));
    m_operators = new OperatorsEditor(m_context.databasePath, m_account);
    m_tabs->addTab(m_operators, tr("&Operators and limits"));
    m_stack->addWidget(m_tabs);
    m_stack->setCurrentWidget(m_tabs);
    loadProfiles(m_context.currentProfile, {});
}

QWidget *SettingsPage::buildConnectionsTab()
{
    auto *tab = new QWidget;
    tab->setObjectName(u"connectionsTab"_s);

    m_profileList = new QListWidget;
    m_profileList->setObjectName(u"profileList"_s);
    m_profileList->setAccessibleName(tr("Connection profiles"));
    m_newProfile = new QPushButton(tr("&New profile"));
    m_newProfile->setObjectName(u"newProfile"_s);
    m_removeProfile = new QPushButton(tr("Remo&ve"));
    m_removeProfile->setObjectName(u"removeProfile"_s);
    m_removeProfile->setToolTip(tr("Remove the profile and its secrets from the keychain (its store file stays)"));
    auto *left = new QWidget;
    auto *ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(m_profileList, 1);
    auto *lb = new QHBoxLayout;
    lb->addWidget(m_newProfile);
    lb->addWidget(m_removeProfile);
    ll->addLayout(lb);

    m_editor = new ProfileEditor;
    m_saveProfile = new QPushButton(tr("&Save profile"));
    m_saveProfile->setObjectName(u"saveProfile"_s);
    m_saveProfile->setDefault(true);
    m_revertProfile = new QPushButton(tr("Re&vert"));
    m_revertProfile->setObjectName(u"revertProfile"_s);
    auto *profileBox = new QGroupBox(tr("Profile"));
    auto *pl = new QVBoxLayout(profileBox);
    pl->addWidget(m_editor);
    auto *pb = new QHBoxLayout;
    pb->addStretch(1);
    pb->addWidget(m_revertProfile);
    pb->addWidget(m_saveProfile);
    pl->addLayout(pb);

    // Secrets: typed masked, written to the keychain, never read back into a field.
    auto *secretsBox = new QGroupBox(tr("Credentials (kept in the OS keychain)"));
    auto *form = new QFormLayout;
    for (const QString &key : allSecretKeys()) {
        auto *edit = new QLineEdit;
        edit->setObjectName(u"secret.%1"_s.arg(key));
        edit->setEchoMode(QLineEdit::Password);
        edit->setAccessibleName(QString(secretLabel(key)).remove(u'&').remove(u':'));
        edit->setPlaceholderText(tr("type to replace"));
        edit->setAttribute(Qt::WA_InputMethodEnabled, false);
        auto *status = new QLabel(tr("not set"));
        status->setObjectName(u"secretStatus.%1"_s.arg(key));
        status->setMinimumWidth(80);
        auto *row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(status);
        auto *label = new QLabel(secretLabel(key));
        label->setBuddy(edit);
        form->addRow(label, row);
        m_secretEdits.insert(key, edit);
        m_secretLabels.insert(key, status);
        m_secretRowLabels.insert(key, label);
    }
    m_storeSecrets = new QPushButton(tr("Store &credentials"));
    m_storeSecrets->setObjectName(u"storeSecrets"_s);
    auto *sl = new QVBoxLayout(secretsBox);
    sl->addLayout(form);
    auto *note = new QLabel(tr("Stored secrets are never shown again; type a new value to replace one."));
    note->setEnabled(false);
    note->setWordWrap(true);
    sl->addWidget(note);
    auto *sb = new QHBoxLayout;
    sb->addStretch(1);
    sb->addWidget(m_storeSecrets);
    sl->addLayout(sb);

    // Test connection: a worker thread; busy indicator and cancel.
    auto *testBox = new QGroupBox(tr("Test connection"));
    m_test = new QPushButton(tr("&Test connection"));
    m_test->setObjectName(u"testConnection"_s);
    m_test->setToolTip(tr("Signs in to PayTrace and reads one order from Magento with the settings above "
                          "(typed secrets first, then the stored ones)"));
    m_cancelTest = new QPushButton(tr("Cancel tes&t"));
    m_cancelTest->setObjectName(u"cancelTest"_s);
    m_cancelTest->setEnabled(false);
    m_testBusy = new QProgressBar;
    m_testBusy->setObjectName(u"testBusy"_s);
    m_testBusy->setAccessibleName(tr("Testing the connection"));
    m_testBusy->setRange(0, 0);
    m_testBusy->setMaximumWidth(160);
    m_testBusy->setTextVisible(false);
    m_testBusy->hide();
    m_testResult = new QLabel;
    m_testResult->setObjectName(u"testResult"_s);
    m_testResult->setAccessibleName(tr("Connection test result"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *tl = new QVBoxLayout(testBox);
    auto *tb = new QHBoxLayout;
    tb->addWidget(m_test);
    tb->addWidget(m_cancelTest);
    tb->addWidget(m_testBusy);
    tb->addStretch(1);
    tl->addLayout(tb);
    tl->addWidget(m_testResult);

    m_status = new QLabel;
    m_status->setObjectName(u"settingsStatus"_s);
    m_status->setWordWrap(true);

    auto *right = new QWidget;
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addWidget(profileBox);
    rl->addWidget(secretsBox);
    rl->addWidget(testBox);
    rl->addWidget(m_status);
    rl->addStretch(1);

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({200, 700});
    splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(splitter);

    m_tester = new sync::ConnectionTester(this);
    connect(m_tester, &sync::ConnectionTester::finished, this, &SettingsPage::onTestFinished);
    connect(m_profileList, &QListWidget::currentRowChanged, this, &SettingsPage::selectProfile);
    connect(m_newProfile, &QPushButton::clicked, this, &SettingsPage::newProfile);
    connect(m_saveProfile, &QPushButton::clicked, this, &SettingsPage::saveProfile);
    connect(m_revertProfile, &QPushButton::clicked, this, [this] { selectProfile(m_profileList->currentRow()); });
    connect(m_removeProfile, &QPushButton::clicked, this, &SettingsPage::removeProfile);
    connect(m_storeSecrets, &QPushButton::clicked, this, &SettingsPage::storeSecrets);
    connect(m_test, &QPushButton::clicked, this, &SettingsPage::startTest);
    connect(m_cancelTest, &QPushButton::clicked, this, [this] {
        if (m_tester->isRunning()) {
            m_tester->cancel(); // finishes at once with "cancelled"
            return;
        }
        // Still reading the stored secrets: nothing was sent yet.
        sync::ConnectionTestResult cancelled;
        cancelled.cancelled = true;
        onTestFinished(cancelled);
        m_testResult->setText(tr("The test was cancelled before anything was sent."));
    });
    connect(m_editor, &ProfileEditor::magentoAuthChanged, this, &SettingsPage::updateSecretRows);
    updateSecretRows(m_editor->profile().magentoAuth);

    // Tab order follows the reading order: list, its buttons, the form, secrets, test.
    QWidget *chain[] = {m_profileList, m_newProfile, m_removeProfile, m_editor->nameEdit()};
    for (int i = 0; i + 1 < int(std::size(chain)); ++i)
        setTabOrder(chain[i], chain[i + 1]);
    setTabOrder(m_editor->inDoubtSettleBox(), m_revertProfile);
    setTabOrder(m_revertProfile, m_saveProfile);
    QWidget *previous = m_saveProfile;
    for (const QString &key : allSecretKeys()) {
        setTabOrder(previous, m_secretEdits.value(key));
        previous = m_secretEdits.value(key);
    }
    setTabOrder(previous, m_storeSecrets);
    setTabOrder(m_storeSecrets, m_test);
    setTabOrder(m_test, m_cancelTest);
    return tab;
}

void SettingsPage::setStatus(const QString &text, bool error)
{
    if (!m_status)
        return;
    m_status->setText(text);
    m_status->setStyleSheet(error ? u"color: #b3261e;"_s : QString());
}

void SettingsPage::loadProfiles(const QString &select, const QString &message)
{
    ++m_busy;
    auto list = std::make_shared<QList<profile::Profile>>();
    const QString file = m_context.profilesFile;
    runStoreTask(this, {}, false, [file, list](QSqlDatabase &) -> Status {
        profile::ProfileStore store(file);
        if (Status s = store.load(); !s)
            return s;
        *list = store.list();
        return {};
    }, [this, list, select, message](const Status &s) {
        --m_busy;
        if (!m_profileList)
            return;
        if (!s) {
            setStatus(tr("The profiles file could not be read: %1").arg(s.error().toString()), true);
            Q_EMIT profilesChanged({});
            return;
        }
        m_profiles = *list;
        {
            const QSignalBlocker block(m_profileList);
            m_profileList->clear();
            for (const auto &p : std::as_const(m_profiles))
                m_profileList->addItem(p.name == m_context.currentProfile ? tr("%1 (open)").arg(p.name) : p.name);
        }
        int row = 0;
        for (int i = 0; i < m_profiles.size(); ++i)
            if (m_profiles[i].name == select)
                row = i;
        if (m_profiles.isEmpty())
            newProfile();
        else {
            m_profileList->setCurrentRow(row);
            selectProfile(row);
        }
        if (!message.isEmpty())
            setStatus(message, false);
        Q_EMIT profilesChanged(message);
    });
}

void SettingsPage::selectProfile(int row)
{
    if (row < 0 || row >= m_profiles.size())
        return;
    m_editor->setProfile(m_profiles[row], false);
    m_removeProfile->setEnabled(m_profiles[row].name != m_context.currentProfile);
    for (QLineEdit *e : std::as_const(m_secretEdits))
        e->clear();
    m_testResult->clear();
    refreshSecretStatus();
}

void SettingsPage::newProfile()
{
    profile::Profile p;
    m_editor->setProfile(p, true);
    {
        const QSignalBlocker block(m_profileList);
        m_profileList->setCurrentRow(-1);
    }
    m_removeProfile->setEnabled(false);
    for (QLineEdit *e : std::as_const(m_secretEdits))
        e->clear();
    m_testResult->clear();
    refreshSecretStatus();
    m_editor->nameEdit()->setFocus();
}

void SettingsPage::saveProfile()
{
    if (!m_editor->validate())
        return;
    const profile::Profile p = m_editor->profile();
    const bool isNew = m_editor->isNew();
    const QString file = m_context.profilesFile, actor = m_account;
    auto before = std::make_shared<QString>();
    auto after = std::make_shared<QString>();
    ++m_busy;
    m_saveProfile->setEnabled(false);
    // Checked again in the worker (the role may have changed since the page opened); the audit
    // entry is written once the profiles file has been replaced atomically.
    runStoreTask(this, m_context.databasePath, true, [=](QSqlDatabase &db) -> Status {
        access::Permissions permissions(db);
        PB_TRY(op, permissions.operatorFor(actor));
        if (Status s = permissions.check(op, access::Action::ManageConnections); !s)
            return s;
        profile::ProfileStore store(file);
        if (Status s = store.load(); !s)
            return s;
        profile::Profile toSave = p;
        if (isNew) {
            toSave.createdBy = actor;
            if (Status s = store.add(toSave); !s)
                return s;
        } else {
            if (const auto old = store.find(p.name))
                *before = profileJson(*old);
            if (Status s = store.update(toSave); !s)
                return s;
        }
        if (const auto saved = store.find(p.name))
            *after = profileJson(*saved);
        store::AuditLog log(db);
        auto entry = log.append(actor, isNew ? u"profile.add"_s : u"profile.update"_s, u"profile"_s, p.name,
                                *before, *after, {});
        if (!entry)
            return entry.error();
        return {};
    }, [this, p, isNew](const Status &s) {
        --m_busy;
        if (!m_saveProfile)
            return;
        m_saveProfile->setEnabled(true);
        if (!s) {
            if (s.error().code.startsWith(u"profile."_s) && !s.error().field.isEmpty())
                m_editor->showError(s.error());
            else if (s.error().code == u"profile.duplicate")
                m_editor->showError(Error{s.error().code, u"name"_s, s.error().message});
            else
                setStatus(tr("The profile was not saved: %1").arg(s.error().toString()), true);
            Q_EMIT profilesChanged({});
            return;
        }
        loadProfiles(p.name, isNew ? tr("Profile %1 was added.").arg(p.name) : tr("Profile %1 was saved.").arg(p.name));
    });
}

void SettingsPage::removeProfile()
{
    const int row = m_profileList->currentRow();
    if (row < 0 || row >= m_profiles.size())
        return;
    const profile::Profile p = m_profiles[row];
    if (p.name == m_context.currentProfile) {
        setStatus(tr("Profile %1 is open in this window and cannot be removed here.").arg(p.name), true);
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Remove profile"),
                                tr("Remove profile %1 and its secrets from the keychain? Its store file stays on "
                                   "disk.").arg(p.name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(u"confirmRemoveProfile"_s);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, p](int result) {
        if (result != QMessageBox::Yes)
            return;
        const QString file = m_context.profilesFile, actor = m_account;
        ++m_busy;
        runStoreTask(this, m_context.databasePath, true, [=](QSqlDatabase &db) -> Status {
            access::Permissions permissions(db);
            PB_TRY(op, permissions.operatorFor(actor));
            if (Status s = permissions.check(op, access::Action::ManageConnections); !s)
                return s;
            profile::ProfileStore store(file);
            if (Status s = store.load(); !s)
                return s;
            if (Status s = store.remove(p.name); !s)
                return s;
            auto entry = store::AuditLog(db).append(actor, u"profile.remove"_s, u"profile"_s, p.name, profileJson(p),
                                                    {}, {});
            return entry ? Status() : Status(entry.error());
        }, [this, p](const Status &s) {
            --m_busy;
            if (!s) {
                setStatus(tr("Profile %1 was not removed: %2").arg(p.name, s.error().toString()), true);
                return;
            }
            for (const QString &key : allSecretKeys())
                secrets()->remove(p.name, key, this, [](const Status &) {});
            loadProfiles(m_context.currentProfile, tr("Profile %1 was removed.").arg(p.name));
        });
    });
    box->open();
}

void SettingsPage::updateSecretRows(const QString &auth)
{
    const QStringList needed = secretKeysFor(auth);
    for (const QString &key : allSecretKeys()) {
        const bool show = needed.contains(key);
        m_secretEdits.value(key)->setVisible(show);
        m_secretLabels.value(key)->setVisible(show);
        m_secretRowLabels.value(key)->setVisible(show);
    }
}

QString SettingsPage::secretStatus(const QString &key) const
{
    return m_secretStatus.value(key);
}

void SettingsPage::refreshSecretStatus()
{
    const QString name = m_editor->isNew() ? QString() : m_editor->profile().name;
    const quint64 generation = ++m_secretGeneration;
    for (const QString &key : allSecretKeys()) {
        QLabel *label = m_secretLabels.value(key);
        if (name.isEmpty()) {
            m_secretStatus[key] = tr("not set");
            label->setText(m_secretStatus[key]);
            continue;
        }
        m_secretStatus[key] = tr("checking…");
        label->setText(m_secretStatus[key]);
        secrets()->read(name, key, this, [this, key, generation](Result<QString> value) {
            if (generation != m_secretGeneration)
                return;
            // Only whether it exists matters here; the value is dropped at once.
            QString text;
            if (value.ok())
                text = value.value().isEmpty() ? tr("not set") : tr("stored");
            else if (value.error().code == u"keychain.not_found")
                text = tr("not set");
            else
                text = tr("unknown (%1)").arg(value.error().message);
            m_secretStatus[key] = text;
            if (QLabel *l = m_secretLabels.value(key))
                l->setText(text);
        });
    }
}

void SettingsPage::storeSecrets()
{
    if (m_editor->isNew()) {
        setStatus(tr("Save the profile first: its secrets are stored under its name."), true);
        return;
    }
    const QString name = m_editor->profile().name;
    QList<std::pair<QString, QString>> toWrite;
    for (const QString &key : allSecretKeys()) {
        QLineEdit *edit = m_secretEdits.value(key);
        if (!edit->text().isEmpty())
            toWrite.append({key, edit->text()});
        edit->clear(); // the only copy left is the one on its way to the keychain
    }
    if (toWrite.isEmpty()) {
        setStatus(tr("Type the secrets to store first."), true);
        return;
    }
    auto pending = std::make_shared<int>(int(toWrite.size()));
    auto failures = std::make_shared<QStringList>();
    auto stored = std::make_shared<QStringList>();
    m_storeSecrets->setEnabled(false);
    for (const auto &[key, value] : toWrite) {
        m_secretStatus[key] = tr("storing…");
        m_secretLabels.value(key)->setText(m_secretStatus[key]);
        secrets()->write(name, key, value, this, [this, key, name, pending, failures, stored](const Status &s) {
            m_secretStatus[key] = s ? tr("stored") : tr("not stored");
            if (QLabel *l = m_secretLabels.value(key))
                l->setText(m_secretStatus[key]);
            if (s)
                stored->append(key);
            else
                failures->append(tr("%1: %2").arg(key, s.error().message));
            if (--*pending > 0)
                return;
            m_storeSecrets->setEnabled(true);
            if (!stored->isEmpty())
                audit(u"credentials.set"_s, u"profile"_s, name, {}, {},
                      u"secrets replaced: %1"_s.arg(stored->join(u", "_s)));
            if (failures->isEmpty())
                setStatus(tr("Stored in the keychain: %1.").arg(stored->join(u", "_s)), false);
            else
                setStatus(tr("Not stored: %1").arg(failures->join(u"; "_s)), true);
            Q_EMIT secretsSettled();
        });
    }
}

void SettingsPage::audit(const QString &action, const QString &objectType, const QString &objectId,
                         const QString &before, const QString &after, const QString &detail)
{
    const QString actor = m_account;
    ++m_busy;
    runStoreTask(this, m_context.databasePath, true, [=](QSqlDatabase &db) -> Status {
        auto entry = store::AuditLog(db).append(actor, action, objectType, objectId, before, after, detail);
        return entry ? Status() : Status(entry.error());
    }, [this](const Status &s) {
        --m_busy;
        if (!s)
            setStatus(tr("The change was made but could not be written to the audit log: %1")
                          .arg(s.error().toString()), true);
    });
}

void SettingsPage::startTest()
{
    if (!m_editor->validate())
        return;
    const profile::Profile p = m_editor->profile();
    sync::SyncConfig config;
    config.profileName = p.name;
    config.paytraceUrl = p.paytraceUrl;
    config.magentoUrl = p.magentoUrl;
    config.magentoAuth = p.magentoAuth;
    config.magentoSignature = p.magentoSignature;
    config.paytraceIntegratorId = p.paytraceIntegratorId;
    config.historyDays = p.historyDays;
    config.requestTimeoutMs = p.requestTimeoutSeconds * 1000;
    config.inDoubtSettleMs = p.inDoubtSettleSeconds * 1000;
    config.pinnedCertSha256Paytrace = p.pinnedCertSha256Paytrace;
    config.pinnedCertSha256Magento = p.pinnedCertSha256Magento;

    m_test->setEnabled(false);
    m_cancelTest->setEnabled(true);
    m_testBusy->show();
    m_testResult->setText(tr("Testing…"));

    // Typed secrets win; the rest come from the keychain (asynchronously) before the test starts.
    auto shared = std::make_shared<sync::SyncConfig>(config);
    QStringList fromKeychain;
    for (const QString &key : secretKeysFor(p.magentoAuth)) {
        const QString typed = m_secretEdits.value(key)->text();
        if (!typed.isEmpty())
            shared->secrets.insert(key, typed);
        else if (!m_editor->isNew())
            fromKeychain << key;
    }
    auto pending = std::make_shared<int>(int(fromKeychain.size()));
    const auto launch = [this, shared] {
        if (m_cancelTest->isEnabled())
            m_tester->start(*shared);
    };
    if (fromKeychain.isEmpty()) {
        launch();
        return;
    }
    for (const QString &key : std::as_const(fromKeychain)) {
        secrets()->read(p.name, key, this, [key, shared, pending, launch](Result<QString> value) {
            if (value.ok())
                shared->secrets.insert(key, value.value());
            if (--*pending == 0)
                launch(); // unless cancelled meanwhile
        });
    }
}

void SettingsPage::onTestFinished(const sync::ConnectionTestResult &result)
{
    m_test->setEnabled(true);
    m_cancelTest->setEnabled(false);
    m_testBusy->hide();
    QStringList lines;
    for (const auto &c : result.checks) {
        const QString mark = c.ok() ? u"✔"_s : c.verdict == sync::ConnectionCheck::Verdict::Cancelled ? u"–"_s : u"✖"_s;
        lines << u"%1 %2"_s.arg(mark, c.message.toHtmlEscaped());
    }
    m_testResult->setTextFormat(Qt::RichText);
    m_testResult->setText(lines.join(u"<br>"_s));
    Q_EMIT testFinished(result);
}

} // namespace pb::ui
