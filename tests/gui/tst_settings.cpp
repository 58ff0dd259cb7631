// The Settings page: who may open it (decided in the core), profile validation naming the field,
// audited profile changes, operators and the support refund limit, credentials written to the
// real keychain and never shown again, and "Test connection" against the sandbox over real HTTP.
// Runs inside tests/with-session (a private D-Bus session with an unlocked keyring).

#include "access/limitstore.h"
#include "access/operatordirectory.h"
#include "operatorseditor.h"
#include "profile/profilestore.h"
#include "profileeditor.h"
#include "sandbox.h"
#include "security/credentialstore.h"
#include "settingspage.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "testsupport.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlError>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using pb::ui::SettingsPage;

namespace {

const QString kAdmin = u"ada"_s;
const QString kSupport = u"sam"_s;

struct AuditRow
{
    QString actor, action, objectId, before, after, detail;
};

} // namespace

class TestSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void supportOperatorSeesNoControls();
    void unknownAccountIsRefused();
    void profileValidationNamesTheField();
    void profileAddEditAndRemoveAreAudited();
    void operatorsRolesAndLimit();
    void credentialsAndTestConnection();

private:
    std::unique_ptr<SettingsPage> openPage(const QString &account);
    QList<AuditRow> audit(const QString &actionPrefix);
    void type(QLineEdit *edit, const QString &text);

    pb::test::IsolatedHome m_home;
    QTemporaryDir m_dir;
    QString m_store;
    QString m_profiles;
    std::unique_ptr<pb::security::CredentialStore> m_keychain;
    QString m_secretProfile; // keychain entries to remove at the end
};

void TestSettings::initTestCase()
{
    QVERIFY(m_home.isValid());
    QVERIFY(m_dir.isValid());
    m_keychain = std::make_unique<pb::security::CredentialStore>();
}

void TestSettings::cleanupTestCase()
{
    if (!m_secretProfile.isEmpty()) {
        int pending = 0;
        for (const QString &key : pb::security::validSecretKeys()) {
            ++pending;
            m_keychain->remove(m_secretProfile, key, this, [&pending](const pb::Status &) { --pending; });
        }
        QTRY_COMPARE_WITH_TIMEOUT(pending, 0, 15000);
    }
}

void TestSettings::init()
{
    // A fresh store and profiles file per test: ada is the admin, sam is support.
    static int n = 0;
    ++n;
    m_store = m_dir.filePath(u"store%1.sqlite"_s.arg(n));
    m_profiles = m_dir.filePath(u"profiles%1.json"_s.arg(n));
    const QString name = u"tst_settings.setup"_s;
    {
        auto db = pb::store::Database::openWriter(m_store, name);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
        pb::access::OperatorDirectory dir(db.value());
        auto boot = dir.ensureBootstrapAdmin(kAdmin);
        QVERIFY(boot.ok() && boot.value());
        QVERIFY(dir.assignRole(kAdmin, kSupport, pb::access::Role::Support).ok());
    }
    pb::store::Database::close(name);
}

std::unique_ptr<SettingsPage> TestSettings::openPage(const QString &account)
{
    pb::ui::SettingsContext context;
    context.profilesFile = m_profiles;
    context.databasePath = m_store;
    context.currentProfile = u"Open"_s;
    context.secrets = m_keychain.get();
    context.account = account;
    auto page = std::make_unique<SettingsPage>(context);
    page->resize(1000, 800);
    page->show();
    return page;
}

QList<AuditRow> TestSettings::audit(const QString &actionPrefix)
{
    QList<AuditRow> rows;
    const QString name = u"tst_settings.audit"_s;
    {
        auto db = pb::store::Database::openReader(m_store, name);
        if (!db)
            return rows;
        QSqlQuery q(db.value());
        q.prepare(u"SELECT actor, action, object_id, before_json, after_json, detail FROM audit_log"
                  " WHERE action LIKE ? ORDER BY id"_s);
        q.addBindValue(QString(actionPrefix + u'%'));
        q.exec();
        while (q.next())
            rows << AuditRow{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                             q.value(3).toString(), q.value(4).toString(), q.value(5).toString()};
    }
    pb::store::Database::close(name);
    return rows;
}

