#include "net/jsonread.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace pb::net::json {

namespace {
constexpr double kMaxExactDouble = 9007199254740992.0; // 2^53
}

Result<QJsonValue> parseValue(const QByteArray &body, const QString &what)
{
    if (body.size() > kMaxBodyBytes) {
        return makeError(QStringLiteral("json.too_large"), what,
                         QStringLiteral("body of %1 bytes exceeds the limit of %2 bytes")
                             .arg(body.size()).arg(kMaxBodyBytes));
    }
    if (body.trimmed().isEmpty())
        return makeError(QStringLiteral("json.syntax"), what, QStringLiteral("empty body where JSON was expected"));
    // QJsonDocument accepts only arrays and objects; wrap so bare scalars parse too.
    const QByteArray wrapped = '[' + body + ']';
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1) {
        const int offset = std::max(0, err.offset - 1);
        return makeError(QStringLiteral("json.syntax"), what,
                         QStringLiteral("not valid JSON (%1 at byte %2)")
                             .arg(err.error != QJsonParseError::NoError ? err.errorString()
                                                                        : QStringLiteral("more than one value"))
                             .arg(offset));
    }
    return doc.array().at(0);
}

Result<QJsonObject> parseObject(const QByteArray &body, const QString &what)
{
    auto v = parseValue(body, what);
    if (!v)
        return v.error();
    if (!v->isObject())
        return makeError(QStringLiteral("json.type"), what,
                         QStringLiteral("expected a JSON object, got ") + typeName(*v));
    return v->toObject();
}

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: return QStringLiteral("nothing");
    }
    return QStringLiteral("an unknown value");
}

Error typeError(const QString &field, const QJsonValue &v, const char *expected)
{
    return makeError(QStringLiteral("json.type"), field,
                     QStringLiteral("expected ") + QLatin1StringView(expected) + QStringLiteral(", got ")
                         + typeName(v));
}

Error missingError(const QString &field)
{
    return makeError(QStringLiteral("json.missing"), field, QStringLiteral("required field is missing"));
}

Result<std::optional<qint64>> toInt(const QJsonValue &v, const QString &path)
{
    if (v.isNull() || v.isUndefined())
        return std::optional<qint64>{};
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (!std::isfinite(d) || std::floor(d) != d)
            return makeError(QStringLiteral("json.type"), path,
                             QStringLiteral("expected an integer, got ") + QString::number(d, 'g', 17));
        if (std::fabs(d) > kMaxExactDouble)
            return makeError(QStringLiteral("json.range"), path,
                             QStringLiteral("integer %1 is too large to be exact").arg(QString::number(d, 'g', 17)));
        return std::optional<qint64>(static_cast<qint64>(d));
    }
    if (v.isString()) {
        const QString s = v.toString();
        bool ok = false;
        const qint64 n = s.toLongLong(&ok);
        // toLongLong accepts surrounding spaces and a '+'; ids never carry either.
        if (!ok || s.isEmpty() || s.front().isSpace() || s.back().isSpace() || s.front() == u'+')
            return makeError(QStringLiteral("json.type"), path,
                             QStringLiteral("expected an integer, got the string \"") + s.left(40) + u'"');
        return std::optional<qint64>(n);
    }
    return typeError(path, v, "an integer");
}

Result<std::optional<QString>> optString(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    const QString field = join(path, key);
    if (v.isNull() || v.isUndefined())
        return std::optional<QString>{};
    if (v.isString())
        return std::optional<QString>(v.toString());
    if (v.isDouble()) {
        auto n = toInt(v, field);
        if (!n)
            return n.error();
        return std::optional<QString>(QString::number(**n));
    }
    return typeError(field, v, "a string");
}

Result<std::optional<qint64>> optInt(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    return toInt(o.value(key), join(path, key));
}

Result<std::optional<bool>> optBool(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    const QString field = join(path, key);
    if (v.isNull() || v.isUndefined())
        return std::optional<bool>{};
    if (v.isBool())
        return std::optional<bool>(v.toBool());
    if (v.isDouble() && (v.toDouble() == 0.0 || v.toDouble() == 1.0))
        return std::optional<bool>(v.toDouble() == 1.0);
    if (v.isString()) {
        const QString s = v.toString();
        if (s == u"true" || s == u"1")
            return std::optional<bool>(true);
        if (s == u"false" || s == u"0")
            return std::optional<bool>(false);
    }
    return typeError(field, v, "a boolean");
}

Result<std::optional<QJsonObject>> optObject(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isNull() || v.isUndefined())
        return std::optional<QJsonObject>{};
    if (!v.isObject())
        return typeError(join(path, key), v, "an object");
    return std::optional<QJsonObject>(v.toObject());
}

Result<std::optional<QJsonArray>> optArray(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isNull() || v.isUndefined())
        return std::optional<QJsonArray>{};
    if (!v.isArray())
        return typeError(join(path, key), v, "an array");
    return std::optional<QJsonArray>(v.toArray());
}

} // namespace pb::net::json
