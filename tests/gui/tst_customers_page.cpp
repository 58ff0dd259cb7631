// The Customers page over a store written through CustomerRepository: filters and their
// counts, the detail pane (both sides, the link rule in words, orders and transactions), the
// conflict and deletion buttons, the expiring filter against the dashboard's figure, and the
// card-entry dialog: what was typed never reaches a file (the secret-canary scan).
#include "access/operatordirectory.h"
#include "cardentrydialog.h"
#include "customerspage.h"
#include "dashboardmodel.h"
#include "log/logging.h"
#include "mapping/customerruleseditor.h"
#include "mapping/mappingdraft.h"
#include "storefixture.h"
#include "store/customerrepository.h"
#include "store/database.h"
#include "testsupport.h"

#include <QComboBox>
#include <QBrush>
#include <QCheckBox>
#include <QDirIterator>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QPointer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>
#include <QTimeZone>
#include <QUndoStack>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

using namespace Qt::StringLiterals;
using namespace pb;
using pb::ui::CustomersModel;
using pb::ui::CustomersPage;

namespace {

// The day the tests live on: December 2026, so 12/2026 and 01/2027 are expiring.
const QDate kToday(2026, 12, 15);
const QDateTime kNow(kToday, QTime(12, 0), QTimeZone::utc());

MagentoCustomerRecord customer(qint64 id, const QString &first, const QString &last, const QString &email,
                               const QString &attribute = {})
{
    MagentoCustomerRecord c;
    c.magentoId = id;
    c.firstname = first;
    c.lastname = last;
    c.email = email;
    c.phone = u"+1 555 0100"_s;
    c.billing = PostalAddress{first + u' ' + last, u"12 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};
    c.vaultAttribute = attribute;
    c.createdAt = kNow.addDays(-100);
    c.updatedAt = kNow.addDays(-10);
    c.raw = "{}";
    c.syncedAt = kNow;
    return c;
}

VaultProfileRecord vault(const QString &id, const QString &name, const QString &email, const QString &type,
                         const QString &last4, int month, int year)
{
    VaultProfileRecord v;
    v.customerId = id;
    v.billingName = name;
    v.email = email;
    v.phone = u"+15550100"_s;
    v.billing = PostalAddress{name, u"12 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};
    v.cardType = type;
    v.cardLast4 = last4;
    v.expMonth = month;
    v.expYear = year;
    v.firstSeenAt = kNow.addDays(-50);
    v.changedAt = kNow.addDays(-50);
    v.syncedAt = kNow;
    return v;
}

QByteArray freshPublicKeyPem()
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    if (!key)
        return {};
    BIO *bio = BIO_new(BIO_s_mem());
    QByteArray pem;
    if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
        char *data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        pem = QByteArray(data, qsizetype(size));
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

} // namespace

class TestCustomersPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void filtersAndCounts();
    void expiringMatchesDashboard();
    void detailShowsBothSidesRuleAndHistory();
    void searchAndKeyboard();
    void conflictAndDeletionButtons();
    void cardEntryNeverReachesDisk();
    void mappingCustomersTab();

private:
    std::unique_ptr<CustomersPage> makePage();

    std::unique_ptr<test::IsolatedHome> m_home;
    QString m_store;
    qint64 m_conflictId = 0;
    qint64 m_deletionId = 0;
    QString m_actor = u"tester"_s;
};

void TestCustomersPage::initTestCase()
{
    m_home = std::make_unique<test::IsolatedHome>();
    QVERIFY(m_home->isValid());
    QCoreApplication::setOrganizationName(u"PayBridge"_s);
    QCoreApplication::setApplicationName(u"PayBridgeCustomersTest"_s);
    QDir().mkpath(m_home->path() + u"/data"_s);
    m_store = m_home->path() + u"/data/paybridge.sqlite"_s;
    {
        QVERIFY(test::StoreFixture::create(m_store, u"fixture"_s));
        QSqlDatabase db = QSqlDatabase::database(u"fixture"_s);
        access::OperatorDirectory operators(db);
        QVERIFY(operators.ensureBootstrapAdmin(m_actor).ok());

        store::CustomerRepository repo(db);
        QList<MagentoCustomerRecord> customers{
            customer(1, u"Ann"_s, u"Archer"_s, u"ann@example.com"_s, u"mage-1"_s),
            customer(2, u"Bob"_s, u"Baker"_s, u"bob@example.com"_s),
            customer(3, u"Cat"_s, u"Cole"_s, u"cat@example.com"_s),
            customer(4, u"Dan"_s, u"Dunn"_s, u"dan@example.com"_s),
        };
        customers[3].anonymised = true;
        QVERIFY(repo.upsertCustomers(customers, kNow).ok());
        QVERIFY(repo.upsertVaultProfiles({vault(u"mage-1"_s, u"Ann Archer"_s, u"ann@example.com"_s, u"Visa"_s, u"1111"_s, 12, 2026),
                                          vault(u"bob-vault"_s, u"Bob Baker"_s, u"bob@example.com"_s, u"MasterCard"_s, u"4444"_s, 1, 2027),
                                          vault(u"orphan-7"_s, u"Olga Orphan"_s, u"olga@example.com"_s, u"Visa"_s, u"0002"_s, 3, 2025),
                                          vault(u"dan-vault"_s, u"Dan Dunn"_s, u"dan@example.com"_s, u"Discover"_s, u"0004"_s, 5, 2029)},
                                         kNow).ok());
        const auto ann = repo.link(1, u"mage-1"_s, u"attribute"_s,
                                   u"the Magento attribute paytrace_customer_id holds mage-1"_s,
                                   customers[0].fields(), u"system:sync"_s, kNow);
        QVERIFY(ann.ok());
        const auto bob = repo.link(2, u"bob-vault"_s, u"email"_s, u"same e-mail address bob@example.com"_s,
                                   customers[1].fields(), u"system:sync"_s, kNow);
        QVERIFY(bob.ok());
        QVERIFY(repo.link(4, u"dan-vault"_s, u"manual"_s, u"linked by tester"_s, customers[3].fields(), m_actor, kNow).ok());
        CustomerConflict conflict;
        conflict.linkId = bob.value();
        conflict.magentoId = 2;
        conflict.vaultCustomerId = u"bob-vault"_s;
        conflict.field = CustomerField::Phone;
        conflict.baseValue = u"+15550100"_s;
        conflict.magentoValue = u"+15550111"_s;
        conflict.paytraceValue = u"+15550122"_s;
        const auto opened = repo.openConflict(conflict, kNow);
        QVERIFY(opened.ok());
        m_conflictId = opened.value();
        const auto deletion = repo.addDeletion(u"dan-vault"_s, 4, u"anonymised"_s, kNow);
        QVERIFY(deletion.ok());
        m_deletionId = deletion.value();

        // Ann's orders: one as a customer, one as a guest with her e-mail; a transaction of each.
        test::OrderRow o;
        o.entityId = 501;
        o.incrementId = u"100000501"_s;
        o.grandTotal = 4200;
        o.customerName = u"Ann Archer"_s;
        o.customerEmail = u"ann@example.com"_s;
        o.createdAt = kNow.addDays(-3).toMSecsSinceEpoch();
        QVERIFY(test::StoreFixture::insert(db, o));
        o.entityId = 502;
        o.incrementId = u"100000502"_s;
        o.guest = true;
        o.customerEmail = u"ANN@example.com "_s;
        QVERIFY(test::StoreFixture::insert(db, o));
        o.entityId = 503;
        o.incrementId = u"100000503"_s;
        o.customerEmail = u"bob@example.com"_s;
        QVERIFY(test::StoreFixture::insert(db, o));
        QSqlQuery q(db);
        QVERIFY(q.exec(u"UPDATE orders SET customer_id = 1 WHERE entity_id = 501"_s));
        test::TransactionRow t;
        t.transactionId = u"7000501"_s;
        t.amount = 4200;
        t.invoiceId = u"100000501"_s;
        t.createdAt = kNow.addDays(-3).toMSecsSinceEpoch();
        QVERIFY(test::StoreFixture::insert(db, t));
        t.transactionId = u"7000999"_s;
        t.invoiceId = u"phone order"_s;
        QVERIFY(test::StoreFixture::insert(db, t));
        QVERIFY(q.exec(u"UPDATE gateway_transactions SET customer_id = 'mage-1' WHERE transaction_id = '7000999'"_s));
    }
    store::Database::close(u"fixture"_s);
}

void TestCustomersPage::cleanupTestCase()
{
    m_home.reset();
}

std::unique_ptr<CustomersPage> TestCustomersPage::makePage()
{
    auto page = std::make_unique<CustomersPage>();
    page->setToday(kToday);
    page->setContext(nullptr, m_actor, u"test"_s);
    QSignalSpy loaded(page.get(), &CustomersPage::loaded);
    page->setDatabasePath(m_store);
    if (!loaded.wait(10000))
        return nullptr;
    return page;
}

void TestCustomersPage::filtersAndCounts()
{
    auto page = makePage();
    QVERIFY(page);
    CustomersModel *m = page->model();
    // Four Magento customers and the one vault profile without a customer.
    QCOMPARE(m->totalCount(), 5);
    QCOMPARE(m->rowCount(), 5);
    QCOMPARE(m->countFor(CustomersModel::Filter::Linked), 3);
    QCOMPARE(m->countFor(CustomersModel::Filter::NotLinked), 2);
    QCOMPARE(m->countFor(CustomersModel::Filter::Conflicts), 1);
    QCOMPARE(m->countFor(CustomersModel::Filter::Expiring), 2);
    QCOMPARE(m->countFor(CustomersModel::Filter::AwaitingDeletion), 1);

    // The filter box says the counts and filters the table.
    QComboBox *box = page->filterBox();
    const int expiring = box->findData(QVariant::fromValue(CustomersModel::Filter::Expiring));
    QCOMPARE(box->itemText(expiring), u"Card expiring (2)"_s);
    box->setCurrentIndex(expiring);
    QCOMPARE(m->rowCount(), 2);
    QStringList emails;
    for (int r = 0; r < m->rowCount(); ++r)
        emails << m->index(r, CustomersModel::Email).data().toString();
    emails.sort();
    QCOMPARE(emails, (QStringList{u"ann@example.com"_s, u"bob@example.com"_s}));
    QVERIFY(page->countLabel()->text().contains(u"2 of 5"_s));
    page->setFilter(CustomersModel::Filter::AwaitingDeletion);
    QCOMPARE(m->rowCount(), 1);
    QCOMPARE(m->index(0, CustomersModel::VaultId).data().toString(), u"dan-vault"_s);

    // Expired red, expiring amber, valid plain.
    page->setFilter(CustomersModel::Filter::All);
    auto colorOf = [m](const QString &vaultId) {
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->index(r, CustomersModel::VaultId).data().toString() == vaultId)
                return m->index(r, CustomersModel::Expiry).data(Qt::ForegroundRole);
        return QVariant();
    };
    QCOMPARE(colorOf(u"orphan-7"_s).value<QBrush>().color(), QColor(0xc6, 0x28, 0x28));
    QCOMPARE(colorOf(u"mage-1"_s).value<QBrush>().color(), QColor(0xb2, 0x6a, 0x00));
    QVERIFY(!colorOf(u"dan-vault"_s).isValid());
    // The card in type and last four, never more.
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, CustomersModel::VaultId).data().toString() == u"bob-vault")
            QCOMPARE(m->index(r, CustomersModel::Card).data().toString(), u"MasterCard …4444"_s);
}

