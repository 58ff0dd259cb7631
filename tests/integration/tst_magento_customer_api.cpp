// MagentoApi's customer writes over real HTTP against the in-process sandbox: the attribute
// check (present, undefined, a bad code), and a customer update built from the latest read
// with customerUpdateBody(), PUT, read back and turned into the stored record.
#include "magento/customers.h"
#include "magento/magentoapi.h"
#include "magentosim.h"
#include "net/httptransport.h"
#include "sandbox.h"

#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::magento;

namespace {

const QString kAttribute = u"paytrace_customer_id"_s;

QString credential(const pb::sandbox::Sandbox &s, const QString &key)
{
    for (const auto &c : s.credentials()) {
        if (c.first == key)
            return c.second;
    }
    return {};
}

template<typename T>
std::optional<Reply<T>> wait(const std::function<void(QObject *, std::function<void(const Reply<T> &)>)> &start)
{
    std::optional<Reply<T>> out;
    QObject ctx;
    start(&ctx, [&](const Reply<T> &r) { out = r; });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
        qWarning("no answer within 30 s");
    return out;
}

} // namespace

class TestMagentoCustomerApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void attributeExists();
    void updateFromLatestRead();
    void updateNeedsMatchingId();

private:
    std::optional<Customer> someCustomer();

    std::unique_ptr<pb::sandbox::Sandbox> m_sandbox;
    std::unique_ptr<pb::net::HttpTransport> m_transport;
    std::unique_ptr<MagentoClient> m_client;
    std::unique_ptr<MagentoApi> m_api;
};

void TestMagentoCustomerApi::init()
{
    pb::sandbox::SandboxOptions options;
    options.magentoBearerEnabled = true;
    options.orders = 40;
    options.seed = 15;
    options.startTime = QDateTime();
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_transport = std::make_unique<pb::net::HttpTransport>();
    MagentoConfig c;
    c.baseUrl = m_sandbox->magentoUrl();
    c.timeoutMs = 20000;
    c.accessToken = credential(*m_sandbox, u"magento.bearer_token"_s);
    m_client = std::make_unique<MagentoClient>(m_transport.get(), c);
    m_api = std::make_unique<MagentoApi>(m_client.get());
}

void TestMagentoCustomerApi::cleanup()
{
    m_api.reset();
    m_client.reset();
    m_transport.reset();
    m_sandbox.reset();
}

std::optional<Customer> TestMagentoCustomerApi::someCustomer()
{
    SearchCriteria all;
    all.setPageSize(5);
    auto page = wait<SearchPage<Customer>>([&](QObject *ctx, auto cb) { m_api->searchCustomers(all, ctx, cb); });
    if (!page || !page->ok() || page->value->items.isEmpty())
        return std::nullopt;
    const qint64 id = page->value->items.first().id;
    auto one = wait<Customer>([&](QObject *ctx, auto cb) { m_api->getCustomer(id, ctx, cb); });
    if (!one || !one->ok())
        return std::nullopt;
    return *one->value;
}

void TestMagentoCustomerApi::attributeExists()
{
    auto present = wait<bool>([&](QObject *ctx, auto cb) { m_api->customerAttributeExists(kAttribute, ctx, cb); });
    QVERIFY2(present && present->ok(), qPrintable(present ? present->failure.summary() : QString()));
    QCOMPARE(*present->value, true);

    auto missing = wait<bool>([&](QObject *ctx, auto cb) { m_api->customerAttributeExists(u"no_such_attribute"_s, ctx, cb); });
    QVERIFY2(missing && missing->ok(), qPrintable(missing ? missing->failure.summary() : QString()));
    QCOMPARE(*missing->value, false);

    // A store where the admin has not created the attribute yet.
    m_sandbox->magento().setCustomerAttributeDefined(kAttribute, false);
    auto removed = wait<bool>([&](QObject *ctx, auto cb) { m_api->customerAttributeExists(kAttribute, ctx, cb); });
    QVERIFY(removed && removed->ok());
    QCOMPARE(*removed->value, false);

    // A code that cannot be an attribute never leaves the process.
    auto bad = wait<bool>([&](QObject *ctx, auto cb) { m_api->customerAttributeExists(u"../orders"_s, ctx, cb); });
    QVERIFY(bad && !bad->ok());
    QCOMPARE(bad->failure.error.field, u"attributeCode"_s);
}

