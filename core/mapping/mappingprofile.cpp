#include "mapping/mappingprofile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <cmath>
#include <cstdlib>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

constexpr std::array kRoleNames = {
    std::pair{AccountRole::Receivables, "receivables"_L1},
    std::pair{AccountRole::Clearing, "clearing"_L1},
    std::pair{AccountRole::Cash, "cash"_L1},
    std::pair{AccountRole::Sales, "sales"_L1},
    std::pair{AccountRole::Refunds, "refunds"_L1},
    std::pair{AccountRole::Chargebacks, "chargebacks"_L1},
    std::pair{AccountRole::Fees, "fees"_L1},
    std::pair{AccountRole::WriteOffs, "writeOffs"_L1},
};

constexpr std::array kEntryKindNames = {
    std::pair{EntryKind::Sale, "sale"_L1},
    std::pair{EntryKind::Payment, "payment"_L1},
    std::pair{EntryKind::Refund, "refund"_L1},
    std::pair{EntryKind::Chargeback, "chargeback"_L1},
    std::pair{EntryKind::Fee, "fee"_L1},
    std::pair{EntryKind::WriteOff, "writeoff"_L1},
    std::pair{EntryKind::SettlementDeposit, "deposit"_L1},
};

// Magento's installed statuses and their states (docs/magento.md §5). "fraud" is listed under
// processing; the notes mark its state as uncertain (processing and payment_review).
constexpr std::array kBuiltInStatuses = {
    std::pair{"pending"_L1, "new"_L1},
    std::pair{"pending_payment"_L1, "pending_payment"_L1},
    std::pair{"processing"_L1, "processing"_L1},
    std::pair{"fraud"_L1, "processing"_L1},
    std::pair{"complete"_L1, "complete"_L1},
    std::pair{"closed"_L1, "closed"_L1},
    std::pair{"canceled"_L1, "canceled"_L1},
    std::pair{"holded"_L1, "holded"_L1},
    std::pair{"payment_review"_L1, "payment_review"_L1},
};

constexpr std::array kStates = {"new"_L1, "pending_payment"_L1, "processing"_L1, "complete"_L1,
                                "closed"_L1, "canceled"_L1, "holded"_L1, "payment_review"_L1};

// Status-map keys: the GatewayTransaction status names plus the order-level refund states and
// the chargeback, which came later and so may be left out of a document (null).
constexpr std::array kGatewayKeys = {"approved"_L1, "declined"_L1, "authorized"_L1, "pending_settlement"_L1,
                                     "settled"_L1, "refunded"_L1, "partially_refunded"_L1, "voided"_L1,
                                     "charged_back"_L1};
constexpr std::array kOptionalGatewayKeys = {"charged_back"_L1};

// The Magento states an order can be in when a payment event reaches PayBridge. A status is
// set by an order comment, and Magento ignores a comment's status of another state than the
// order's (docs/magento.md §5): a status outside these states could never take effect.
struct EventStates
{
    QLatin1StringView event;
    QLatin1StringView states; // space-separated
    QLatin1StringView why;
};
constexpr std::array<EventStates, 9> kEventStates = {{
    // Magento's authorize step leaves the order processing, or payment_review when the
    // gateway holds it; a payment taken outside the store finds it still new or waiting
    // (pending_payment). It cannot be complete: invoicing captures the authorization.
    {"authorized"_L1, "new pending_payment processing payment_review"_L1,
     "an order with an authorized payment is new, pending_payment, processing or payment_review"_L1},
    // The same moments for a sale: before the store invoices and ships, which come later.
    {"approved"_L1, "new pending_payment processing payment_review"_L1,
     "an order with an approved payment is new, pending_payment, processing or payment_review"_L1},
    {"pending_settlement"_L1, "new pending_payment processing payment_review"_L1,
     "an order whose payment waits for settlement is new, pending_payment, processing or payment_review"_L1},
    // By the batch close (a day later) the order is invoiced: processing, complete once shipped.
    {"settled"_L1, "processing complete"_L1,
     "Magento has a settled payment's order invoiced: processing, or complete once shipped"_L1},
    // Nothing was paid: the order waits, is in review, on hold, or was canceled for it.
    {"declined"_L1, "new pending_payment payment_review holded canceled"_L1,
     "a declined payment leaves its order new, pending_payment, payment_review, holded or canceled"_L1},
    // A credit memo for the whole paid amount closes the order.
    {"refunded"_L1, "closed"_L1, "Magento sets a refunded order to closed"_L1},
    // A partial credit memo keeps the state; Magento closes only when everything is refunded.
    {"partially_refunded"_L1, "processing complete"_L1,
     "a partly refunded order stays processing, or complete once shipped"_L1},
    // PayBridge voids after a cancel (canceled) or for a full credit memo on an unsettled
    // payment (closed).
    {"voided"_L1, "canceled closed"_L1,
     "Magento sets an order whose payment is voided to canceled (or closed by a credit memo)"_L1},
    // A chargeback hits a settled, invoiced payment; the merchant may already have refunded it.
    {"charged_back"_L1, "processing complete closed"_L1,
     "a charged-back payment's order is invoiced: processing, complete, or closed when refunded"_L1},
}};

constexpr std::array kPlaceholders = {"transaction_id"_L1, "type"_L1, "status"_L1, "amount"_L1, "card_type"_L1,
                                      "last4"_L1, "approval_code"_L1, "increment_id"_L1, "batch"_L1};

constexpr std::array kTriggers = {"invoiced"_L1, "shipped"_L1, "invoiced_or_shipped"_L1};