void TestCustomersPage::expiringMatchesDashboard()
{
    auto page = makePage();
    QVERIFY(page);
    ui::DashboardOptions options;
    options.nowUtc = kNow;
    options.zone = QTimeZone::utc();
    const auto data = ui::loadDashboardFromFile(m_store, options);
    QVERIFY2(data.ok(), qPrintable(data.ok() ? QString() : data.error().toString()));
    QCOMPARE(data->cardsExpiring, qint64(page->model()->countFor(CustomersModel::Filter::Expiring)));
    bool found = false;
    for (const ui::Alert &a : data->alerts) {
        if (a.code != u"customers.cards_expiring")
            continue;
        found = true;
        QCOMPARE(a.page, u"customers"_s);
        QCOMPARE(a.filter, u"expiring"_s);
        QVERIFY(a.text.startsWith(u"2 card(s) on file expire this month or next"_s) || a.text.startsWith(u"2 cards"_s));
    }
    QVERIFY(found);
    // A month later Ann's card has expired and Bob's expires this month: one left.
    options.nowUtc = kNow.addMonths(1);
    const auto later = ui::loadDashboardFromFile(m_store, options);
    QVERIFY(later.ok());
    page->setToday(kToday.addMonths(1));
    QCOMPARE(later->cardsExpiring, 1);
    QCOMPARE(page->model()->countFor(CustomersModel::Filter::Expiring), 1);
}