void TestSettings::type(QLineEdit *edit, const QString &text)
{
    edit->clear();
    QTest::keyClicks(edit, text);
}

void TestSettings::supportOperatorSeesNoControls()
{
    auto page = openPage(kSupport);
    QSignalSpy decided(page.get(), &SettingsPage::accessDecided);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Refused);
    const QString why = page->refusalText();
    QVERIFY2(why.startsWith(u"You cannot open the settings: "_s), qPrintable(why));
    QVERIFY2(why.contains(u"sam"_s), qPrintable(why));
    QVERIFY2(why.contains(u"admin"_s), qPrintable(why));
    // No control that could change anything exists at all.
    QVERIFY(!page->tabs());
    QVERIFY(page->findChildren<QLineEdit *>().isEmpty());
    QVERIFY(page->findChildren<QAbstractButton *>().isEmpty());
    QVERIFY(page->findChildren<QTableWidget *>().isEmpty());
    QVERIFY(page->findChild<QLabel *>(u"settingsRefusal"_s)->isVisible());
}

void TestSettings::unknownAccountIsRefused()
{
    auto page = openPage(u"mallory"_s);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Refused);
    QVERIFY2(page->refusalText().contains(u"mallory"_s), qPrintable(page->refusalText()));
    QVERIFY(page->findChildren<QLineEdit *>().isEmpty());
}