constexpr int kMaxTimeWindowMinutes = 7 * 24 * 60;
constexpr qint64 kMaxAmountToleranceMinor = 100000;
constexpr qsizetype kMaxTemplateLength = 500;
constexpr qsizetype kMaxNameLength = 100;

Error profileError(const QString &field, const QString &message)
{
    return makeError(u"mapping.profile"_s, field, message);
}

template<std::size_t N>
bool contains(const std::array<QLatin1StringView, N> &list, QStringView value)
{
    for (QLatin1StringView s : list) {
        if (value == s)
            return true;
    }
    return false;
}

template<std::size_t N>
QString listText(const std::array<QLatin1StringView, N> &list)
{
    QStringList out;
    for (QLatin1StringView s : list)
        out.append(QString(s));
    return out.join(u", "_s);
}

// Reads one JSON object, remembering its path for error messages and refusing unknown keys.
class Obj
{
public:
    Obj(QJsonObject o, QString path) : m_o(std::move(o)), m_path(std::move(path)) {}

    QString at(QStringView key) const { return m_path.isEmpty() ? key.toString() : m_path + u'.' + key; }
    QString at(QLatin1StringView key) const { return at(QStringView(QString(key))); }
    bool has(QLatin1StringView key) const { return m_o.contains(key); }
    QJsonValue value(QLatin1StringView key) const { return m_o.value(key); }

    Status onlyKeys(std::initializer_list<QLatin1StringView> allowed) const
    {
        for (auto it = m_o.begin(); it != m_o.end(); ++it) {
            bool known = false;
            for (QLatin1StringView a : allowed)
                known = known || it.key() == a;
            if (!known)
                return profileError(at(it.key()), u"unknown key (allowed: %1)"_s.arg(joined(allowed)));
        }
        return {};
    }

    Result<QString> string(QLatin1StringView key) const
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return profileError(at(key), u"is required"_s);
        if (!v.isString())
            return profileError(at(key), u"must be a string"_s);
        return v.toString();
    }

    Result<bool> boolean(QLatin1StringView key, bool fallback) const
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return fallback;
        if (!v.isBool())
            return profileError(at(key), u"must be true or false"_s);
        return v.toBool();
    }

    Result<qint64> integer(QLatin1StringView key, qint64 min, qint64 max, qint64 fallback) const
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return fallback;
        const double d = v.toDouble();
        if (!v.isDouble() || std::floor(d) != d)
            return profileError(at(key), u"must be a whole number"_s);
        if (d < static_cast<double>(min) || d > static_cast<double>(max))
            return profileError(at(key), u"%1 is outside %2..%3"_s.arg(v.toInteger()).arg(min).arg(max));
        return v.toInteger();
    }

    Result<Obj> object(QLatin1StringView key, bool required) const
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() && !required)
            return Obj(QJsonObject{}, at(key));
        if (v.isUndefined())
            return profileError(at(key), u"is required"_s);
        if (!v.isObject())
            return profileError(at(key), u"must be an object"_s);
        return Obj(v.toObject(), at(key));
    }

    const QJsonObject &raw() const { return m_o; }

private:
    static QString joined(std::initializer_list<QLatin1StringView> keys)
    {
        QStringList out;
        for (QLatin1StringView k : keys)
            out.append(QString(k));
        return out.join(u", "_s);
    }

    QJsonObject m_o;
    QString m_path;
};

Status checkTemplate(const QString &text, const QString &field)
{
    if (text.size() > kMaxTemplateLength)
        return profileError(field, u"is longer than %1 characters"_s.arg(kMaxTemplateLength));
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == u'}')
            return profileError(field, u"'}' without '{' at position %1"_s.arg(i));
        if (text.at(i) != u'{')
            continue;
        const qsizetype end = text.indexOf(u'}', i);
        if (end < 0)
            return profileError(field, u"'{' at position %1 is not closed"_s.arg(i));
        const QStringView name = QStringView(text).mid(i + 1, end - i - 1);
        if (!contains(kPlaceholders, name))
            return profileError(field, u"unknown placeholder {%1} (known: %2)"_s.arg(name.toString(), listText(kPlaceholders)));
        i = end;
    }
    return {};
}

Result<QMap<AccountRole, QString>> readAccounts(const Obj &o, bool requireAll)
{
    QMap<AccountRole, QString> out;
    std::initializer_list<QLatin1StringView> keys = {"receivables"_L1, "clearing"_L1, "cash"_L1, "sales"_L1,
                                                     "refunds"_L1, "chargebacks"_L1, "fees"_L1, "writeOffs"_L1};
    if (Status s = o.onlyKeys(keys); !s)
        return s.error();
    for (const auto &[role, key] : kRoleNames) {
        if (!o.has(key)) {
            if (requireAll)
                return profileError(o.at(key), u"is required"_s);
            continue;
        }
        Result<QString> name = o.string(key);
        if (!name)
            return name.error();
        if (Status s = validateAccountName(*name, o.at(key)); !s)
            return s.error();
        out.insert(role, *name);
    }
    return out;
}

constexpr std::array kDirectionNames = {
    std::pair{FieldDirection::MagentoWins, "magento"_L1},
    std::pair{FieldDirection::PayTraceWins, "paytrace"_L1},
    std::pair{FieldDirection::Ask, "ask"_L1},
};

