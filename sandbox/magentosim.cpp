#include "magentosim.h"

#include "jsonwriter.h"
#include "magentojson.h"
#include "sandboxclock.h"
#include "simutil.h"

#include <QMutexLocker>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

HttpResponse toResponse(const MagentoError &e)
{
    return HttpResponse::json(e.status, e.body);
}

HttpResponse noRoute()
{
    return toResponse(magentoError(404, u"Request does not match any route."_s));
}

bool parseFields(const QList<QPair<QByteArray, QByteArray>> &query, FieldSelection *selection, bool *present,
                 MagentoError *error)
{
    *present = false;
    for (const auto &[key, value] : query) {
        if (key != "fields")
            continue;
        *present = true;
        QString message;
        if (!FieldSelection::parse(value, selection, &message)) {
            *error = magentoError(400, u"Invalid fields parameter: %1"_s.arg(message));
            return false;
        }
    }
    return true;
}

} // namespace

MagentoSimulator::MagentoSimulator(const SandboxClock *clock, const SandboxCredentials &credentials)
    : m_clock(clock), m_credentials(credentials),
      m_oauth(credentials.magentoConsumerKey, credentials.magentoConsumerSecret, credentials.magentoAccessToken,
              credentials.magentoAccessTokenSecret)
{
}

void MagentoSimulator::load(const QList<MagentoOrder> &orders)
{
    QMutexLocker lock(&m_mutex);
    m_store.load(orders);
}

QByteArray MagentoSimulator::rateLimitedBody()
{
    return QByteArrayLiteral("{\"message\":\"Too Many Requests\",\"trace\":null}");
}

HttpResponse MagentoSimulator::handle(const HttpRequest &request, QByteArrayView path)
{
    // /rest/V1/... or /rest/<store code>/V1/...
    if (!path.startsWith("/rest/"))
        return noRoute();
    QByteArrayView rest = path.sliced(6);
    if (!rest.startsWith("V1/")) {
        const qsizetype slash = rest.indexOf('/');
        if (slash <= 0)
            return noRoute();
        const QByteArrayView store = rest.first(slash);
        if (store != "default" && store != "all")
            return toResponse(magentoError(400, u"The store that was requested wasn't found. Verify the store and try again."_s));
        rest = rest.sliced(slash + 1);
        if (!rest.startsWith("V1/"))
            return noRoute();
    }
    const QByteArrayView route = rest.sliced(2); // "/orders", "/orders/12"

    enum class Route { List, One } which;
    qint64 entityId = 0;
    QByteArray rawId;
    if (route == "/orders") {
        which = Route::List;
    } else if (route.startsWith("/orders/") && route.indexOf('/', 8) < 0 && route.size() > 8) {
        which = Route::One;
        rawId = QByteArray::fromPercentEncoding(route.sliced(8).toByteArray());
    } else {
        return noRoute();
    }
    if (request.method != "GET")
        return noRoute(); // Magento matches method and path together

    QMutexLocker lock(&m_mutex);
    // Authentication: the ACL of both routes is Magento_Sales::actions_view.
    const QByteArray authorization = request.header("authorization");
    if (MagentoOAuthVerifier::isOAuthHeader(authorization)) {
        if (const auto refused = m_oauth.verify(request, m_clock->nowSecs()))
            return toResponse(*refused);
    } else {
        const bool bearerOk = m_bearerEnabled.load() && authorization.size() > 7
            && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0
            && authorization.mid(7).trimmed() == m_credentials.magentoAccessToken.toLatin1();
        if (!bearerOk)
            return toResponse(magentoError(401, u"The consumer isn't authorized to access %resources."_s,
                                           {{u"resources"_s, u"Magento_Sales::actions_view"_s}}));
    }

    const auto query = parseFormEncoded(request.query);
    FieldSelection selection;
    bool hasFields = false;
    MagentoError error;
    if (!parseFields(query, &selection, &hasFields, &error))
        return toResponse(error);

    if (which == Route::One) {
        // The id must be an integer (Magento's type check); unknown ids are a 404.
        bool ok = false;
        entityId = rawId.toLongLong(&ok);
        if (!ok)
            return toResponse(magentoError(400, u"The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again."_s,
                                           {{u"value"_s, QString::fromUtf8(rawId)}, {u"type"_s, u"int"_s}}));
        const MagentoOrder *order = m_store.find(entityId);
        if (!order)
            return toResponse(magentoError(404, u"The entity that was requested doesn't exist. Verify the entity and try again."_s));
        QByteArray body;
        body.reserve(8192);
        JsonWriter w(&body, hasFields ? &selection : nullptr);
        writeMagentoOrder(w, *order);
        return HttpResponse::json(200, body);
    }

    bool present = false;
    const auto criteria = parseSearchCriteria(query, &present, &error);
    if (!criteria)
        return toResponse(error);
    if (!present)
        return toResponse(magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s,
                                       {{u"fieldName"_s, u"searchCriteria"_s}}));
    MagentoStore::Page page;
    if (!m_store.search(*criteria, m_inputLimits.load(), &page, &error))
        return toResponse(error);

    QByteArray body;
    body.reserve(qsizetype(page.indexes.size()) * 7000 + 512);
    JsonWriter w(&body, hasFields ? &selection : nullptr);
    w.beginObject();
    w.key("items");
    w.beginArray();
    const auto &orders = m_store.orders();
    for (int idx : page.indexes)
        writeMagentoOrder(w, orders[size_t(idx)]);
    w.endArray();
    w.key("search_criteria");
    writeSearchCriteria(w, *criteria);
    w.field("total_count", page.totalCount);
    w.endObject();
    return HttpResponse::json(200, body);
}

QList<MagentoOrder> MagentoSimulator::orders() const
{
    QMutexLocker lock(&m_mutex);
    const auto &all = m_store.orders();
    return QList<MagentoOrder>(all.begin(), all.end());
}

std::optional<MagentoOrder> MagentoSimulator::order(qint64 entityId) const
{
    QMutexLocker lock(&m_mutex);
    const MagentoOrder *o = m_store.find(entityId);
    return o ? std::optional<MagentoOrder>(*o) : std::nullopt;
}

std::optional<MagentoOrder> MagentoSimulator::orderByIncrementId(const QString &incrementId) const
{
    QMutexLocker lock(&m_mutex);
    for (const MagentoOrder &o : m_store.orders()) {
        if (o.incrementId == incrementId)
            return o;
    }
    return std::nullopt;
}

qsizetype MagentoSimulator::orderCount() const
{
    QMutexLocker lock(&m_mutex);
    return qsizetype(m_store.orders().size());
}

bool MagentoSimulator::updateOrder(const MagentoOrder &order)
{
    QMutexLocker lock(&m_mutex);
    return m_store.update(order);
}

} // namespace pb::sandbox