void TestSettings::profileValidationNamesTheField()
{
    auto page = openPage(kAdmin);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Allowed);
    QTRY_VERIFY(!page->isBusy());
    pb::ui::ProfileEditor *editor = page->profileEditor();
    QVERIFY(editor);
    QVERIFY(editor->isNew()); // no profiles yet: a new one is ready to fill in
    QVERIFY(!editor->nameEdit()->isReadOnly());

    const auto save = [&] { QTest::mouseClick(page->saveProfileButton(), Qt::LeftButton); };
    type(editor->nameEdit(), u"Bad name!"_s);
    save();
    QVERIFY2(editor->errorText().startsWith(u"Name: "_s), qPrintable(editor->errorText()));
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(editor->nameEdit()));

    type(editor->nameEdit(), u"Prod"_s);
    type(editor->paytraceUrlEdit(), u"ftp://api.paytrace.com"_s);
    save();
    QCOMPARE(editor->errorText(), u"PayTrace URL: not an http(s) URL"_s);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(editor->paytraceUrlEdit()));

    type(editor->paytraceUrlEdit(), u"http://api.paytrace.com"_s);
    save();
    QVERIFY2(editor->errorText().startsWith(u"PayTrace URL: plain http is allowed only for loopback"_s),
             qPrintable(editor->errorText()));

    type(editor->paytraceUrlEdit(), u"https://api.paytrace.com"_s);
    save();
    QCOMPARE(editor->errorText(), u"Magento URL: required"_s);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(editor->magentoUrlEdit()));

    type(editor->magentoUrlEdit(), u"https://user:pw@shop.example.com"_s);
    save();
    QVERIFY2(editor->errorText().startsWith(u"Magento URL: must not contain a user name or password"_s),
             qPrintable(editor->errorText()));

    // The timing settings: their defaults, their ranges, and the settle time held to twice the
    // request timeout (the field is marked and focused, the message says why).
    type(editor->magentoUrlEdit(), u"https://shop.example.com"_s);
    QCOMPARE(editor->requestTimeoutBox()->value(), 60);
    QCOMPARE(editor->inDoubtSettleBox()->value(), 120);
    QCOMPARE(editor->requestTimeoutBox()->minimum(), 5);
    QCOMPARE(editor->requestTimeoutBox()->maximum(), 600);
    QCOMPARE(editor->inDoubtSettleBox()->minimum(), 10);
    QCOMPARE(editor->inDoubtSettleBox()->maximum(), 86400);
    QCOMPARE(editor->requestTimeoutBox()->accessibleName(), u"Request timeout"_s);
    QCOMPARE(editor->inDoubtSettleBox()->accessibleName(), u"In-doubt settle time"_s);
    QVERIFY(!editor->requestTimeoutBox()->toolTip().isEmpty());
    QVERIFY(!editor->inDoubtSettleBox()->toolTip().isEmpty());
    editor->requestTimeoutBox()->setValue(90);
    save();
    QVERIFY2(editor->errorText().startsWith(u"In-doubt settle time: must be at least twice the request timeout (180 s for 90 s)"_s),
             qPrintable(editor->errorText()));
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(editor->inDoubtSettleBox()));
    editor->inDoubtSettleBox()->setValue(180);

    // Nothing invalid reached the file.
    QVERIFY(!QFile::exists(m_profiles));
    QVERIFY(audit(u"profile."_s).isEmpty());

    // Valid now: saved.
    QSignalSpy changed(page.get(), &SettingsPage::profilesChanged);
    save();
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.at(0).at(0).toString(), u"Profile Prod was added."_s);
    QVERIFY(editor->errorText().isEmpty());
    {
        pb::profile::ProfileStore saved(m_profiles);
        QVERIFY(saved.load());
        QCOMPARE(saved.find(u"Prod"_s)->requestTimeoutSeconds, 90);
        QCOMPARE(saved.find(u"Prod"_s)->inDoubtSettleSeconds, 180);
    }

    // A second profile with the same name is refused by the store, naming the field.
    QTest::mouseClick(page->newProfileButton(), Qt::LeftButton);
    type(editor->nameEdit(), u"Prod"_s);
    type(editor->paytraceUrlEdit(), u"https://api.paytrace.com"_s);
    type(editor->magentoUrlEdit(), u"https://qa.example.com"_s);
    changed.clear();
    save();
    QVERIFY(changed.wait(10000));
    QVERIFY2(editor->errorText().startsWith(u"Name: "_s), qPrintable(editor->errorText()));
    pb::profile::ProfileStore store(m_profiles);
    QVERIFY(store.load());
    QCOMPARE(store.list().size(), 1);
    QCOMPARE(store.list().at(0).magentoUrl, u"https://shop.example.com"_s);
}