// Magento's rule for attribute codes: a lowercase letter, then lowercase letters, digits and
// '_', at most 60 characters.
constexpr qsizetype kMaxAttributeCodeLength = 60;
// PayTrace takes the merchant's own string as customer_id; kept short and plain so it reads
// back the same in exports, URLs and the Magento attribute.
constexpr qsizetype kMaxVaultTemplateLength = 40;

Status checkCustomerRules(const CustomerRules &rules)
{
    static const QRegularExpression codeRe(u"^[a-z][a-z0-9_]*$"_s);
    if (rules.attributeCode.isEmpty() || rules.attributeCode.size() > kMaxAttributeCodeLength
        || !codeRe.match(rules.attributeCode).hasMatch())
        return profileError(u"customers.attributeCode"_s,
                            u"'%1' is not a Magento attribute code (a lowercase letter, then lowercase letters, "
                            "digits or '_', at most %2 characters)"_s.arg(rules.attributeCode).arg(kMaxAttributeCodeLength));
    const QString &tpl = rules.newVaultIdTemplate;
    if (tpl.size() > kMaxVaultTemplateLength)
        return profileError(u"customers.newVaultId"_s, u"is longer than %1 characters"_s.arg(kMaxVaultTemplateLength));
    if (tpl.count(u"{id}"_s) != 1)
        return profileError(u"customers.newVaultId"_s,
                            u"'%1' must contain {id} (the Magento customer id) exactly once"_s.arg(tpl));
    QString rest = tpl;
    rest.remove(u"{id}"_s);
    static const QRegularExpression plainRe(u"^[A-Za-z0-9_.-]*$"_s);
    if (!plainRe.match(rest).hasMatch())
        return profileError(u"customers.newVaultId"_s,
                            u"'%1' may hold only letters, digits, '-', '_', '.' besides {id}"_s.arg(tpl));
    return {};
}

Result<CustomerRules> readCustomerRules(const Obj &o)
{
    if (Status s = o.onlyKeys({"enabled"_L1, "attributeCode"_L1, "matchByEmail"_L1, "fields"_L1, "onMagentoDelete"_L1,
                               "newVaultId"_L1, "expiryComment"_L1});
        !s)
        return s.error();
    CustomerRules r;
    for (auto [key, out] : {std::pair{"enabled"_L1, &r.enabled}, std::pair{"matchByEmail"_L1, &r.matchByEmail},
                            std::pair{"expiryComment"_L1, &r.expiryComment}}) {
        Result<bool> b = o.boolean(key, *out);
        if (!b)
            return b.error();
        *out = *b;
    }
    if (o.has("attributeCode"_L1)) {
        Result<QString> code = o.string("attributeCode"_L1);
        if (!code)
            return code.error();
        r.attributeCode = *code;
    }
    if (o.has("newVaultId"_L1)) {
        Result<QString> tpl = o.string("newVaultId"_L1);
        if (!tpl)
            return tpl.error();
        r.newVaultIdTemplate = *tpl;
    }
    if (o.has("onMagentoDelete"_L1)) {
        Result<QString> del = o.string("onMagentoDelete"_L1);
        if (!del)
            return del.error();
        if (*del != "ask"_L1 && *del != "automatic"_L1)
            return profileError(o.at(u"onMagentoDelete"), u"'%1' is not ask or automatic"_s.arg(*del));
        r.deleteVaultAutomatically = *del == "automatic"_L1;
    }
    Result<Obj> fields = o.object("fields"_L1, false);
    if (!fields)
        return fields.error();
    for (auto it = fields->raw().begin(); it != fields->raw().end(); ++it) {
        const std::optional<CustomerField> field = customerFieldFromName(it.key());
        if (!field)
            return profileError(fields->at(it.key()), u"unknown customer field (known: name, email, billing, phone)"_s);
        if (!it.value().isString())
            return profileError(fields->at(it.key()), u"must be \"magento\", \"paytrace\" or \"ask\""_s);
        const std::optional<FieldDirection> direction = fieldDirectionFromName(it.value().toString());
        if (!direction)
            return profileError(fields->at(it.key()), u"'%1' is not magento, paytrace or ask"_s.arg(it.value().toString()));
        r.directions.insert(*field, *direction);
    }
    if (Status s = checkCustomerRules(r); !s)
        return s.error();
    return r;
}

QJsonObject customerRulesJson(const CustomerRules &r)
{
    QJsonObject fields;
    for (CustomerField f : kCustomerFields)
        fields.insert(customerFieldName(f), fieldDirectionName(r.direction(f)));
    return QJsonObject{{u"enabled"_s, r.enabled},
                       {u"attributeCode"_s, r.attributeCode},
                       {u"matchByEmail"_s, r.matchByEmail},
                       {u"fields"_s, fields},
                       {u"onMagentoDelete"_s, r.deleteVaultAutomatically ? u"automatic"_s : u"ask"_s},
                       {u"newVaultId"_s, r.newVaultIdTemplate},
                       {u"expiryComment"_s, r.expiryComment}};
}

} // namespace

QString fieldDirectionName(FieldDirection direction)
{
    for (const auto &[d, name] : kDirectionNames) {
        if (d == direction)
            return QString(name);
    }
    return {};
}

std::optional<FieldDirection> fieldDirectionFromName(QStringView name)
{
    for (const auto &[d, n] : kDirectionNames) {
        if (name == n)
            return d;
    }
    return std::nullopt;
}

QMap<CustomerField, FieldDirection> CustomerRules::defaultDirections()
{
    QMap<CustomerField, FieldDirection> out;
    for (CustomerField f : kCustomerFields)
        out.insert(f, FieldDirection::MagentoWins);
    return out;
}

