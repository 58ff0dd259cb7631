#include "mapping/profilediff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

QString compact(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Undefined:
        return {};
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    default: {
        // A scalar: wrap it so QJsonDocument writes it with JSON's quoting and number form.
        const QByteArray wrapped = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
    }
    }
}

void diffValue(const QString &path, const QJsonValue &a, const QJsonValue &b, QList<ProfileChange> &out)
{
    if (a.isObject() && b.isObject()) {
        const QJsonObject oa = a.toObject();
        const QJsonObject ob = b.toObject();
        QStringList keys = oa.keys() + ob.keys();
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (const QString &k : keys)
            diffValue(path.isEmpty() ? k : path + u'.' + k, oa.value(k), ob.value(k), out);
        return;
    }
    if (a.isArray() && b.isArray()) {
        const QJsonArray aa = a.toArray();
        const QJsonArray ab = b.toArray();
        const qsizetype n = std::max(aa.size(), ab.size());
        for (qsizetype i = 0; i < n; ++i) {
            const QJsonValue va = i < aa.size() ? aa.at(i) : QJsonValue(QJsonValue::Undefined);
            const QJsonValue vb = i < ab.size() ? ab.at(i) : QJsonValue(QJsonValue::Undefined);
            diffValue(path + u'[' + QString::number(i) + u']', va, vb, out);
        }
        return;
    }
    if (a == b)
        return;
    out.append(ProfileChange{path, compact(a), compact(b)});
}

QJsonObject parsed(const QByteArray &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    return doc.isObject() ? doc.object() : QJsonObject();
}

} // namespace

QList<ProfileChange> diffProfiles(const QByteArray &from, const QByteArray &to)
{
    QList<ProfileChange> out;
    diffValue(QString(), parsed(from), parsed(to), out);
    return out;
}

} // namespace pb::mapping