void TestSettings::profileAddEditAndRemoveAreAudited()
{
    {
        pb::profile::ProfileStore store(m_profiles);
        QVERIFY(store.load());
        pb::profile::Profile open;
        open.name = u"Open"_s;
        open.paytraceUrl = u"https://api.paytrace.com"_s;
        open.magentoUrl = u"https://shop.example.com"_s;
        QVERIFY(store.add(open));
    }
    auto page = openPage(kAdmin);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Allowed);
    QTRY_COMPARE(page->profileList()->count(), 1);
    QCOMPARE(page->profileList()->item(0)->text(), u"Open (open)"_s);
    QVERIFY(!page->removeProfileButton()->isEnabled()); // the window's own profile stays
    pb::ui::ProfileEditor *editor = page->profileEditor();
    QVERIFY(editor->nameEdit()->isReadOnly());

    // Add QA.
    QTest::mouseClick(page->newProfileButton(), Qt::LeftButton);
    type(editor->nameEdit(), u"QA"_s);
    type(editor->paytraceUrlEdit(), u"https://api.paytrace.com"_s);
    type(editor->magentoUrlEdit(), u"https://qa.example.com"_s);
    editor->magentoAuthBox()->setCurrentIndex(editor->magentoAuthBox()->findData(u"bearer"_s));
    QVERIFY(!editor->magentoSignatureBox()->isEnabled());
    QSignalSpy changed(page.get(), &SettingsPage::profilesChanged);
    QTest::mouseClick(page->saveProfileButton(), Qt::LeftButton);
    QVERIFY(changed.wait(10000));
    QTRY_COMPARE(page->profileList()->count(), 2);
    QCOMPARE(page->profileList()->currentItem()->text(), u"QA"_s);

    // Edit it: history and schedule.
    editor->historyDaysBox()->setValue(90);
    editor->syncIntervalBox()->setValue(600);
    changed.clear();
    QTest::mouseClick(page->saveProfileButton(), Qt::LeftButton);
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.at(0).at(0).toString(), u"Profile QA was saved."_s);
    pb::profile::ProfileStore store(m_profiles);
    QVERIFY(store.load());
    const auto qa = store.find(u"QA"_s);
    QVERIFY(qa);
    QCOMPARE(qa->historyDays, 90);
    QCOMPARE(qa->syncIntervalSeconds, 600);
    QCOMPARE(qa->magentoAuth, u"bearer"_s);
    QCOMPARE(qa->createdBy, kAdmin);

    // Remove it, after confirming.
    QVERIFY(page->removeProfileButton()->isEnabled());
    QTest::mouseClick(page->removeProfileButton(), Qt::LeftButton);
    auto *confirm = page->findChild<QMessageBox *>(u"confirmRemoveProfile"_s);
    QVERIFY(confirm);
    changed.clear();
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.at(0).at(0).toString(), u"Profile QA was removed."_s);
    QVERIFY(store.load());
    QCOMPARE(store.list().size(), 1);

    const auto rows = audit(u"profile."_s);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].action, u"profile.add"_s);
    QCOMPARE(rows[0].actor, kAdmin);
    QCOMPARE(rows[0].objectId, u"QA"_s);
    QVERIFY(rows[0].before.isEmpty());
    QCOMPARE(QJsonDocument::fromJson(rows[0].after.toUtf8()).object().value(u"magentoUrl"_s).toString(),
             u"https://qa.example.com"_s);
    QCOMPARE(rows[1].action, u"profile.update"_s);
    QCOMPARE(QJsonDocument::fromJson(rows[1].before.toUtf8()).object().value(u"historyDays"_s).toInt(), 30);
    QCOMPARE(QJsonDocument::fromJson(rows[1].after.toUtf8()).object().value(u"historyDays"_s).toInt(), 90);
    QCOMPARE(rows[2].action, u"profile.remove"_s);
    QVERIFY(rows[2].after.isEmpty());
}