void TestMagentoCustomerApi::updateFromLatestRead()
{
    auto before = someCustomer();
    QVERIFY(before.has_value());
    CustomerChanges set;
    set.email = u"updated.%1@example.com"_s.arg(before->id);
    set.telephone = u"+1 212 555 0147"_s;
    set.billing = PostalAddress{{}, u"500 Fifth Ave"_s, u"Floor 12"_s, u"New York"_s, u"NY"_s, u"10110"_s, u"US"_s};
    set.attributeValue = u"mage-%1"_s.arg(before->id);
    auto body = MagentoApi::customerUpdateBody(before->raw, set, kAttribute);
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));

    auto saved = wait<Customer>([&](QObject *ctx, auto cb) { m_api->updateCustomer(before->id, *body, ctx, cb); });
    QVERIFY2(saved && saved->ok(), qPrintable(saved ? saved->failure.summary() : QString()));

    auto after = wait<Customer>([&](QObject *ctx, auto cb) { m_api->getCustomer(before->id, ctx, cb); });
    QVERIFY(after && after->ok());
    const MagentoCustomerRecord r = customerRecord(*after->value, kAttribute);
    QCOMPARE(r.email, *set.email);
    QCOMPARE(r.firstname, before->firstname); // the rest of the customer survived the PUT
    QCOMPARE(r.lastname, before->lastname);
    QCOMPARE(r.vaultAttribute, u"mage-%1"_s.arg(before->id));
    QCOMPARE(r.phone, u"+1 212 555 0147"_s);
    QCOMPARE(r.billing.street, u"500 Fifth Ave"_s);
    QCOMPARE(r.billing.street2, u"Floor 12"_s);
    QCOMPARE(r.billing.city, u"New York"_s);
    QCOMPARE(r.billing.state, u"NY"_s);
    QCOMPARE(r.billing.zip, u"10110"_s);
    QCOMPARE(after->value->addresses.size(), std::max<qsizetype>(before->addresses.size(), 1));

    // Cleared again from the newest read.
    CustomerChanges clear;
    clear.attributeValue = QString();
    auto clearBody = MagentoApi::customerUpdateBody(after->value->raw, clear, kAttribute);
    QVERIFY(clearBody);
    auto cleared = wait<Customer>([&](QObject *ctx, auto cb) { m_api->updateCustomer(before->id, *clearBody, ctx, cb); });
    QVERIFY2(cleared && cleared->ok(), qPrintable(cleared ? cleared->failure.summary() : QString()));
    auto last = wait<Customer>([&](QObject *ctx, auto cb) { m_api->getCustomer(before->id, ctx, cb); });
    QVERIFY(last && last->ok());
    QCOMPARE(customerRecord(*last->value, kAttribute).vaultAttribute, QString());
    QCOMPARE(last->value->email, *set.email);
}

void TestMagentoCustomerApi::updateNeedsMatchingId()
{
    auto c = someCustomer();
    QVERIFY(c.has_value());
    auto body = MagentoApi::customerUpdateBody(c->raw, {}, {});
    QVERIFY(body);
    auto wrong = wait<Customer>([&](QObject *ctx, auto cb) { m_api->updateCustomer(c->id + 1, *body, ctx, cb); });
    QVERIFY(wrong && !wrong->ok());
    QCOMPARE(wrong->failure.error.field, u"customer.id"_s);
}

QTEST_MAIN(TestMagentoCustomerApi)
#include "tst_magento_customer_api.moc"