void TestCustomersPage::detailShowsBothSidesRuleAndHistory()
{
    auto page = makePage();
    QVERIFY(page);
    QSignalSpy detail(page.get(), &CustomersPage::detailLoaded);
    QVERIFY(page->selectCustomer(1));
    QVERIFY(detail.wait(10000) || page->detail());
    QTRY_VERIFY(page->detail() && page->detail()->customer && page->detail()->customer->magentoId == 1);
    const QString text = page->detailText();
    QVERIFY2(text.contains(u"Magento customer 1"_s), qPrintable(text));
    QVERIFY(text.contains(u"PayTrace vault profile mage-1"_s));
    QVERIFY(text.contains(u"the Magento attribute paytrace_customer_id holds mage-1"_s));
    QVERIFY(text.contains(u"Visa …1111, expires 12/2026 (soon)"_s));
    QVERIFY(text.contains(u"12 Oak Ave"_s));
    // Orders by customer id and by e-mail (a guest order), transactions by vault id and invoice.
    QVERIFY(text.contains(u"100000501"_s));
    QVERIFY(text.contains(u"100000502"_s));
    QVERIFY(!text.contains(u"100000503"_s));
    QVERIFY(text.contains(u"7000501"_s));
    QVERIFY(text.contains(u"7000999"_s));
    QCOMPARE(page->cardButton()->text(), u"Re&place card…"_s);
    QVERIFY(page->chargeButton()->isEnabled());
    QVERIFY(!page->linkButton()->isEnabled()); // already linked
    QVERIFY(page->unlinkButton()->isEnabled());

    // The vault profile without a customer: the other side says so; its card expired.
    detail.clear();
    QVERIFY(page->selectCustomer(std::nullopt, u"orphan-7"_s));
    QTRY_VERIFY(page->detail() && !page->detail()->customer && page->detail()->vault);
    QVERIFY(page->detailText().contains(u"No Magento customer is linked to this vault profile."_s));
    QVERIFY(!page->chargeButton()->isEnabled());
    QVERIFY(page->chargeButton()->toolTip().contains(u"expired 03/2025"_s));
}