void TestSettings::operatorsRolesAndLimit()
{
    auto page = openPage(kAdmin);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Allowed);
    pb::ui::OperatorsEditor *ops = page->operatorsEditor();
    QVERIFY(ops);
    QTRY_COMPARE(ops->table()->rowCount(), 2);
    QTRY_VERIFY(!ops->isBusy());
    QCOMPARE(ops->table()->item(0, pb::ui::OperatorsEditor::Account)->text(), kAdmin);
    QCOMPARE(ops->table()->item(1, pb::ui::OperatorsEditor::Support)->checkState(), Qt::Checked);

    // Add fin and give them the finance role.
    QSignalSpy settled(ops, &pb::ui::OperatorsEditor::settled);
    type(ops->accountEdit(), u"fin"_s);
    type(ops->displayNameEdit(), u"Finn Ance"_s);
    QTest::mouseClick(ops->addButton(), Qt::LeftButton);
    QTRY_COMPARE(ops->table()->rowCount(), 3);
    QVERIFY2(ops->messageText().startsWith(u"fin was added"_s), qPrintable(ops->messageText()));
    int finRow = -1;
    for (int r = 0; r < ops->table()->rowCount(); ++r)
        if (ops->table()->item(r, 0)->text() == u"fin")
            finRow = r;
    QVERIFY(finRow >= 0);
    ops->table()->item(finRow, pb::ui::OperatorsEditor::Finance)->setCheckState(Qt::Checked);
    QTRY_COMPARE(ops->messageText(), u"fin now has the finance role."_s);
    QTRY_VERIFY(!ops->isBusy());
    bool finance = false;
    for (const auto &op : ops->operators())
        if (op.account == u"fin")
            finance = op.has(pb::access::Role::Finance);
    QVERIFY(finance);

    // The last admin cannot drop their own admin role: the core refuses and says why.
    ops->table()->item(0, pb::ui::OperatorsEditor::Admin)->setCheckState(Qt::Unchecked);
    QTRY_VERIFY(ops->messageText().startsWith(u"Not changed: "_s));
    QTRY_VERIFY(!ops->isBusy());
    QCOMPARE(ops->table()->item(0, pb::ui::OperatorsEditor::Admin)->checkState(), Qt::Checked);

    // The support refund limit: validated, then set.
    type(ops->limitEdit(), u"12.345"_s);
    QTest::mouseClick(ops->setLimitButton(), Qt::LeftButton);
    QVERIFY2(ops->messageText().startsWith(u"Support refund limit amount: "_s), qPrintable(ops->messageText()));
    type(ops->limitEdit(), u"150.00"_s);
    ops->limitCurrencyBox()->setCurrentText(u"USD"_s);
    QTest::mouseClick(ops->setLimitButton(), Qt::LeftButton);
    QTRY_COMPARE(ops->messageText(), u"Support refund limit set to USD 150.00."_s);
    QTRY_VERIFY(!ops->isBusy());
    QVERIFY(ops->limits().supportRefundLimit.has_value());
    QCOMPARE(ops->limits().supportRefundLimit->minor(), qint64(15000));

    // The access classes audited every change, by ada.
    QStringList actions;
    for (const auto &row : audit(QString())) {
        if (row.actor == kAdmin)
            actions << row.action;
    }
    QVERIFY2(actions.size() >= 3, qPrintable(actions.join(u", "_s)));
}