QString CustomerRules::vaultIdFor(qint64 magentoId) const
{
    QString id = newVaultIdTemplate;
    return id.replace(u"{id}"_s, QString::number(magentoId));
}

Status MappingProfile::validateCustomers(const CustomerRules &rules)
{
    for (CustomerField f : kCustomerFields) {
        if (!rules.directions.contains(f))
            return profileError(u"customers.fields."_s + customerFieldName(f), u"is required"_s);
    }
    return checkCustomerRules(rules);
}

QString accountRoleName(AccountRole role)
{
    for (const auto &[r, name] : kRoleNames) {
        if (r == role)
            return QString(name);
    }
    return {};
}

QString entryKindName(EntryKind kind)
{
    for (const auto &[k, name] : kEntryKindNames) {
        if (k == kind)
            return QString(name);
    }
    return {};
}

Status validateAccountName(const QString &name, const QString &field)
{
    const auto bad = [&](const QString &why) {
        return profileError(field, u"'%1' is not a valid ledger account name: %2"_s.arg(name, why));
    };
    if (name.trimmed().isEmpty())
        return profileError(field, u"the account name is empty"_s);
    if (name.contains(u'\t'))
        return bad(u"it contains a tab"_s);
    if (name.contains(u"  "_s))
        return bad(u"it contains two consecutive spaces (the ledger separator before the amount)"_s);
    if (name.contains(u';'))
        return bad(u"it contains ';' (starts a ledger comment)"_s);
    for (QChar c : name) {
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            return bad(u"it contains a control character"_s);
    }
    if (name.startsWith(u'(') || name.startsWith(u'['))
        return bad(u"a leading '(' or '[' makes a virtual posting"_s);
    const QStringList parts = name.split(u':');
    for (const QString &part : parts) {
        if (part.isEmpty())
            return bad(u"an empty part between colons"_s);
        if (part != part.trimmed())
            return bad(u"a part starts or ends with a space"_s);
    }
    return {};
}

QList<std::pair<QString, QString>> LinkKey::supportedPairs()
{
    return {
        {u"invoice_id"_s, u"increment_id"_s},
        {u"invoice_id"_s, u"entity_id"_s},
        {u"customer_reference_id"_s, u"increment_id"_s},
        {u"description"_s, u"increment_id"_s},
        {u"transaction_id"_s, u"last_trans_id"_s},
    };
}

Result<QString> LinkKey::keyOf(const GatewayTransaction &tx) const
{
    QString raw;
    if (paytraceField == "invoice_id"_L1)
        raw = tx.invoiceId;
    else if (paytraceField == "description"_L1)
        raw = tx.description;
    else if (paytraceField == "transaction_id"_L1)
        raw = tx.transactionId;
    else
        // The export record as modelled (model/transaction.h) does not carry this field.
        return makeError(u"mapping.link.field"_s, paytraceField,
                         u"transaction records do not carry %1; link on another field"_s.arg(paytraceField));
    if (raw.isEmpty())
        return makeError(u"mapping.link.empty"_s, paytraceField,
                         u"transaction %1 has no %2"_s.arg(tx.transactionId, paytraceField));
    Result<QString> key = transforms.apply(raw);
    if (key && key->isEmpty())
        return makeError(u"mapping.link.empty"_s, paytraceField,
                         u"the transforms turned '%1' into an empty key"_s.arg(raw));
    return key;
}

QStringList MappingProfile::gatewayStatusKeys()
{
    return QStringList(kGatewayKeys.begin(), kGatewayKeys.end());
}

QStringList MappingProfile::allowedStatesFor(QStringView eventKey)
{
    for (const EventStates &e : kEventStates) {
        if (e.event == eventKey)
            return QString(e.states).split(u' ');
    }
    return {};
}

QStringList MappingProfile::builtInStatuses()
{
    QStringList out;
    for (const auto &[status, state] : kBuiltInStatuses)
        out.append(QString(status));
    return out;
}

QStringList MappingProfile::magentoStates()
{
    return QStringList(kStates.begin(), kStates.end());
}

QStringList MappingProfile::commentPlaceholders()
{
    QStringList out;
    for (QLatin1StringView p : kPlaceholders)
        out.append(u'{' + QString(p) + u'}');
    return out;
}