void TestCustomersPage::searchAndKeyboard()
{
    auto page = makePage();
    QVERIFY(page);
    page->show();
    QSignalSpy loaded(page.get(), &CustomersPage::loaded);
    page->focusSearch();
    QVERIFY(page->searchEdit()->hasFocus() || !QGuiApplication::focusWindow());
    QTest::keyClicks(page->searchEdit(), u"baker"_s);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(page->model()->rowCount(), 1);
    QCOMPARE(page->model()->index(0, CustomersModel::Email).data().toString(), u"bob@example.com"_s);
    page->searchEdit()->clear();
    QVERIFY(loaded.wait(10000));
    QCOMPARE(page->model()->rowCount(), 5);

    // Up and down in the table move the detail with the selection.
    auto shownEmail = [&page] {
        const auto &d = page->detail();
        return !d ? QString() : d->customer ? d->customer->email : d->vault ? d->vault->email : QString();
    };
    auto rowEmail = [&page](int row) { return page->model()->index(row, CustomersModel::Email).data().toString(); };
    page->tableView()->setFocus();
    page->tableView()->selectRow(0);
    QTRY_COMPARE(shownEmail(), rowEmail(0));
    QTest::keyClick(page->tableView(), Qt::Key_Down);
    QCOMPARE(page->tableView()->currentIndex().row(), 1);
    QTRY_COMPARE(shownEmail(), rowEmail(1));
    QTest::keyClick(page->tableView(), Qt::Key_End, Qt::ControlModifier);
    QTRY_COMPARE(shownEmail(), rowEmail(page->model()->rowCount() - 1));
}