void TestSettings::credentialsAndTestConnection()
{
    pb::sandbox::SandboxOptions options;
    options.orders = 5;
    pb::sandbox::SandboxThread sandbox(options);
    QString error;
    QVERIFY2(sandbox.start(&error), qPrintable(error));
    // A name of its own in the keychain, so parallel or earlier runs never collide.
    m_secretProfile = u"TstSettings%1"_s.arg(QRandomGenerator::global()->generate() % 1000000);
    {
        pb::profile::ProfileStore store(m_profiles);
        QVERIFY(store.load());
        pb::profile::Profile p;
        p.name = m_secretProfile;
        p.paytraceUrl = sandbox.sandbox()->paytraceUrl().toString();
        p.magentoUrl = sandbox.sandbox()->magentoUrl().toString();
        QVERIFY(store.add(p));
    }
    auto page = openPage(kAdmin);
    QTRY_COMPARE(page->access(), SettingsPage::Access::Allowed);
    QTRY_COMPARE(page->profileList()->count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(page->secretStatus(u"paytrace.password"_s), u"not set"_s, 15000);

    // Typed masked, written to the keychain, cleared, and shown only as "stored".
    QMap<QString, QString> creds;
    for (const auto &[key, value] : sandbox.sandbox()->credentials())
        creds.insert(key, value);
    for (const QString &key : {u"paytrace.username"_s, u"paytrace.password"_s, u"magento.consumer_key"_s,
                               u"magento.consumer_secret"_s, u"magento.access_token"_s,
                               u"magento.access_token_secret"_s}) {
        QLineEdit *edit = page->secretEdit(key);
        QVERIFY(edit);
        QCOMPARE(edit->echoMode(), QLineEdit::Password);
        QVERIFY(edit->isVisible());
        type(edit, creds.value(key));
    }
    QVERIFY(!page->secretEdit(u"magento.bearer_token"_s)->isVisible()); // OAuth 1.0a profile
    QSignalSpy stored(page.get(), &SettingsPage::secretsSettled);
    QTest::mouseClick(page->storeSecretsButton(), Qt::LeftButton);
    QVERIFY(stored.wait(20000));
    for (const QString &key : {u"paytrace.username"_s, u"paytrace.password"_s, u"magento.access_token_secret"_s}) {
        QCOMPARE(page->secretStatus(key), u"stored"_s);
        QVERIFY(page->secretEdit(key)->text().isEmpty());
    }
    QCOMPARE(page->secretStatus(u"magento.bearer_token"_s), u"not set"_s);
    // No secret on screen anywhere.
    for (QLabel *label : page->findChildren<QLabel *>())
        QVERIFY(!label->text().contains(creds.value(u"paytrace.password"_s)));
    QTRY_COMPARE(audit(u"credentials."_s).size(), 1);
    const AuditRow entry = audit(u"credentials."_s).at(0);
    QCOMPARE(entry.objectId, m_secretProfile);
    QVERIFY(entry.detail.contains(u"paytrace.password"_s));
    QVERIFY(!entry.detail.contains(creds.value(u"paytrace.password"_s)));

    // Test connection with the stored secrets: both connected, said plainly.
    QSignalSpy tested(page.get(), &SettingsPage::testFinished);
    QTest::mouseClick(page->testButton(), Qt::LeftButton);
    QVERIFY(page->cancelTestButton()->isEnabled());
    QVERIFY(!page->testButton()->isEnabled());
    QVERIFY(!page->testBusy()->isHidden());
    QVERIFY(tested.wait(30000));
    auto result = tested.at(0).at(0).value<pb::sync::ConnectionTestResult>();
    QVERIFY2(result.allOk(), qPrintable(page->testResultLabel()->text()));
    QVERIFY(page->testBusy()->isHidden());
    QVERIFY(page->testButton()->isEnabled());
    const QString okText = page->testResultLabel()->text();
    QVERIFY2(okText.contains(u"PayTrace: connected to 127.0.0.1:"_s), qPrintable(okText));
    QVERIFY2(okText.contains(u"as %1, token valid"_s.arg(creds.value(u"paytrace.username"_s))), qPrintable(okText));
    QVERIFY2(okText.contains(u"Magento: connected to"_s), qPrintable(okText));

    // A wrong password typed (not stored) is tried first: a plain-language failure.
    type(page->secretEdit(u"paytrace.password"_s), u"wrong-password"_s);
    tested.clear();
    QTest::mouseClick(page->testButton(), Qt::LeftButton);
    QVERIFY(tested.wait(30000));
    result = tested.at(0).at(0).value<pb::sync::ConnectionTestResult>();
    QCOMPARE(result.checks.value(0).verdict, pb::sync::ConnectionCheck::Verdict::Refused);
    const QString failText = page->testResultLabel()->text();
    QVERIFY2(failText.contains(u"PayTrace: the API user %1 could not sign in"_s.arg(creds.value(u"paytrace.username"_s))),
             qPrintable(failText));
    QVERIFY2(failText.contains(u"check the user name and password"_s), qPrintable(failText));
    QVERIFY(!failText.contains(u"wrong-password"_s));
    QVERIFY(result.checks.value(1).ok());
    // The typed value was only tried, never stored.
    QCOMPARE(page->secretStatus(u"paytrace.password"_s), u"stored"_s);

    // Cancel: the result says so at once and the page is ready again.
    tested.clear();
    QTest::mouseClick(page->testButton(), Qt::LeftButton);
    QTest::mouseClick(page->cancelTestButton(), Qt::LeftButton);
    QCOMPARE(tested.count(), 1);
    QVERIFY(tested.at(0).at(0).value<pb::sync::ConnectionTestResult>().cancelled);
    QVERIFY(page->testButton()->isEnabled());
    QVERIFY(!page->cancelTestButton()->isEnabled());
    QTest::qWait(500);
    QCOMPARE(tested.count(), 1);
}

QTEST_MAIN(TestSettings)
#include "tst_settings.moc"