Result<MappingProfile> MappingProfile::fromJson(const QByteArray &json)
{
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return profileError({}, u"not valid JSON at offset %1: %2"_s.arg(parseError.offset).arg(parseError.errorString()));
    if (!doc.isObject())
        return profileError({}, u"a mapping profile must be a JSON object"_s);
    const Obj root(doc.object(), {});

    // The version is checked first so a newer or older file gets a clear message instead of a
    // confusing error about a key this version does not know.
    const QJsonValue version = root.value("version"_L1);
    if (version.isUndefined())
        return profileError(u"version"_s, u"is required"_s);
    if (!version.isDouble() || std::floor(version.toDouble()) != version.toDouble())
        return profileError(u"version"_s, u"must be a whole number"_s);
    if (version.toInteger() > kProfileVersion)
        return makeError(u"mapping.profile.version"_s, u"version"_s,
                         u"version %1 is newer than this PayBridge supports (%2); update PayBridge"_s
                             .arg(version.toInteger()).arg(kProfileVersion));
    if (version.toInteger() < kProfileVersion)
        // Version 1 is the first profile format; anything lower was never written by PayBridge.
        return makeError(u"mapping.profile.version"_s, u"version"_s,
                         u"version %1 is not a PayBridge profile format (the first is 1); recreate the profile"_s
                             .arg(version.toInteger()));

    if (Status s = root.onlyKeys({"version"_L1, "name"_L1, "linkKey"_L1, "statusMap"_L1, "customStatuses"_L1,
                                  "rules"_L1, "erpAccounts"_L1, "customers"_L1});
        !s)
        return s.error();

    MappingProfile p;
    Result<QString> name = root.string("name"_L1);
    if (!name)
        return name.error();
    if (name->trimmed().isEmpty() || name->size() > kMaxNameLength)
        return profileError(u"name"_s, u"must be 1 to %1 characters"_s.arg(kMaxNameLength));
    p.m_name = *name;

    // linkKey
    {
        Result<Obj> lk = root.object("linkKey"_L1, true);
        if (!lk)
            return lk.error();
        if (Status s = lk->onlyKeys({"paytraceField"_L1, "magentoField"_L1, "transforms"_L1, "fallback"_L1}); !s)
            return s.error();
        Result<QString> pt = lk->string("paytraceField"_L1);
        if (!pt)
            return pt.error();
        Result<QString> mg = lk->string("magentoField"_L1);
        if (!mg)
            return mg.error();
        const auto pairs = LinkKey::supportedPairs();
        if (!pairs.contains(std::pair{*pt, *mg})) {
            QStringList known;
            for (const auto &[a, b] : pairs)
                known.append(a + u" → "_s + b);
            return profileError(u"linkKey"_s, u"'%1' → '%2' is not a supported link (supported: %3)"_s
                                                  .arg(*pt, *mg, known.join(u", "_s)));
        }
        p.m_linkKey.paytraceField = *pt;
        p.m_linkKey.magentoField = *mg;
        if (lk->has("transforms"_L1)) {
            Result<TransformChain> chain = TransformChain::fromJson(lk->value("transforms"_L1), lk->at(u"transforms"));
            if (!chain)
                return chain.error();
            p.m_linkKey.transforms = *chain;
        }
        Result<Obj> fb = lk->object("fallback"_L1, true);
        if (!fb)
            return fb.error();
        if (Status s = fb->onlyKeys({"enabled"_L1, "amountToleranceMinor"_L1, "timeWindowMinutes"_L1, "matchLast4"_L1}); !s)
            return s.error();
        Result<bool> enabled = fb->boolean("enabled"_L1, true);
        Result<qint64> tol = fb->integer("amountToleranceMinor"_L1, 0, kMaxAmountToleranceMinor, 0);
        Result<qint64> window = fb->integer("timeWindowMinutes"_L1, 1, kMaxTimeWindowMinutes, 120);
        Result<bool> last4 = fb->boolean("matchLast4"_L1, true);
        for (const Error *e : {enabled ? nullptr : &enabled.error(), tol ? nullptr : &tol.error(),
                               window ? nullptr : &window.error(), last4 ? nullptr : &last4.error()}) {
            if (e)
                return *e;
        }
        p.m_linkKey.fallback = {*enabled, *tol, static_cast<int>(*window), *last4};
    }

    // customStatuses (before statusMap, which may use them)
    if (root.has("customStatuses"_L1)) {
        const QJsonValue cs = root.value("customStatuses"_L1);
        if (!cs.isArray())
            return profileError(u"customStatuses"_s, u"must be an array"_s);
        static const QRegularExpression codeRe(u"^[a-z][a-z0-9_]{0,31}$"_s);
        const QJsonArray arr = cs.toArray();
        for (qsizetype i = 0; i < arr.size(); ++i) {
            const QString path = u"customStatuses[%1]"_s.arg(i);
            if (!arr.at(i).isObject())
                return profileError(path, u"must be an object"_s);
            const Obj o(arr.at(i).toObject(), path);
            if (Status s = o.onlyKeys({"code"_L1, "label"_L1, "state"_L1}); !s)
                return s.error();
            Result<QString> code = o.string("code"_L1);
            if (!code)
                return code.error();
            if (!codeRe.match(*code).hasMatch())
                return profileError(o.at(u"code"), u"'%1' is not a status code (lowercase letters, digits, '_', "
                                                   "starting with a letter, at most 32)"_s.arg(*code));
            if (builtInStatuses().contains(*code))
                return profileError(o.at(u"code"), u"'%1' is a built-in Magento status"_s.arg(*code));
            for (const CustomStatus &c : std::as_const(p.m_customStatuses)) {
                if (c.code == *code)
                    return profileError(o.at(u"code"), u"'%1' is declared twice"_s.arg(*code));
            }
            Result<QString> label = o.has("label"_L1) ? o.string("label"_L1) : Result<QString>(QString());
            if (!label)
                return label.error();
            Result<QString> state = o.string("state"_L1);
            if (!state)
                return state.error();
            if (!contains(kStates, *state))
                return profileError(o.at(u"state"), u"'%1' is not a Magento order state (%2)"_s.arg(*state, listText(kStates)));
            p.m_customStatuses.append({*code, *label, *state});
        }
    }

    // statusMap
    {
        Result<Obj> sm = root.object("statusMap"_L1, true);
        if (!sm)
            return sm.error();
        for (auto it = sm->raw().begin(); it != sm->raw().end(); ++it) {
            if (!contains(kGatewayKeys, it.key()))
                return profileError(sm->at(it.key()), u"unknown gateway status (known: %1)"_s.arg(listText(kGatewayKeys)));
        }
        for (QLatin1StringView key : kGatewayKeys) {
            const QJsonValue v = sm->value(key);
            if (v.isUndefined() && contains(kOptionalGatewayKeys, QString(key))) {
                p.m_statusMap.insert(QString(key), QString());
                continue;
            }
            if (v.isUndefined())
                return profileError(sm->at(key), u"is required (a Magento status, or null to leave the status alone)"_s);
            if (v.isNull()) {
                p.m_statusMap.insert(QString(key), QString());
                continue;
            }
            if (!v.isString())
                return profileError(sm->at(key), u"must be a status code or null"_s);
            if (p.stateOfStatus(v.toString()).isEmpty())
                return profileError(sm->at(key), u"'%1' is not a Magento status (built-in: %2; or declare it in "
                                                 "customStatuses)"_s.arg(v.toString(), builtInStatuses().join(u", "_s)));
            const QString state = p.stateOfStatus(v.toString());
            if (!allowedStatesFor(QString(key)).contains(state)) {
                QString why;
                for (const EventStates &e : kEventStates) {
                    if (e.event == key)
                        why = QString(e.why);
                }
                return profileError(sm->at(key), u"'%1' belongs to state %2; %3"_s.arg(v.toString(), state, why));
            }
            p.m_statusMap.insert(QString(key), v.toString());
        }
    }

    // rules
    {
        Result<Obj> rules = root.object("rules"_L1, true);
        if (!rules)
            return rules.error();
        if (Status s = rules->onlyKeys({"paymentApproved"_L1, "captureOnInvoiceOrShipment"_L1, "creditMemoRefund"_L1,
                                        "cancelVoid"_L1});
            !s)
            return s.error();

        Result<Obj> pa = rules->object("paymentApproved"_L1, true);
        if (!pa)
            return pa.error();
        if (Status s = pa->onlyKeys({"enabled"_L1, "setStatus"_L1, "addComment"_L1, "commentTemplate"_L1,
                                     "erpEntries"_L1, "paymentDebit"_L1});
            !s)
            return s.error();
        PaymentApprovedRule &par = p.m_rules.paymentApproved;
        for (auto [key, out] : {std::pair{"enabled"_L1, &par.enabled}, std::pair{"setStatus"_L1, &par.setStatus},
                                std::pair{"addComment"_L1, &par.addComment}, std::pair{"erpEntries"_L1, &par.erpEntries}}) {
            Result<bool> b = pa->boolean(key, true);
            if (!b)
                return b.error();
            *out = *b;
        }
        if (pa->has("commentTemplate"_L1) || par.addComment) {
            Result<QString> tpl = pa->string("commentTemplate"_L1);
            if (!tpl)
                return tpl.error();
            if (par.addComment && tpl->trimmed().isEmpty())
                return profileError(pa->at(u"commentTemplate"), u"must not be empty when addComment is true"_s);
            if (Status s = checkTemplate(*tpl, pa->at(u"commentTemplate")); !s)
                return s.error();
            par.commentTemplate = *tpl;
        }
        par.paymentDebit = u"clearing"_s;
        if (pa->has("paymentDebit"_L1)) {
            Result<QString> debit = pa->string("paymentDebit"_L1);
            if (!debit)
                return debit.error();
            if (*debit != "clearing"_L1 && *debit != "cash"_L1)
                return profileError(pa->at(u"paymentDebit"), u"'%1' must be \"clearing\" or \"cash\""_s.arg(*debit));
            par.paymentDebit = *debit;
        }

        Result<Obj> cap = rules->object("captureOnInvoiceOrShipment"_L1, true);
        if (!cap)
            return cap.error();
        if (Status s = cap->onlyKeys({"enabled"_L1, "trigger"_L1}); !s)
            return s.error();
        Result<bool> capEnabled = cap->boolean("enabled"_L1, true);
        if (!capEnabled)
            return capEnabled.error();
        p.m_rules.captureOnInvoiceOrShipment.enabled = *capEnabled;
        Result<QString> trigger = cap->string("trigger"_L1);
        if (!trigger)
            return trigger.error();
        if (!contains(kTriggers, *trigger))
            return profileError(cap->at(u"trigger"), u"'%1' is not a trigger (%2)"_s.arg(*trigger, listText(kTriggers)));
        p.m_rules.captureOnInvoiceOrShipment.trigger = *trigger;

        Result<Obj> cm = rules->object("creditMemoRefund"_L1, true);
        if (!cm)
            return cm.error();
        if (Status s = cm->onlyKeys({"enabled"_L1, "voidWhenUnsettled"_L1}); !s)
            return s.error();
        Result<bool> cmEnabled = cm->boolean("enabled"_L1, true);
        Result<bool> voidUnsettled = cm->boolean("voidWhenUnsettled"_L1, true);
        if (!cmEnabled)
            return cmEnabled.error();
        if (!voidUnsettled)
            return voidUnsettled.error();
        p.m_rules.creditMemoRefund = {*cmEnabled, *voidUnsettled};

        Result<Obj> cv = rules->object("cancelVoid"_L1, true);
        if (!cv)
            return cv.error();
        if (Status s = cv->onlyKeys({"enabled"_L1}); !s)
            return s.error();
        Result<bool> cvEnabled = cv->boolean("enabled"_L1, true);
        if (!cvEnabled)
            return cvEnabled.error();
        p.m_rules.cancelVoid.enabled = *cvEnabled;
    }

    // erpAccounts
    {
        Result<Obj> ea = root.object("erpAccounts"_L1, true);
        if (!ea)
            return ea.error();
        if (Status s = ea->onlyKeys({"default"_L1, "perCurrency"_L1}); !s)
            return s.error();
        Result<Obj> def = ea->object("default"_L1, true);
        if (!def)
            return def.error();
        Result<QMap<AccountRole, QString>> defaults = readAccounts(*def, true);
        if (!defaults)
            return defaults.error();
        p.m_accounts.defaults = *defaults;
        Result<Obj> per = ea->object("perCurrency"_L1, false);
        if (!per)
            return per.error();
        for (auto it = per->raw().begin(); it != per->raw().end(); ++it) {
            if (!Currency::fromCode(it.key()))
                return profileError(per->at(it.key()), u"'%1' is not a known ISO 4217 currency"_s.arg(it.key()));
            if (!it.value().isObject())
                return profileError(per->at(it.key()), u"must be an object of accounts"_s);
            Result<QMap<AccountRole, QString>> accounts = readAccounts(Obj(it.value().toObject(), per->at(it.key())), false);
            if (!accounts)
                return accounts.error();
            p.m_accounts.perCurrency.insert(it.key(), *accounts);
        }
    }

    // customers: optional (documents written before it existed hold the defaults)
    {
        Result<Obj> cu = root.object("customers"_L1, false);
        if (!cu)
            return cu.error();
        Result<CustomerRules> rules = readCustomerRules(*cu);
        if (!rules)
            return rules.error();
        p.m_customers = *rules;
    }
    return p;
}