void TestCustomersPage::conflictAndDeletionButtons()
{
    auto page = makePage();
    QVERIFY(page);
    QVERIFY(page->selectCustomer(2));
    QTRY_VERIFY(page->detail() && page->detail()->customer && page->detail()->customer->magentoId == 2);
    QVERIFY(page->detailText().contains(u"Phone — Magento: +15550111 · PayTrace: +15550122"_s));
    for (const char *name : {"keepMagento", "keepPayTrace", "dismiss"}) {
        QPushButton *b = page->detailButton(u"%1.%2"_s.arg(QLatin1StringView(name)).arg(m_conflictId));
        QVERIFY2(b, name);
        QVERIFY(b->isEnabled()); // the tester is the store's admin
    }

    QVERIFY(page->selectCustomer(4));
    QTRY_VERIFY(page->detail() && page->detail()->deletion);
    QVERIFY(page->detailText().contains(u"Magento customer 4 was anonymised"_s));
    QPushButton *confirm = page->detailButton(u"confirmDeletion.%1"_s.arg(m_deletionId));
    QPushButton *keep = page->detailButton(u"keepProfile.%1"_s.arg(m_deletionId));
    QVERIFY(confirm && keep);
    QVERIFY(confirm->isEnabled() && keep->isEnabled());

    // The buttons call through to the customer actions: the store says what was decided.
    QSignalSpy finished(page.get(), &CustomersPage::actionFinished);
    keep->click();
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(page->selectCustomer(2));
    QTRY_VERIFY(page->detail() && page->detail()->customer && page->detail()->customer->magentoId == 2
                && page->detailButton(u"keepMagento.%1"_s.arg(m_conflictId)));
    QTRY_VERIFY(!page->isLoading());
    finished.clear();
    page->detailButton(u"keepMagento.%1"_s.arg(m_conflictId))->click();
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QTRY_VERIFY(page->model()->countFor(CustomersModel::Filter::Conflicts) == 0);
    QTRY_VERIFY(page->model()->countFor(CustomersModel::Filter::AwaitingDeletion) == 0);
    {
        auto db = store::Database::openReader(m_store, u"check"_s);
        QVERIFY(db.ok());
        store::CustomerRepository repo(db.value());
        const auto conflict = repo.conflict(m_conflictId);
        QVERIFY(conflict.ok() && conflict.value().has_value());
        QCOMPARE(conflict.value()->state, u"resolved"_s);
        QCOMPARE(conflict.value()->resolution, u"magento"_s);
        QCOMPARE(conflict.value()->resolvedBy, m_actor);
        const auto deletion = repo.deletion(m_deletionId);
        QVERIFY(deletion.ok() && deletion.value().has_value());
        QCOMPARE(deletion.value()->state, u"declined"_s);
        // Magento's phone goes to PayTrace through an intent.
        QSqlQuery q(db.value());
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM intents WHERE kind = 'paytrace.customer.update'"_s) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }
    store::Database::close(u"check"_s);
}

void TestCustomersPage::cardEntryNeverReachesDisk()
{
    // Everything the console can log goes to the file under the isolated home.
    QLoggingCategory::setFilterRules(u"paybridge.*=true"_s);
    QVERIFY(log::install());
    const QByteArray pem = freshPublicKeyPem();
    QVERIFY(!pem.isEmpty());
    {
        QFile key(CustomersPage::publicKeyPath(m_store));
        QVERIFY(key.open(QIODevice::WriteOnly));
        key.write(pem);
    }
    // A known test number and CSC (American Express test card: 15 digits, 4-digit CSC).
    const QByteArray number = "378282246310005";
    const QByteArray grouped = "3782 822463 10005";
    const QByteArray csc = "7319";
    {
        auto page = makePage();
        QVERIFY(page);
        QSettings().setValue(u"customersTest/marker"_s, u"written"_s); // the settings file exists
        QVERIFY(page->selectCustomer(1));
        QTRY_VERIFY(page->detail() && page->detail()->customer && !page->detail()->publicKeyPem.isEmpty());
        QTRY_VERIFY(page->cardButton()->isEnabled());
        ui::CardEntryDialog *dialog = page->openCardEntry();
        QVERIFY(dialog);
        QPointer<ui::CardEntryDialog> guard(dialog);
        QVERIFY(dialog->hasKey());
        QCOMPARE(dialog->findChild<QLineEdit *>(u"billingName"_s)->text(), u"Ann Archer"_s);
        QTest::keyClicks(dialog->numberEdit(), QString::fromLatin1(number));
        // Grouped as printed, and held only as ciphertext once complete.
        QCOMPARE(dialog->numberEdit()->text(), QString::fromLatin1(grouped));
        QVERIFY(!dialog->numberEdit()->isUndoAvailable());
        QCOMPARE(dialog->numberEdit()->contextMenuPolicy(), Qt::NoContextMenu);
        QVERIFY(dialog->numberEdit()->echoMode() != QLineEdit::Normal);
        QVERIFY(!dialog->numberEdit()->accessibleName().contains(u'3'));
        QVERIFY(dialog->statusText().startsWith(u"CSC"_s));
        dialog->yearBox()->setValue(2029);
        QTest::keyClicks(dialog->cscEdit(), QString::fromLatin1(csc));
        QVERIFY2(dialog->encryptedCard().has_value(), qPrintable(dialog->statusText()));
        QVERIFY(!dialog->encryptedCard()->encryptedNumber.contains(QString::fromLatin1(number)));
        QVERIFY(dialog->statusText().contains(u"American Express ending 0005"_s));
        QVERIFY(!dialog->statusText().contains(QString::fromLatin1(number)));
        // Copy is refused: the clipboard never sees the number.
        dialog->numberEdit()->selectAll();
        QTest::keyClick(dialog->numberEdit(), Qt::Key_C, Qt::ControlModifier);
        dialog->numberEdit()->copy();
        // A typo names the field, never the digits.
        QTest::keyClick(dialog->numberEdit(), Qt::Key_End);
        QTest::keyClick(dialog->numberEdit(), Qt::Key_Backspace);
        QTest::keyClicks(dialog->numberEdit(), u"6"_s);
        QVERIFY(dialog->statusText().startsWith(u"Card number:"_s));
        QVERIFY(!dialog->statusText().contains(u"37828224631000"_s));
        QVERIFY(!dialog->encryptedCard().has_value());
        dialog->reject();
        QVERIFY(!guard || guard->numberEdit()->text().isEmpty());
        QTRY_VERIFY(!guard); // deleted on close
        QSettings().sync();
    }
    log::uninstall();

    // Every file under the home: the store with its WAL, settings, the log, the key.
    int scanned = 0;
    bool sawStore = false;
    bool sawSettings = false;
    QDirIterator it(m_home->path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray content = f.readAll();
        ++scanned;
        sawStore = sawStore || path.endsWith(u"paybridge.sqlite");
        sawSettings = sawSettings || content.contains("written");
        for (const QByteArray &plain : {number, grouped, QByteArray("37828224631000")}) {
            QVERIFY2(!content.contains(plain), qPrintable(u"card digits found in %1"_s.arg(path)));
            const QString wide = QString::fromLatin1(plain);
            QVERIFY2(!content.contains(QByteArray(reinterpret_cast<const char *>(wide.utf16()), wide.size() * 2)),
                     qPrintable(u"card digits (UTF-16) found in %1"_s.arg(path)));
        }
        // Four digits occur by chance in binary files; the CSC is looked for as UTF-16 and next
        // to the words a leak would carry.
        const QString wideCsc = QString::fromLatin1(csc);
        QVERIFY(!content.contains(QByteArray(reinterpret_cast<const char *>(wideCsc.utf16()), wideCsc.size() * 2)));
        for (const char *context : {"csc", "CSC", "cvv", "security"}) {
            for (const char *glue : {"\":\"", "=", ": "}) {
                const QByteArray leak = QByteArray(context) + QByteArray(glue) + csc;
                QVERIFY2(!content.contains(leak), qPrintable(u"the CSC was found in %1"_s.arg(path)));
            }
        }
    }
    QVERIFY2(sawStore, "no store: the scan would prove nothing");
    QVERIFY2(sawSettings, "no settings file: the scan would prove nothing");
    QVERIFY(scanned >= 3);
}

void TestCustomersPage::mappingCustomersTab()
{
    ui::studio::MappingDraft draft;
    draft.load(R"({"version": 1})", 0);
    ui::studio::CustomerRulesEditor editor(&draft);
    editor.show();
    // Defaults when the document has no customers section.
    QVERIFY(editor.enabledBox()->isChecked());
    QCOMPARE(editor.attributeEdit()->text(), u"paytrace_customer_id"_s);
    QCOMPARE(editor.vaultIdExample(), u"customer 42 → mage-42"_s);
    QComboBox *phone = editor.directionBox(CustomerField::Phone);
    QCOMPARE(phone->currentData().toString(), u"magento"_s);

    // A choice by keyboard is one undoable edit of the draft.
    phone->setFocus();
    QTest::keyClick(phone, Qt::Key_Down);
    QCOMPARE(draft.value(u"customers.fields.phone"_s).toString(), u"paytrace"_s);
    QTest::keyClick(editor.deletionBox(), Qt::Key_Down);
    QCOMPARE(draft.value(u"customers.onMagentoDelete"_s).toString(), u"automatic"_s);
    editor.vaultIdEdit()->selectAll();
    QTest::keyClicks(editor.vaultIdEdit(), u"shop-{id}"_s);
    QCOMPARE(draft.value(u"customers.newVaultId"_s).toString(), u"shop-{id}"_s);
    QCOMPARE(editor.vaultIdExample(), u"customer 42 → shop-42"_s);
    QVERIFY(draft.isModified());
    draft.undoStack()->undo(); // the typed id, one step
    QCOMPARE(editor.vaultIdEdit()->text(), u"mage-{id}"_s);
    draft.undoStack()->undo();
    draft.undoStack()->undo();
    QCOMPARE(phone->currentData().toString(), u"magento"_s);
    QVERIFY(!draft.isModified());

    // Read only: nothing can be changed.
    editor.setReadOnly(true);
    QVERIFY(!phone->isEnabled() && !editor.enabledBox()->isEnabled());
}

QTEST_MAIN(TestCustomersPage)
#include "tst_customers_page.moc"
