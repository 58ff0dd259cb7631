#include "profile/profilestore.h"

#include "log/categories.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSet>
#include <QStandardPaths>

namespace pb::profile {

namespace {

constexpr int kFormatVersion = 1;

pb::Error fileError(const QString &code, const QString &path, const QString &message)
{
    return pb::makeError(code, path, message);
}

pb::Result<QList<Profile>> readFile(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return QList<Profile>();
    if (!file.open(QIODevice::ReadOnly))
        return fileError(QStringLiteral("profile.io"), path, QStringLiteral("cannot read: ") + file.errorString());

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fileError(QStringLiteral("profile.syntax"), path,
                         QStringLiteral("not valid JSON at offset %1: %2")
                             .arg(parseError.offset)
                             .arg(parseError.errorString()));
    }
    if (!doc.isObject())
        return fileError(QStringLiteral("profile.syntax"), path, QStringLiteral("expected a JSON object"));
    const QJsonObject root = doc.object();
    if (root.value(QLatin1StringView("version")).toInt(-1) != kFormatVersion) {
        return pb::makeError(QStringLiteral("profile.version"), QStringLiteral("version"),
                             QStringLiteral("unsupported profiles file version (expected %1)").arg(kFormatVersion));
    }
    const QJsonValue list = root.value(QLatin1StringView("profiles"));
    if (!list.isArray()) {
        return pb::makeError(QStringLiteral("profile.invalid"), QStringLiteral("profiles"),
                             QStringLiteral("must be an array"));
    }

    QList<Profile> profiles;
    QSet<QString> names;
    const QJsonArray array = list.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString prefix = QStringLiteral("profiles[%1].").arg(i);
        if (!array.at(i).isObject()) {
            return pb::makeError(QStringLiteral("profile.invalid"), prefix.chopped(1),
                                 QStringLiteral("must be an object"));
        }
        pb::Result<Profile> p = fromJson(array.at(i).toObject(), prefix);
        if (!p)
            return p.error();
        if (names.contains(p->name)) {
            return pb::makeError(QStringLiteral("profile.duplicate"), prefix + QStringLiteral("name"),
                                 QStringLiteral("duplicate profile name \"%1\"").arg(p->name));
        }
        names.insert(p->name);
        profiles.append(std::move(p).value());
    }
    return profiles;
}

} // namespace

ProfileStore::ProfileStore(QString filePath)
    : m_path(std::move(filePath))
{
}

QString ProfileStore::defaultFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)
           + QStringLiteral("/profiles.json");
}

pb::Status ProfileStore::load()
{
    pb::Result<QList<Profile>> read = readFile(m_path);
    if (!read) {
        qCWarning(lcCore).noquote() << "profiles:" << read.error().toString();
        return read.error();
    }
    m_profiles = std::move(read).value();
    return {};
}

std::optional<Profile> ProfileStore::find(const QString &name) const
{
    for (const Profile &p : m_profiles) {
        if (p.name == name)
            return p;
    }
    return std::nullopt;
}

pb::Status ProfileStore::add(Profile profile)
{
    if (!profile.createdAt.isValid())
        profile.createdAt = QDateTime::currentDateTimeUtc();
    if (pb::Status s = validate(profile); !s)
        return s;
    if (pb::Status s = load(); !s)
        return s;
    if (find(profile.name)) {
        return pb::makeError(QStringLiteral("profile.duplicate"), QStringLiteral("name"),
                             QStringLiteral("a profile named \"%1\" already exists").arg(profile.name));
    }
    QList<Profile> next = m_profiles;
    next.append(profile);
    return save(next);
}

pb::Status ProfileStore::update(const Profile &profile)
{
    if (pb::Status s = validate(profile); !s)
        return s;
    if (pb::Status s = load(); !s)
        return s;
    QList<Profile> next = m_profiles;
    for (Profile &p : next) {
        if (p.name != profile.name)
            continue;
        const QDateTime createdAt = p.createdAt;
        const QString createdBy = p.createdBy;
        p = profile;
        p.createdAt = createdAt;
        p.createdBy = createdBy;
        return save(next);
    }
    return pb::makeError(QStringLiteral("profile.not_found"), QStringLiteral("name"),
                         QStringLiteral("no profile named \"%1\"").arg(profile.name));
}

pb::Status ProfileStore::remove(const QString &name)
{
    if (pb::Status s = load(); !s)
        return s;
    QList<Profile> next = m_profiles;
    const qsizetype removed = next.removeIf([&name](const Profile &p) { return p.name == name; });
    if (removed == 0) {
        return pb::makeError(QStringLiteral("profile.not_found"), QStringLiteral("name"),
                             QStringLiteral("no profile named \"%1\"").arg(name));
    }
    return save(next);
}

pb::Status ProfileStore::save(const QList<Profile> &profiles)
{
    QJsonArray array;
    for (const Profile &p : profiles)
        array.append(toJson(p));
    QJsonObject root;
    root.insert(QLatin1StringView("version"), kFormatVersion);
    root.insert(QLatin1StringView("profiles"), array);

    if (!QDir().mkpath(QFileInfo(m_path).absolutePath()))
        return fileError(QStringLiteral("profile.io"), m_path, QStringLiteral("cannot create the directory"));
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return fileError(QStringLiteral("profile.io"), m_path, QStringLiteral("cannot write: ") + file.errorString());
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return fileError(QStringLiteral("profile.io"), m_path, QStringLiteral("cannot write: ") + file.errorString());
    m_profiles = profiles;
    return {};
}

} // namespace pb::profile
