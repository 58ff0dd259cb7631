#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTest>

namespace pb::test {

QString sourceDir()
{
    return qEnvironmentVariable("PAYBRIDGE_SOURCE_DIR", QDir::currentPath());
}

QString sharedDir()
{
    const QString fromEnv = qEnvironmentVariable("PAYBRIDGE_SHARED_DIR");
    if (!fromEnv.isEmpty())
        return QDir(fromEnv).canonicalPath();
    return QDir(sourceDir() + QStringLiteral("/../shared")).canonicalPath();
}

QByteArray recording(const QString &relativePath)
{
    QFile f(sharedDir() + QStringLiteral("/api/recordings/") + relativePath);
    if (!f.open(QIODevice::ReadOnly)) {
        QTest::qFail(qPrintable(QStringLiteral("recording missing: ") + f.fileName()), __FILE__, __LINE__);
        return {};
    }
    return f.readAll();
}

IsolatedHome::IsolatedHome()
{
    const QString base = m_dir.path();
    for (const char *sub : {"data", "config", "cache", "state"})
        QDir(base).mkpath(QString::fromLatin1(sub));
    qputenv("HOME", base.toLocal8Bit());
    qputenv("XDG_DATA_HOME", (base + QStringLiteral("/data")).toLocal8Bit());
    qputenv("XDG_CONFIG_HOME", (base + QStringLiteral("/config")).toLocal8Bit());
    qputenv("XDG_CACHE_HOME", (base + QStringLiteral("/cache")).toLocal8Bit());
    qputenv("XDG_STATE_HOME", (base + QStringLiteral("/state")).toLocal8Bit());
    QStandardPaths::setTestModeEnabled(false);
}

IsolatedHome::~IsolatedHome() = default;

} // namespace pb::test
