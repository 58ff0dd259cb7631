#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

// Strict-but-lenient JSON field readers for API parsers. "Lenient" where the contract notes
// say the remote side varies (numbers as strings, ids as numbers), strict everywhere else:
// a wrong type is an error naming the field path, never a silent default.
namespace pb::net::json {

// Bodies larger than this are refused before parsing.
constexpr qsizetype kMaxBodyBytes = 64 * 1024 * 1024;

// The body as a JSON object. Errors: "json.syntax" (with Qt's reason and offset: invalid
// UTF-8, nesting deeper than the parser allows, truncation), "json.type" (not an object),
// "json.too_large".
Result<QJsonObject> parseObject(const QByteArray &body, const QString &what);
// Any JSON document (object, array or a bare scalar such as Magento's `true` or `"token"`).
Result<QJsonValue> parseValue(const QByteArray &body, const QString &what);

QString typeName(const QJsonValue &v);
Error typeError(const QString &field, const QJsonValue &v, const char *expected);
Error missingError(const QString &field);

// Absent or null → nullopt. Strings as they are; integral numbers as decimal text.
Result<std::optional<QString>> optString(const QJsonObject &o, QLatin1StringView key, const QString &path);
// Absent or null → nullopt. Integral JSON numbers or decimal digit strings within int64
// (numbers beyond 2^53 are refused: a double can no longer hold them exactly).
Result<std::optional<qint64>> optInt(const QJsonObject &o, QLatin1StringView key, const QString &path);
Result<std::optional<qint64>> toInt(const QJsonValue &v, const QString &path);
// true/false, 0/1, "true"/"false"/"0"/"1".
Result<std::optional<bool>> optBool(const QJsonObject &o, QLatin1StringView key, const QString &path);
// Absent or null → nullopt; otherwise must be an object / array.
Result<std::optional<QJsonObject>> optObject(const QJsonObject &o, QLatin1StringView key, const QString &path);
Result<std::optional<QJsonArray>> optArray(const QJsonObject &o, QLatin1StringView key, const QString &path);

inline QString join(const QString &path, QLatin1StringView key)
{
    return path.isEmpty() ? QString(key) : path + u'.' + key;
}
inline QString index(const QString &path, qsizetype i)
{
    return path + u'[' + QString::number(i) + u']';
}

} // namespace pb::net::json