QByteArray MappingProfile::toJson() const
{
    QJsonObject fallback{{u"enabled"_s, m_linkKey.fallback.enabled},
                         {u"amountToleranceMinor"_s, m_linkKey.fallback.amountToleranceMinor},
                         {u"timeWindowMinutes"_s, m_linkKey.fallback.timeWindowMinutes},
                         {u"matchLast4"_s, m_linkKey.fallback.matchLast4}};
    QJsonObject link{{u"paytraceField"_s, m_linkKey.paytraceField},
                     {u"magentoField"_s, m_linkKey.magentoField},
                     {u"transforms"_s, m_linkKey.transforms.toJson()},
                     {u"fallback"_s, fallback}};
    QJsonObject statusMap;
    for (auto it = m_statusMap.begin(); it != m_statusMap.end(); ++it)
        statusMap.insert(it.key(), it.value().isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(it.value()));
    QJsonArray custom;
    for (const CustomStatus &c : m_customStatuses)
        custom.append(QJsonObject{{u"code"_s, c.code}, {u"label"_s, c.label}, {u"state"_s, c.state}});
    const PaymentApprovedRule &pa = m_rules.paymentApproved;
    QJsonObject rules{
        {u"paymentApproved"_s, QJsonObject{{u"enabled"_s, pa.enabled}, {u"setStatus"_s, pa.setStatus},
                                           {u"addComment"_s, pa.addComment}, {u"commentTemplate"_s, pa.commentTemplate},
                                           {u"erpEntries"_s, pa.erpEntries}, {u"paymentDebit"_s, pa.paymentDebit}}},
        {u"captureOnInvoiceOrShipment"_s, QJsonObject{{u"enabled"_s, m_rules.captureOnInvoiceOrShipment.enabled},
                                                      {u"trigger"_s, m_rules.captureOnInvoiceOrShipment.trigger}}},
        {u"creditMemoRefund"_s, QJsonObject{{u"enabled"_s, m_rules.creditMemoRefund.enabled},
                                            {u"voidWhenUnsettled"_s, m_rules.creditMemoRefund.voidWhenUnsettled}}},
        {u"cancelVoid"_s, QJsonObject{{u"enabled"_s, m_rules.cancelVoid.enabled}}}};
    const auto accountsJson = [](const QMap<AccountRole, QString> &map) {
        QJsonObject o;
        for (auto it = map.begin(); it != map.end(); ++it)
            o.insert(accountRoleName(it.key()), it.value());
        return o;
    };
    QJsonObject per;
    for (auto it = m_accounts.perCurrency.begin(); it != m_accounts.perCurrency.end(); ++it)
        per.insert(it.key(), accountsJson(it.value()));
    QJsonObject root{{u"version"_s, kProfileVersion},
                     {u"name"_s, m_name},
                     {u"linkKey"_s, link},
                     {u"statusMap"_s, statusMap},
                     {u"customStatuses"_s, custom},
                     {u"rules"_s, rules},
                     {u"erpAccounts"_s, QJsonObject{{u"default"_s, accountsJson(m_accounts.defaults)},
                                                    {u"perCurrency"_s, per}}},
                     {u"customers"_s, customerRulesJson(m_customers)}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

MappingProfile MappingProfile::defaults()
{
    QFile file(u":/paybridge/mapping/default.json"_s);
    // The default profile is compiled in and covered by tst_mapping_profile; failing to read
    // or validate it is a build defect, not a runtime condition to recover from.
    if (!file.open(QIODevice::ReadOnly))
        qFatal("mapping: the compiled-in default profile is missing");
    Result<MappingProfile> p = fromJson(file.readAll());
    if (!p)
        qFatal("mapping: the compiled-in default profile is invalid: %s", qPrintable(p.error().toString()));
    return std::move(p).value();
}

QString MappingProfile::magentoStatusFor(GatewayTransaction::Status status) const
{
    if (status == GatewayTransaction::Status::Unknown)
        return {};
    return magentoStatusFor(GatewayTransaction::statusName(status));
}

QString MappingProfile::magentoStatusFor(QStringView gatewayStatusKey) const
{
    return m_statusMap.value(gatewayStatusKey.toString());
}

QString MappingProfile::stateOfStatus(const QString &status) const
{
    for (const auto &[s, state] : kBuiltInStatuses) {
        if (status == s)
            return QString(state);
    }
    for (const CustomStatus &c : m_customStatuses) {
        if (c.code == status)
            return c.state;
    }
    return {};
}

QString MappingProfile::account(AccountRole role, const Currency &currency) const
{
    const auto per = m_accounts.perCurrency.constFind(currency.code());
    if (per != m_accounts.perCurrency.constEnd() && per->contains(role))
        return per->value(role);
    return m_accounts.defaults.value(role);
}

Result<EntryPlan> MappingProfile::planEntry(EntryKind kind, const QString &subject, const Money &amount,
                                            const QString &description) const
{
    if (!amount.isValid() || amount.isZero() || amount.isNegative())
        return makeError(u"mapping.entry.amount"_s, u"amount"_s,
                         u"an entry amount must be positive, got %1"_s.arg(amount.isValid() ? amount.toString() : u"none"_s));
    // Compiled once: the mapping preview plans entries for every order of a store.
    static const QRegularExpression kNotInReference(u"[\\s,;]"_s);
    if (subject.isEmpty() || subject.contains(kNotInReference))
        return makeError(u"mapping.entry.subject"_s, u"subject"_s,
                         u"'%1' cannot be part of a reference (empty, or has spaces, ',' or ';')"_s.arg(subject));
    const Currency &cur = amount.currency();
    const bool toCash = m_rules.paymentApproved.paymentDebit == "cash"_L1;
    const AccountRole settlementSide = toCash ? AccountRole::Cash : AccountRole::Clearing;
    AccountRole debit = AccountRole::Receivables;
    AccountRole credit = AccountRole::Sales;
    QString defaultText;
    switch (kind) {
    case EntryKind::Sale:
        debit = AccountRole::Receivables, credit = AccountRole::Sales;
        defaultText = u"Sale "_s + subject;
        break;
    case EntryKind::Payment:
        debit = settlementSide, credit = AccountRole::Receivables;
        defaultText = u"Card payment "_s + subject;
        break;
    case EntryKind::Refund:
        debit = AccountRole::Refunds, credit = settlementSide;
        defaultText = u"Refund "_s + subject;
        break;
    case EntryKind::Chargeback:
        debit = AccountRole::Chargebacks, credit = settlementSide;
        defaultText = u"Chargeback "_s + subject;
        break;
    case EntryKind::Fee:
        debit = AccountRole::Fees, credit = settlementSide;
        defaultText = u"Card processing fee "_s + subject;
        break;
    case EntryKind::WriteOff:
        debit = AccountRole::WriteOffs, credit = AccountRole::Receivables;
        defaultText = u"Write-off "_s + subject;
        break;
    case EntryKind::SettlementDeposit:
        debit = AccountRole::Cash, credit = AccountRole::Clearing;
        defaultText = u"Settlement deposit "_s + subject;
        break;
    }
    EntryPlan plan;
    plan.kind = kind;
    plan.externalRef = u"pb:"_s + entryKindName(kind) + u':' + subject;
    plan.description = description.isEmpty() ? defaultText : description;
    plan.postings = {{account(debit, cur), amount}, {account(credit, cur), amount.negated()}};
    return plan;
}

QString MappingProfile::renderComment(const GatewayTransaction &tx, const QString &incrementId) const
{
    const QString tpl = m_rules.paymentApproved.commentTemplate;
    QString out;
    for (qsizetype i = 0; i < tpl.size(); ++i) {
        const qsizetype end = tpl.at(i) == u'{' ? tpl.indexOf(u'}', i) : -1;
        if (end < 0) {
            out += tpl.at(i);
            continue;
        }
        const QStringView name = QStringView(tpl).mid(i + 1, end - i - 1);
        if (name == "transaction_id"_L1)
            out += tx.transactionId;
        else if (name == "type"_L1)
            out += GatewayTransaction::typeName(tx.type);
        else if (name == "status"_L1)
            out += GatewayTransaction::statusName(tx.status);
        else if (name == "amount"_L1)
            out += tx.amount.isValid() ? tx.amount.toString() : QString();
        else if (name == "card_type"_L1)
            out += tx.cardType;
        else if (name == "last4"_L1)
            out += tx.cardLast4;
        else if (name == "approval_code"_L1)
            out += tx.approvalCode;
        else if (name == "increment_id"_L1)
            out += incrementId;
        else if (name == "batch"_L1)
            out += tx.batch;
        i = end;
    }
    return out;
}

bool operator==(const MappingProfile &a, const MappingProfile &b)
{
    const auto sameLink = [](const LinkKey &x, const LinkKey &y) {
        return x.paytraceField == y.paytraceField && x.magentoField == y.magentoField && x.transforms == y.transforms
            && x.fallback.enabled == y.fallback.enabled && x.fallback.amountToleranceMinor == y.fallback.amountToleranceMinor
            && x.fallback.timeWindowMinutes == y.fallback.timeWindowMinutes && x.fallback.matchLast4 == y.fallback.matchLast4;
    };
    return a.m_name == b.m_name && sameLink(a.m_linkKey, b.m_linkKey) && a.m_statusMap == b.m_statusMap
        && a.m_customStatuses == b.m_customStatuses && a.m_rules == b.m_rules && a.m_accounts == b.m_accounts
        && a.m_customers == b.m_customers;
}

} // namespace pb::mapping
