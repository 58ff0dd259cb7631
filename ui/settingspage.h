#pragma once

#include "profile/profile.h"
#include "sync/connectiontest.h"

#include <QHash>
#include <QList>
#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTabWidget;

namespace pb::security {
class SecretStore;
}

namespace pb::ui {

class OperatorsEditor;
class ProfileEditor;

// Where the Settings page reads and writes.
struct SettingsContext
{
    QString profilesFile;      // empty: profile::ProfileStore::defaultFilePath()
    QString databasePath;      // the open profile's store: operators, limits, audit log
    QString currentProfile;    // the profile the window shows (cannot be removed from here)
    // The keychain (async API only). Null: the page makes its own CredentialStore.
    security::SecretStore *secrets = nullptr;
    QString account;           // the operator; empty: access::currentOsAccount()
};

// Settings (admin only): connection profiles with their options, credentials written to the
// keychain and never shown again, "Test connection", operators, roles and the support refund
// limit. Who may open it is decided in the core (access::Permissions, ManageConnections and
// ManageCredentials); anyone else sees why, and no controls are even created.
class SettingsPage : public QWidget
{
    Q_OBJECT

public:
    enum class Access { Checking, Allowed, Refused };
    Q_ENUM(Access)

    explicit SettingsPage(SettingsContext context, QWidget *parent = nullptr);
    ~SettingsPage() override;

    // Checks access (again) and re-reads profiles and operators. Runs by itself the first time
    // the page is shown, so a window whose settings nobody opens never touches them.
    void reload();

    Access access() const { return m_access; }
    QString refusalText() const;
    QString account() const { return m_account; }

    // Null unless access() == Allowed.
    QTabWidget *tabs() const { return m_tabs; }
    QListWidget *profileList() const { return m_profileList; }
    ProfileEditor *profileEditor() const { return m_editor; }
    OperatorsEditor *operatorsEditor() const { return m_operators; }
    QPushButton *newProfileButton() const { return m_newProfile; }
    QPushButton *saveProfileButton() const { return m_saveProfile; }
    QPushButton *removeProfileButton() const { return m_removeProfile; }
    QPushButton *storeSecretsButton() const { return m_storeSecrets; }
    QPushButton *testButton() const { return m_test; }
    QPushButton *cancelTestButton() const { return m_cancelTest; }
    QProgressBar *testBusy() const { return m_testBusy; }
    QLabel *testResultLabel() const { return m_testResult; }
    QLabel *statusLabel() const { return m_status; }
    QLineEdit *secretEdit(const QString &key) const { return m_secretEdits.value(key); }
    // "stored", "not set", "checking…" or why it is not known.
    QString secretStatus(const QString &key) const;
    const QList<profile::Profile> &profiles() const { return m_profiles; }
    bool isBusy() const { return m_busy > 0; }
    bool isTesting() const;

Q_SIGNALS:
    void accessDecided(pb::ui::SettingsPage::Access access);
    // Profiles were read or written; `message` says what happened (empty after a plain read).
    void profilesChanged(const QString &message);
    // Stored or failed secrets: each write's callback has run.
    void secretsSettled();
    void testFinished(const pb::sync::ConnectionTestResult &result);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void checkAccess();
    void showRefusal(const QString &why);
    void buildControls();
    QWidget *buildConnectionsTab();
    void loadProfiles(const QString &select, const QString &message);
    void selectProfile(int row);
    void newProfile();
    void saveProfile();
    void removeProfile();
    void updateSecretRows(const QString &auth);
    void refreshSecretStatus();
    void storeSecrets();
    void startTest();
    void onTestFinished(const pb::sync::ConnectionTestResult &result);
    void setStatus(const QString &text, bool error);
    void audit(const QString &action, const QString &objectType, const QString &objectId,
               const QString &before, const QString &after, const QString &detail);
    security::SecretStore *secrets();

    SettingsContext m_context;
    QString m_account;
    Access m_access = Access::Checking;
    bool m_checked = false;
    int m_busy = 0;
    QList<profile::Profile> m_profiles;
    quint64 m_secretGeneration = 0;
    QHash<QString, QString> m_secretStatus;
    QPointer<security::SecretStore> m_ownSecrets;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_checking = nullptr;
    QLabel *m_refusal = nullptr;
    QTabWidget *m_tabs = nullptr;
    QListWidget *m_profileList = nullptr;
    ProfileEditor *m_editor = nullptr;
    OperatorsEditor *m_operators = nullptr;
    QPushButton *m_newProfile = nullptr;
    QPushButton *m_saveProfile = nullptr;
    QPushButton *m_revertProfile = nullptr;
    QPushButton *m_removeProfile = nullptr;
    QHash<QString, QLineEdit *> m_secretEdits;
    QHash<QString, QLabel *> m_secretLabels;
    QHash<QString, QWidget *> m_secretRowLabels;
    QPushButton *m_storeSecrets = nullptr;
    QPushButton *m_test = nullptr;
    QPushButton *m_cancelTest = nullptr;
    QProgressBar *m_testBusy = nullptr;
    QLabel *m_testResult = nullptr;
    QLabel *m_status = nullptr;
    sync::ConnectionTester *m_tester = nullptr;
};

} // namespace pb::ui
