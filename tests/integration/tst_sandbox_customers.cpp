// The sandbox's customers and PayTrace vault (issue 15) over real HTTP: Magento custom attributes
// and their metadata, PUT and DELETE of customers with Magento's validation, the generated vault
// mix, the vault's customer/update, delete and create codes, and the admin routes tests use to
// stage changes. Expected values come from sandbox/README.md and docs/paytrace.md, not from the
// simulators' code.

#include "adminapi.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "simutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb::sandbox;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

QDateTime fixedStart()
{
    return QDateTime(QDate(2025, 5, 16), QTime(21, 30, 0), Qt::UTC); // May 2025: "this month"
}

QJsonObject namedError(const QString &message, const QJsonObject &parameters)
{
    return QJsonObject{{u"message"_s, message}, {u"parameters"_s, parameters}};
}

QString normalEmail(const QString &email)
{
    return email.trimmed().toLower();
}

} // namespace

class TestSandboxCustomers : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    std::unique_ptr<Sandbox> m_bare; // a store without the attribute
    QNetworkAccessManager m_nam;
    QByteArray m_paytraceToken;

    static SandboxOptions options(bool attribute)
    {
        SandboxOptions o;
        o.orders = attribute ? 200 : 30;
        o.seed = 15;
        o.startTime = fixedStart();
        o.magentoBearerEnabled = true;
        QStringList acl = MagentoSimulator::defaultGrantedResources();
        acl << u"Magento_Customer::delete"_s;
        o.magentoAclResources = acl;
        o.magentoCustomerAttribute = attribute;
        return o;
    }

    Reply send(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
               const QList<std::pair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(url);
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        if (!request.hasRawHeader("Content-Type"))
            request.setRawHeader("Content-Type", "application/json");
        request.setTransferTimeout(15000);
        QNetworkReply *reply = m_nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        reply->deleteLater();
        return r;
    }

    static QString credential(Sandbox &s, const QString &key)
    {
        for (const auto &[k, v] : s.credentials()) {
            if (k == key)
                return v;
        }
        return {};
    }

    Reply magento(const QByteArray &method, const QString &path, const QByteArray &body = {}, Sandbox *s = nullptr)
    {
        Sandbox &sb = s ? *s : *m_sandbox;
        QUrl u = sb.magentoUrl();
        const qsizetype q = path.indexOf(u'?');
        u.setPath(u.path() + u"/rest/V1"_s + (q < 0 ? path : path.left(q)));
        if (q >= 0)
            u.setQuery(path.mid(q + 1));
        return send(method, u, body, {{"Authorization", "Bearer " + credential(sb, u"magento.access_token"_s).toLatin1()}});
    }

    Reply admin(const QByteArray &method, const QString &path, const QJsonObject &body = {}, Sandbox *s = nullptr)
    {
        Sandbox &sb = s ? *s : *m_sandbox;
        QUrl u = sb.adminUrl();
        u.setPath(u.path() + path);
        return send(method, u, body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

    Reply paytrace(const QString &path, const QJsonObject &body)
    {
        QUrl u = m_sandbox->paytraceUrl();
        u.setPath(u.path() + path);
        return send("POST", u, QJsonDocument(body).toJson(QJsonDocument::Compact), {{"Authorization", "Bearer " + m_paytraceToken}});
    }

    QJsonArray exportVault(const QString &id = {})
    {
        const Reply r = paytrace(u"/v1/customer/export"_s, id.isEmpty() ? QJsonObject{} : QJsonObject{{u"customer_id"_s, id}});
        return r.json().value(u"customers"_s).toArray();
    }

    QJsonArray allCustomers(Sandbox *s = nullptr)
    {
        return magento("GET", u"/customers/search?searchCriteria[pageSize]=0"_s, {}, s).json().value(u"items"_s).toArray();
    }

    static QString attributeOf(const QJsonObject &customer, const QString &code)
    {
        for (const QJsonValue &a : customer.value(u"custom_attributes"_s).toArray()) {
            if (a.toObject().value(u"attribute_code"_s).toString() == code)
                return a.toObject().value(u"value"_s).toString();
        }
        return {};
    }

    // A registered customer no test has used yet, without the vault attribute.
    QJsonObject freshCustomer()
    {
        static QSet<qint64> used;
        for (const QJsonValue &v : allCustomers()) {
            const QJsonObject c = v.toObject();
            const qint64 id = c.value(u"id"_s).toInteger();
            if (!used.contains(id) && attributeOf(c, u"paytrace_customer_id"_s).isEmpty()) {
                used.insert(id);
                return c;
            }
        }
        return {};
    }

    Reply put(const QJsonObject &customer, qint64 pathId = 0)
    {
        const qint64 id = pathId ? pathId : customer.value(u"id"_s).toInteger();
        return magento("PUT", u"/customers/%1"_s.arg(id),
                       QJsonDocument(QJsonObject{{u"customer"_s, customer}}).toJson(QJsonDocument::Compact));
    }

private slots:
    void initTestCase()
    {
        m_sandbox = std::make_unique<Sandbox>(options(true));
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        m_bare = std::make_unique<Sandbox>(options(false));
        QVERIFY2(m_bare->start(&error), qPrintable(error));
        const QByteArray form = "grant_type=password&username=" + QUrl::toPercentEncoding(credential(*m_sandbox, u"paytrace.username"_s))
            + "&password=" + QUrl::toPercentEncoding(credential(*m_sandbox, u"paytrace.password"_s));
        QUrl u = m_sandbox->paytraceUrl();
        u.setPath(u.path() + u"/oauth/token"_s);
        m_paytraceToken = send("POST", u, form, {{"Content-Type", "application/x-www-form-urlencoded"}})
                              .json().value(u"access_token"_s).toString().toLatin1();
        QVERIFY(!m_paytraceToken.isEmpty());
    }

    void attributeMetadata()
    {
        const Reply present = magento("GET", u"/attributeMetadata/customer/attribute/paytrace_customer_id"_s);
        QCOMPARE(present.status, 200);
        const QJsonObject meta = present.json();
        QCOMPARE(meta.value(u"attribute_code"_s).toString(), u"paytrace_customer_id"_s);
        QCOMPARE(meta.value(u"frontend_input"_s).toString(), u"text"_s);
        QVERIFY(meta.value(u"user_defined"_s).toBool());
        QVERIFY(!meta.value(u"system"_s).toBool());
        QVERIFY(!meta.value(u"frontend_label"_s).toString().isEmpty());

        const QJsonObject absent = namedError(u"No such entity with %fieldName = %fieldValue"_s,
                                              {{u"fieldName"_s, u"attributeCode"_s}, {u"fieldValue"_s, u"no_such_code"_s}});
        const Reply missing = magento("GET", u"/attributeMetadata/customer/attribute/no_such_code"_s);
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.json(), absent);

        // The store without the attribute: 404, and no customer carries it, until the admin creates it.
        const Reply bare = magento("GET", u"/attributeMetadata/customer/attribute/paytrace_customer_id"_s, {}, m_bare.get());
        QCOMPARE(bare.status, 404);
        QCOMPARE(bare.json().value(u"parameters"_s).toObject().value(u"fieldValue"_s).toString(), u"paytrace_customer_id"_s);
        const QJsonArray bareCustomers = allCustomers(m_bare.get());
        QVERIFY(!bareCustomers.isEmpty());
        for (const QJsonValue &c : bareCustomers)
            QVERIFY(!c.toObject().contains(u"custom_attributes"_s));
        // A PUT with the attribute drops it silently while the store lacks it.
        QJsonObject c = bareCustomers.first().toObject();
        c.insert(u"custom_attributes"_s, QJsonArray{QJsonObject{{u"attribute_code"_s, u"paytrace_customer_id"_s}, {u"value"_s, u"V-1"_s}}});
        const Reply dropped = magento("PUT", u"/customers/%1"_s.arg(c.value(u"id"_s).toInteger()),
                                      QJsonDocument(QJsonObject{{u"customer"_s, c}}).toJson(QJsonDocument::Compact), m_bare.get());
        QCOMPARE(dropped.status, 200);
        QVERIFY(!dropped.json().contains(u"custom_attributes"_s));

        QCOMPARE(admin("POST", u"/customer-attribute"_s, {{u"code"_s, u"paytrace_customer_id"_s}}, m_bare.get()).status, 200);
        QCOMPARE(magento("GET", u"/attributeMetadata/customer/attribute/paytrace_customer_id"_s, {}, m_bare.get()).status, 200);
        const Reply kept = magento("PUT", u"/customers/%1"_s.arg(c.value(u"id"_s).toInteger()),
                                   QJsonDocument(QJsonObject{{u"customer"_s, c}}).toJson(QJsonDocument::Compact), m_bare.get());
        QCOMPARE(kept.status, 200);
        QCOMPARE(attributeOf(kept.json(), u"paytrace_customer_id"_s), u"V-1"_s);
    }

    void putReplacesAndEnforces()
    {
        m_sandbox->clock().advanceSeconds(120);
        QJsonObject c = freshCustomer();
        QVERIFY(!c.isEmpty());
        const qint64 id = c.value(u"id"_s).toInteger();
        const QString before = c.value(u"updated_at"_s).toString();

        c.insert(u"firstname"_s, u"Renamed"_s);
        c.insert(u"custom_attributes"_s,
                 QJsonArray{QJsonObject{{u"attribute_code"_s, u"paytrace_customer_id"_s}, {u"value"_s, u"pb-test-1"_s}},
                            QJsonObject{{u"attribute_code"_s, u"not_defined_here"_s}, {u"value"_s, u"x"_s}}});
        // The address book is replaced: one new address (no id), the default billing one.
        const QJsonObject oldAddress = c.value(u"addresses"_s).toArray().first().toObject();
        QJsonObject address = oldAddress;
        address.remove(u"id"_s);
        address.insert(u"street"_s, QJsonArray{u"1 New Street"_s, u"Suite 5"_s});
        address.insert(u"telephone"_s, u"555-0100"_s);
        c.insert(u"addresses"_s, QJsonArray{address});
        c.remove(u"default_billing"_s);
        c.remove(u"default_shipping"_s);
        const Reply ok = put(c);
        QCOMPARE(ok.status, 200);
        const QJsonObject saved = ok.json();
        QCOMPARE(saved.value(u"firstname"_s).toString(), u"Renamed"_s);
        QCOMPARE(saved.value(u"custom_attributes"_s).toArray(),
                 (QJsonArray{QJsonObject{{u"attribute_code"_s, u"paytrace_customer_id"_s}, {u"value"_s, u"pb-test-1"_s}}}));
        QVERIFY(saved.value(u"updated_at"_s).toString() > before);
        QCOMPARE(saved.value(u"created_at"_s), c.value(u"created_at"_s));
        const QJsonArray addresses = saved.value(u"addresses"_s).toArray();
        QCOMPARE(addresses.size(), 1);
        const QJsonObject newAddress = addresses.first().toObject();
        QVERIFY(newAddress.value(u"id"_s).toInteger() != oldAddress.value(u"id"_s).toInteger());
        QCOMPARE(newAddress.value(u"street"_s).toArray(), (QJsonArray{u"1 New Street"_s, u"Suite 5"_s}));
        QCOMPARE(newAddress.value(u"telephone"_s).toString(), u"555-0100"_s);
        QCOMPARE(saved.value(u"default_billing"_s).toString(), QString::number(newAddress.value(u"id"_s).toInteger()));
        QCOMPARE(magento("GET", u"/customers/%1"_s.arg(id)).json(), saved);

        // Search by updated_at with fields=, as the sync polls.
        const Reply since = magento("GET", u"/customers/search?searchCriteria[filter_groups][0][filters][0][field]=updated_at"
                                           "&searchCriteria[filter_groups][0][filters][0][value]=%1"
                                           "&searchCriteria[filter_groups][0][filters][0][condition_type]=gteq"
                                           "&searchCriteria[sortOrders][0][field]=updated_at&searchCriteria[sortOrders][0][direction]=DESC"
                                           "&fields=items[id,updated_at,custom_attributes],total_count"_s
                                                .arg(QString::fromLatin1(QUrl::toPercentEncoding(saved.value(u"updated_at"_s).toString()))));
        QCOMPARE(since.status, 200);
        const QJsonArray items = since.json().value(u"items"_s).toArray();
        QVERIFY(!items.isEmpty());
        const QJsonObject first = items.first().toObject();
        QCOMPARE(first.value(u"id"_s).toInteger(), id);
        QStringList keys = first.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{u"custom_attributes"_s, u"id"_s, u"updated_at"_s}));

        // Refusals change nothing.
        QString otherEmail;
        for (const QJsonValue &v : allCustomers()) {
            if (v.toObject().value(u"id"_s).toInteger() != id)
                otherEmail = v.toObject().value(u"email"_s).toString();
        }
        QJsonObject dup = saved;
        dup.insert(u"email"_s, QString(u"  "_s + otherEmail.toUpper()));
        Reply r = put(dup);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"A customer with the same email address already exists in an associated website."_s);

        QJsonObject noName = saved;
        noName.remove(u"firstname"_s);
        r = put(noName);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"\"First Name\" is a required value."_s);

        QJsonObject noEmail = saved;
        noEmail.remove(u"email"_s);
        r = put(noEmail);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"The customer email is missing. Enter and try again."_s);

        QJsonObject noWebsite = saved;
        noWebsite.remove(u"website_id"_s);
        r = put(noWebsite);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"\"Associate to Website\" is a required value."_s);

        QJsonObject badEmail = saved;
        badEmail.insert(u"email"_s, u"not an address"_s);
        r = put(badEmail);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"\"Email\" is not a valid email address."_s);

        r = put(saved, id + 100000); // body id names another customer than the path
        QCOMPARE(r.status, 400);

        QJsonObject unknownKey = saved;
        unknownKey.insert(u"favourite_colour"_s, u"red"_s);
        r = put(unknownKey);
        QCOMPARE(r.status, 400);

        QCOMPARE(magento("GET", u"/customers/%1"_s.arg(id)).json(), saved);

        // An empty value removes the attribute.
        QJsonObject cleared = saved;
        cleared.insert(u"custom_attributes"_s, QJsonArray{QJsonObject{{u"attribute_code"_s, u"paytrace_customer_id"_s}, {u"value"_s, u""_s}}});
        r = put(cleared);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json().contains(u"custom_attributes"_s));
    }

    void deleteThenNotFound()
    {
        const QJsonObject c = freshCustomer();
        QVERIFY(!c.isEmpty());
        const qint64 id = c.value(u"id"_s).toInteger();
        const Reply gone = magento("DELETE", u"/customers/%1"_s.arg(id));
        QCOMPARE(gone.status, 200);
        QCOMPARE(gone.body, QByteArray("true"));
        const QJsonObject notFound = namedError(u"No such entity with %fieldName = %fieldValue"_s,
                                                {{u"fieldName"_s, u"customerId"_s}, {u"fieldValue"_s, QString::number(id)}});
        const Reply get = magento("GET", u"/customers/%1"_s.arg(id));
        QCOMPARE(get.status, 404);
        QCOMPARE(get.json(), notFound);
        QCOMPARE(magento("DELETE", u"/customers/%1"_s.arg(id)).status, 404);
        QCOMPARE(put(c).status, 404);
        // Without Magento_Customer::delete the route is refused.
        m_sandbox->magento().setGrantedResources(MagentoSimulator::defaultGrantedResources());
        const Reply refused = magento("DELETE", u"/customers/%1"_s.arg(freshCustomer().value(u"id"_s).toInteger()));
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.json().value(u"parameters"_s).toObject().value(u"resources"_s).toString(), u"Magento_Customer::delete"_s);
        m_sandbox->magento().setGrantedResources(*options(true).magentoAclResources);
    }

    void vaultHasTheGeneratedMix()
    {
        const QJsonArray vault = exportVault();
        QVERIFY(vault.size() >= 10);
        // Magento customers as generated (other tests changed some; use the generated links).
        QHash<QString, qint64> byEmail;
        QHash<QString, QString> exactEmail;
        QSet<qint64> magentoIds;
        for (const MagentoCustomer &c : m_sandbox->magento().customers()) {
            byEmail.insert(normalEmail(c.email), c.id);
            exactEmail.insert(normalEmail(c.email), c.email);
            magentoIds.insert(c.id);
        }
        QHash<QString, qint64> linkedBy;
        for (const auto &[id, value] : m_sandbox->generated().customerVaultLinks)
            linkedBy.insert(value, id);
        QVERIFY(!linkedBy.isEmpty());

        int expired = 0, thisMonth = 0, nextMonth = 0, later = 0, orphans = 0, attribute = 0, emailOnly = 0, emailVariant = 0, owned = 0;
        static const QRegularExpression masked(u"^x{11,12}[0-9]{4}$"_s), twoDigits(u"^[0-9]{2}$"_s);
        for (const QJsonValue &v : vault) {
            const QJsonObject p = v.toObject();
            const QJsonObject card = p.value(u"credit_card"_s).toObject();
            QVERIFY2(masked.match(card.value(u"masked_number"_s).toString()).hasMatch(), qPrintable(card.value(u"masked_number"_s).toString()));
            QVERIFY(twoDigits.match(card.value(u"expiration_month"_s).toString()).hasMatch());
            QVERIFY(twoDigits.match(card.value(u"expiration_year"_s).toString()).hasMatch());
            const int ym = (2000 + card.value(u"expiration_year"_s).toString().toInt()) * 12 + card.value(u"expiration_month"_s).toString().toInt();
            const int now = 2025 * 12 + 5;
            if (ym < now)
                ++expired;
            else if (ym == now)
                ++thisMonth;
            else if (ym == now + 1)
                ++nextMonth;
            else
                ++later;
            const QJsonObject billing = p.value(u"billing_address"_s).toObject();
            for (const QString &key : {u"name"_s, u"street_address"_s, u"street_address2"_s, u"city"_s, u"state"_s, u"zip"_s, u"country"_s})
                QVERIFY2(billing.value(key).isString(), qPrintable(key));
            QVERIFY(p.value(u"email"_s).isString() && p.value(u"phone"_s).isString());

            const QString id = p.value(u"customer_id"_s).toString();
            const QString email = p.value(u"email"_s).toString();
            const bool templated = id.startsWith(u"mage-"_s) && magentoIds.contains(id.mid(5).toLongLong());
            if (linkedBy.contains(id)) {
                ++attribute;
                ++owned;
            } else if (byEmail.contains(normalEmail(email)) && !email.isEmpty()) {
                ++emailOnly;
                ++owned;
                if (email != exactEmail.value(normalEmail(email)))
                    ++emailVariant; // other capitals or spaces than the Magento customer's
            } else if (templated) {
                ++owned;
            } else {
                ++orphans;
            }
        }
        QVERIFY2(expired >= 1 && thisMonth >= 1 && nextMonth >= 1 && later > expired,
                 qPrintable(u"expired %1, this month %2, next %3, later %4"_s.arg(expired).arg(thisMonth).arg(nextMonth).arg(later)));
        QVERIFY2(orphans >= 2, qPrintable(QString::number(orphans)));
        QVERIFY(attribute >= 1);
        QVERIFY(emailOnly >= 1);
        QVERIFY(emailVariant >= 1);
        // About a third of the Magento customers have a profile.
        const double share = double(owned) / double(magentoIds.size());
        QVERIFY2(share > 0.2 && share < 0.5, qPrintable(QString::number(share)));
        // The first profile's card is never expired (other tests charge it).
        const QJsonObject firstCard = vault.first().toObject().value(u"credit_card"_s).toObject();
        QVERIFY((2000 + firstCard.value(u"expiration_year"_s).toString().toInt()) * 12 + firstCard.value(u"expiration_month"_s).toString().toInt()
                >= 2025 * 12 + 5);
        // Linked Magento customers carry the attribute over HTTP.
        const auto link = m_sandbox->generated().customerVaultLinks.first();
        QCOMPARE(attributeOf(magento("GET", u"/customers/%1"_s.arg(link.first)).json(), u"paytrace_customer_id"_s), link.second);
        const Reply found = magento("GET", u"/customers/search?searchCriteria[filter_groups][0][filters][0][field]=paytrace_customer_id"
                                           "&searchCriteria[filter_groups][0][filters][0][value]=%1"_s
                                                .arg(QString::fromLatin1(QUrl::toPercentEncoding(link.second))));
        QCOMPARE(found.json().value(u"total_count"_s).toInt(), 1);
        QCOMPARE(found.json().value(u"items"_s).toArray().first().toObject().value(u"id"_s).toInteger(), link.first);
        // Some sales were charged by customer id on these profiles.
        bool byCustomer = false;
        for (const PayTraceTransaction &t : m_sandbox->paytrace().transactions())
            byCustomer = byCustomer || linkedBy.contains(t.customerId);
        QVERIFY(byCustomer);

        // Deterministic from the seed.
        GeneratorOptions gen;
        gen.orders = 200;
        gen.seed = 15;
        gen.nowSecs = fixedStart().toSecsSinceEpoch();
        const GeneratedData a = generateData(gen), b = generateData(gen);
        QCOMPARE(a.customerVaultLinks, b.customerVaultLinks);
        QCOMPARE(a.customers.size(), b.customers.size());
        for (qsizetype i = 0; i < a.customers.size(); ++i) {
            QCOMPARE(a.customers[i].customerId, b.customers[i].customerId);
            QCOMPARE(a.customers[i].email, b.customers[i].email);
            QCOMPARE(a.customers[i].card.expirationYear, b.customers[i].card.expirationYear);
        }
    }

    void vaultWritesAnswerAsPayTrace()
    {
        const QJsonObject card{{u"number"_s, u"4111111111111111"_s}, {u"expiration_month"_s, u"12"_s}, {u"expiration_year"_s, u"2029"_s}};
        Reply r = paytrace(u"/v1/customer/create"_s, {{u"customer_id"_s, u"pb-vault-1"_s}, {u"credit_card"_s, card},
                                                     {u"billing_address"_s, QJsonObject{{u"name"_s, u"Ada Lovelace"_s}, {u"zip"_s, u"10001"_s}}},
                                                     {u"email"_s, u"ada@example.com"_s}});
        QCOMPARE(r.json().value(u"response_code"_s).toInt(), 160);
        r = paytrace(u"/v1/customer/create"_s, {{u"customer_id"_s, u"pb-vault-1"_s}, {u"credit_card"_s, card}});
        QCOMPARE(r.json().value(u"success"_s).toBool(), false);
        QVERIFY(r.json().value(u"errors"_s).toObject().contains(u"171"_s));

        r = paytrace(u"/v1/customer/update"_s,
                     {{u"customer_id"_s, u"pb-vault-1"_s}, {u"email"_s, u"ada.l@example.com"_s}, {u"phone"_s, u"555-0199"_s},
                      {u"billing_address"_s, QJsonObject{{u"name"_s, u"Ada King"_s}, {u"street_address"_s, u"12 St James's Sq"_s},
                                                         {u"city"_s, u"London"_s}, {u"zip"_s, u"SW1Y 4JH"_s}, {u"country"_s, u"GB"_s}}},
                      {u"credit_card"_s, QJsonObject{{u"expiration_month"_s, u"3"_s}, {u"expiration_year"_s, u"2031"_s}}}});
        QCOMPARE(r.json().value(u"response_code"_s).toInt(), 161);
        QJsonObject p = exportVault(u"pb-vault-1"_s).first().toObject();
        QCOMPARE(p.value(u"email"_s).toString(), u"ada.l@example.com"_s);
        QCOMPARE(p.value(u"phone"_s).toString(), u"555-0199"_s);
        QCOMPARE(p.value(u"billing_address"_s).toObject().value(u"city"_s).toString(), u"London"_s);
        QCOMPARE(p.value(u"credit_card"_s).toObject(),
                 (QJsonObject{{u"masked_number"_s, u"xxxxxxxxxxxx1111"_s}, {u"expiration_month"_s, u"03"_s}, {u"expiration_year"_s, u"31"_s}}));

        // A new card and a new id.
        r = paytrace(u"/v1/customer/update"_s, {{u"customer_id"_s, u"pb-vault-1"_s}, {u"new_id"_s, u"pb-vault-2"_s},
                                                {u"credit_card"_s, QJsonObject{{u"number"_s, u"5454545454545454"_s},
                                                                               {u"expiration_month"_s, 8}, {u"expiration_year"_s, 2030}}}});
        QCOMPARE(r.json().value(u"response_code"_s).toInt(), 161);
        QVERIFY(exportVault(u"pb-vault-1"_s).isEmpty());
        p = exportVault(u"pb-vault-2"_s).first().toObject();
        QCOMPARE(p.value(u"credit_card"_s).toObject().value(u"masked_number"_s).toString(), u"xxxxxxxxxxxx5454"_s);

        r = paytrace(u"/v1/customer/delete"_s, {{u"customer_id"_s, u"pb-vault-2"_s}});
        QCOMPARE(r.json().value(u"response_code"_s).toInt(), 162);
        for (const QString &path : {u"/v1/customer/delete"_s, u"/v1/customer/update"_s}) {
            r = paytrace(path, {{u"customer_id"_s, u"pb-vault-2"_s}, {u"email"_s, u"x@example.com"_s}});
            QCOMPARE(r.json().value(u"success"_s).toBool(), false);
            QCOMPARE(r.json().value(u"errors"_s).toObject().value(u"30"_s).toArray().first().toString(),
                     u"Customer ID, pb-vault-2, was not found or is incomplete."_s);
        }
        QVERIFY(exportVault(u"pb-vault-2"_s).isEmpty());

        // A charge on a card that expired since it was stored is declined.
        QString expiredId;
        for (const QJsonValue &v : exportVault()) {
            const QJsonObject c = v.toObject().value(u"credit_card"_s).toObject();
            if ((2000 + c.value(u"expiration_year"_s).toString().toInt()) * 12 + c.value(u"expiration_month"_s).toString().toInt() < 2025 * 12 + 5)
                expiredId = v.toObject().value(u"customer_id"_s).toString();
        }
        QVERIFY(!expiredId.isEmpty());
        r = paytrace(u"/v1/transactions/sale/by_customer"_s, {{u"customer_id"_s, expiredId}, {u"amount"_s, u"10.00"_s}});
        QCOMPARE(r.json().value(u"response_code"_s).toInt(), 102);
        QVERIFY(r.json().value(u"approval_message"_s).toString().contains(u"EXPIRED CARD"_s));
    }

    void adminRoutes()
    {
        const QJsonObject c = freshCustomer();
        const qint64 id = c.value(u"id"_s).toInteger();
        m_sandbox->clock().advanceSeconds(60);
        Reply r = admin("POST", u"/magento/customers/%1"_s.arg(id),
                        {{u"lastname"_s, u"Changed"_s}, {u"email"_s, u"changed@example.com"_s}, {u"telephone"_s, u"555-0123"_s},
                         {u"billing"_s, QJsonObject{{u"street"_s, QJsonArray{u"9 Admin Way"_s}}, {u"city"_s, u"Salem"_s}}},
                         {u"attribute"_s, QJsonObject{{u"code"_s, u"paytrace_customer_id"_s}, {u"value"_s, u"PHONE-100"_s}}}});
        QCOMPARE(r.status, 200);
        QJsonObject now = magento("GET", u"/customers/%1"_s.arg(id)).json();
        QCOMPARE(now.value(u"lastname"_s).toString(), u"Changed"_s);
        QCOMPARE(now.value(u"email"_s).toString(), u"changed@example.com"_s);
        QVERIFY(now.value(u"updated_at"_s).toString() > c.value(u"updated_at"_s).toString());
        const QJsonObject address = now.value(u"addresses"_s).toArray().first().toObject();
        QCOMPARE(address.value(u"telephone"_s).toString(), u"555-0123"_s);
        QCOMPARE(address.value(u"city"_s).toString(), u"Salem"_s);
        QCOMPARE(address.value(u"street"_s).toArray(), QJsonArray{u"9 Admin Way"_s});
        QCOMPARE(attributeOf(now, u"paytrace_customer_id"_s), u"PHONE-100"_s);

        r = admin("POST", u"/magento/customers/%1/anonymise"_s.arg(id));
        QCOMPARE(r.status, 200);
        now = magento("GET", u"/customers/%1"_s.arg(id)).json();
        const QRegularExpression anonymous(QString::fromLatin1(kAnonymousEmailPattern));
        QVERIFY2(anonymous.match(now.value(u"email"_s).toString()).hasMatch(), qPrintable(now.value(u"email"_s).toString()));
        QCOMPARE(now.value(u"firstname"_s).toString(), u"Anonymous"_s);
        QCOMPARE(now.value(u"lastname"_s).toString(), u"Anonymous"_s);
        QCOMPARE(attributeOf(now, u"paytrace_customer_id"_s), u"PHONE-100"_s); // the link stays

        QCOMPARE(admin("DELETE", u"/magento/customers/%1"_s.arg(id)).status, 200);
        QCOMPARE(magento("GET", u"/customers/%1"_s.arg(id)).status, 404);
        QCOMPARE(admin("POST", u"/magento/customers/%1"_s.arg(id), {{u"lastname"_s, u"X"_s}}).status, 404);

        // The vault: list and change a profile.
        const QJsonArray listed = admin("GET", u"/vault"_s).json().value(u"customers"_s).toArray();
        QCOMPARE(listed.size(), exportVault().size());
        const QString profile = listed.last().toObject().value(u"customer_id"_s).toString();
        r = admin("POST", u"/vault/"_s + QString::fromLatin1(QUrl::toPercentEncoding(profile)),
                  {{u"email"_s, u"vault@example.com"_s}, {u"phone"_s, u"555-0777"_s}, {u"expiration_month"_s, 2}, {u"expiration_year"_s, 2032},
                   {u"billing_address"_s, QJsonObject{{u"zip"_s, u"97201"_s}}}});
        QCOMPARE(r.status, 200);
        const QJsonObject exported = exportVault(profile).first().toObject();
        QCOMPARE(exported.value(u"email"_s).toString(), u"vault@example.com"_s);
        QCOMPARE(exported.value(u"phone"_s).toString(), u"555-0777"_s);
        QCOMPARE(exported.value(u"billing_address"_s).toObject().value(u"zip"_s).toString(), u"97201"_s);
        QCOMPARE(exported.value(u"credit_card"_s).toObject().value(u"expiration_month"_s).toString(), u"02"_s);
        QCOMPARE(exported.value(u"credit_card"_s).toObject().value(u"expiration_year"_s).toString(), u"32"_s);
        QCOMPARE(admin("POST", u"/vault/no-such-profile"_s, {{u"email"_s, u"a@b.c"_s}}).status, 404);
        QCOMPARE(admin("POST", u"/vault/"_s + profile, {{u"card_number"_s, u"4111"_s}}).status, 400);
    }

    void cleanupTestCase()
    {
        m_sandbox.reset();
        m_bare.reset();
    }
};

QTEST_GUILESS_MAIN(TestSandboxCustomers)
#include "tst_sandbox_customers.moc"
