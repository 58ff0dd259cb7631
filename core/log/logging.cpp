#include "log/logging.h"

#include "log/redactor.h"
#include "log/requestid.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QMutex>
#include <QStandardPaths>

#include <atomic>
#include <cstdio>
#include <memory>

namespace pb::log {

namespace {

int severity(QtMsgType type)
{
    // QtMsgType's numeric order is not severity order (QtInfoMsg is 4).
    switch (type) {
    case QtDebugMsg: return 0;
    case QtInfoMsg: return 1;
    case QtWarningMsg: return 2;
    case QtCriticalMsg: return 3;
    case QtFatalMsg: return 4;
    }
    return 2;
}

QLatin1StringView levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return QLatin1StringView("debug");
    case QtInfoMsg: return QLatin1StringView("info");
    case QtWarningMsg: return QLatin1StringView("warning");
    case QtCriticalMsg: return QLatin1StringView("critical");
    case QtFatalMsg: return QLatin1StringView("fatal");
    }
    return QLatin1StringView("warning");
}

QString defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
           + QStringLiteral("/logs");
}

struct State
{
    QMutex mutex; // guards everything below
    bool installed = false;
    QtMessageHandler previous = nullptr;
    LogOptions options;
    QString directory;
    std::unique_ptr<QFile> file;
    qint64 fileSize = 0;
    std::atomic<int> stderrSeverity{severity(QtWarningMsg)};
};

State &state()
{
    // Never destroyed: threads and static destructors may still log during shutdown.
    static State *s = new State;
    return *s;
}

QString rotatedPath(const QString &path, int n)
{
    return path + QLatin1Char('.') + QString::number(n);
}

// Caller holds the mutex.
bool openFile(State &s)
{
    auto file = std::make_unique<QFile>(QDir(s.directory).filePath(s.options.fileName));
    if (!file->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text,
                    QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        s.file.reset();
        return false;
    }
    s.fileSize = file->size();
    s.file = std::move(file);
    return true;
}

// Caller holds the mutex.
void rotate(State &s)
{
    const QString path = s.file->fileName();
    s.file->close();
    s.file.reset();
    const int keep = std::max(0, s.options.keepFiles);
    if (keep == 0) {
        QFile::remove(path);
    } else {
        QFile::remove(rotatedPath(path, keep));
        for (int i = keep - 1; i >= 1; --i) {
            if (QFile::exists(rotatedPath(path, i)))
                QFile::rename(rotatedPath(path, i), rotatedPath(path, i + 1));
        }
        QFile::rename(path, rotatedPath(path, 1));
    }
    openFile(s);
}

QByteArray formatLine(QtMsgType type, const char *category, const QString &redactedMessage)
{
    QString message = redactedMessage;
    // Continuation lines are indented so a message cannot forge a line of its own.
    message.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    message.replace(QLatin1Char('\n'), QStringLiteral("\n    "));
    const QString requestId = RequestIdScope::current();
    const QString line = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)
                         + QLatin1Char(' ') + levelName(type) + QLatin1Char(' ')
                         + QLatin1StringView(category ? category : "default")
                         + QStringLiteral(" [req=")
                         + (requestId.isEmpty() ? QStringLiteral("-") : Redactor::redact(requestId))
                         + QStringLiteral("] ") + message + QLatin1Char('\n');
    return line.toUtf8();
}

void writeStderr(const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    // Something logged from inside the handler (a QFile warning, say) must not deadlock on
    // the mutex; it goes to stderr only.
    static thread_local bool inside = false;
    const QByteArray bytes = formatLine(type, context.category, Redactor::redact(message));
    if (inside) {
        writeStderr(bytes);
        return;
    }
    inside = true;
    State &s = state();
    bool written = false;
    {
        QMutexLocker lock(&s.mutex);
        if (s.file) {
            if (s.fileSize > 0 && s.fileSize + bytes.size() > s.options.maxFileBytes)
                rotate(s);
            if (s.file && s.file->write(bytes) == bytes.size()) {
                s.file->flush(); // a crash must not lose the lines leading up to it
                s.fileSize += bytes.size();
                written = true;
            }
        }
    }
    if (severity(type) >= s.stderrSeverity.load(std::memory_order_relaxed)
        || (!written && severity(type) >= severity(QtInfoMsg))) {
        writeStderr(bytes);
    }
    inside = false;
}

} // namespace

pb::Status install(const LogOptions &options)
{
    State &s = state();
    QString directory = options.directory.isEmpty() ? defaultDirectory() : options.directory;
    pb::Status status;
    {
        QMutexLocker lock(&s.mutex);
        s.options = options;
        s.directory = directory;
        s.stderrSeverity.store(severity(options.stderrLevel), std::memory_order_relaxed);
        s.file.reset();
        if (!QDir().mkpath(directory)) {
            status = pb::makeError(QStringLiteral("log.directory"), directory,
                                   QStringLiteral("cannot create the log directory"));
        } else {
            // Logs hold order and customer data; keep them private to the user.
            QFile::setPermissions(directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                 | QFileDevice::ExeOwner);
            if (!openFile(s)) {
                status = pb::makeError(QStringLiteral("log.file"),
                                       QDir(directory).filePath(options.fileName),
                                       QStringLiteral("cannot open the log file for appending"));
            }
        }
        if (!s.installed) {
            s.previous = qInstallMessageHandler(messageHandler);
            s.installed = true;
        }
    }
    return status;
}

void uninstall()
{
    State &s = state();
    QMutexLocker lock(&s.mutex);
    if (!s.installed)
        return;
    qInstallMessageHandler(s.previous);
    s.previous = nullptr;
    s.installed = false;
    s.file.reset();
    s.directory.clear();
}

QString logDirectory()
{
    State &s = state();
    QMutexLocker lock(&s.mutex);
    return s.installed ? s.directory : defaultDirectory();
}

QString logFilePath()
{
    State &s = state();
    QMutexLocker lock(&s.mutex);
    const QString name = s.installed ? s.options.fileName : LogOptions{}.fileName;
    return QDir(s.installed ? s.directory : defaultDirectory()).filePath(name);
}

} // namespace pb::log
