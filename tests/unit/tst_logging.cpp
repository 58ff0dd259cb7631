#include "log/categories.h"
#include "log/logging.h"
#include "log/requestid.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <unistd.h>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

QString readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromUtf8(f.readAll());
}

QStringList lines(const QString &path)
{
    return readAll(path).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

// Captures what is written to file descriptor 2 while alive.
class StderrCapture
{
public:
    StderrCapture()
    {
        m_file.open();
        std::fflush(stderr);
        m_saved = ::dup(2);
        ::dup2(m_file.handle(), 2);
    }
    ~StderrCapture() { restore(); }
    QString text()
    {
        restore();
        m_file.seek(0);
        return QString::fromUtf8(m_file.readAll());
    }

private:
    void restore()
    {
        if (m_saved < 0)
            return;
        std::fflush(stderr);
        ::dup2(m_saved, 2);
        ::close(m_saved);
        m_saved = -1;
    }
    QTemporaryFile m_file;
    int m_saved = -1;
};

} // namespace

class TestLogging : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    QString logFile() const { return m_dir->filePath(u"paybridge.log"_s); }

    void installIn(qint64 maxBytes = 1024 * 1024, int keep = 3)
    {
        pb::log::LogOptions options;
        options.directory = m_dir->path();
        options.maxFileBytes = maxBytes;
        options.keepFiles = keep;
        const pb::Status s = pb::log::install(options);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup()
    {
        pb::log::uninstall();
        m_dir.reset();
    }

    void lineHasTimeLevelCategoryAndRequestId()
    {
        installIn();
        qCInfo(pb::lcSync) << "outside any request";
        {
            pb::log::RequestIdScope outer(u"req-42"_s);
            qCWarning(pb::lcSyncPaytrace).noquote() << "inside request";
            {
                pb::log::RequestIdScope inner(u"req-43"_s);
                qCInfo(pb::lcNet).noquote() << "nested";
            }
            qCInfo(pb::lcSecurity).noquote() << "back to outer";
        }
        qCDebug(pb::lcSync) << "debug is off by default";
        pb::log::uninstall();

        const QStringList all = lines(logFile());
        QCOMPARE(all.size(), 4);
        static const QRegularExpression shape(
            uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warning|critical|fatal) [a-z.]+ \[req=[^\]]+\] .*$)"_s);
        for (const QString &line : all)
            QVERIFY2(shape.match(line).hasMatch(), qPrintable(line));
        QVERIFY(all.at(0).endsWith(u" info paybridge.sync [req=-] outside any request"_s));
        QVERIFY(all.at(1).endsWith(u" warning paybridge.sync.paytrace [req=req-42] inside request"_s));
        QVERIFY(all.at(2).endsWith(u" info paybridge.net [req=req-43] nested"_s));
        QVERIFY(all.at(3).endsWith(u" info paybridge.security [req=req-42] back to outer"_s));
        QCOMPARE(pb::log::RequestIdScope::current(), QString());
    }

    void fileIsPrivate()
    {
        installIn();
        qCInfo(pb::lcApp) << "hello";
        QCOMPARE(QFile::permissions(logFile()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther
                                                  | QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
    }

    void secretsNeverReachTheFile_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("stillThere"); // proves the line itself was written
        QTest::newRow("bearer") << u"GET /v1/transactions Authorization: Bearer CANARYtoken123"_s
                                << u"CANARYtoken123"_s << u"Authorization: Bearer [redacted]"_s;
        QTest::newRow("json password") << u"token request {\"grant_type\":\"password\",\"password\":\"CANARYpw\"}"_s
                                       << u"CANARYpw"_s << u"\"password\":\"[redacted]\""_s;
        QTest::newRow("form secret") << u"body consumer_secret=CANARYcs&x=1"_s << u"CANARYcs"_s << u"x=1"_s;
        QTest::newRow("pan") << u"charging 4111 1111 1111 1111 for order 100000123"_s
                             << u"4111 1111 1111 1111"_s << u"**** **** **** 1111 for order 100000123"_s;
        QTest::newRow("pan digits only") << u"number=4012000098765439"_s << u"4012000098765439"_s << u"************5439"_s;
        QTest::newRow("csc") << u"{\"csc\":\"4987\",\"amount\":\"10.00\"}"_s << u"4987"_s << u"\"amount\":\"10.00\""_s;
        QTest::newRow("multi-line") << u"headers:\nAuthorization: Basic Q0FOQVJZYmFzaWM=\nAccept: */*"_s
                                    << u"Q0FOQVJZYmFzaWM="_s << u"    Accept: */*"_s;
    }

    void secretsNeverReachTheFile()
    {
        QFETCH(QString, message);
        QFETCH(QString, secret);
        QFETCH(QString, stillThere);
        installIn();
        {
            StderrCapture err; // warnings are echoed to stderr: redacted there too
            pb::log::RequestIdScope scope(u"req-canary"_s);
            qCWarning(pb::lcNet).noquote() << message;
            qCInfo(pb::lcSyncMagento) << message; // quoted by QDebug: escapes inside
            qWarning().noquote() << message;       // no category
            const QString echoed = err.text();
            QVERIFY(echoed.contains(u"req-canary"_s));
            QVERIFY2(!echoed.contains(secret), qPrintable(echoed));
        }
        pb::log::uninstall();
        const QString text = readAll(logFile());
        QCOMPARE(lines(logFile()).filter(u"[req=req-canary]"_s).size(), 3);
        QVERIFY2(!text.contains(secret), qPrintable(text));
        QVERIFY2(text.contains(stillThere), qPrintable(text));
    }

    void stderrGetsWarningsOnly()
    {
        installIn();
        StderrCapture err;
        qCInfo(pb::lcApp).noquote() << "an info line";
        qCWarning(pb::lcApp).noquote() << "a warning line";
        const QString echoed = err.text();
        QVERIFY(!echoed.contains(u"an info line"_s));
        QVERIFY(echoed.contains(u"warning paybridge.app [req=-] a warning line"_s));
        QVERIFY(readAll(logFile()).contains(u"an info line"_s));
    }

    void rotatesAtConfiguredSize()
    {
        const qint64 maxBytes = 2000;
        installIn(maxBytes, 2);
        const QString pad(60, QLatin1Char('x'));
        for (int i = 0; i < 200; ++i)
            qCInfo(pb::lcSync).noquote() << u"line %1 "_s.arg(i, 3, 10, QLatin1Char('0')) + pad;
        pb::log::uninstall();

        const QString current = logFile();
        const QString first = current + u".1"_s;
        const QString second = current + u".2"_s;
        QVERIFY(QFile::exists(current));
        QVERIFY(QFile::exists(first));
        QVERIFY(QFile::exists(second));
        QVERIFY(!QFile::exists(current + u".3"_s)); // keepFiles = 2
        for (const QString &path : {current, first, second})
            QVERIFY2(QFileInfo(path).size() <= maxBytes, qPrintable(path));
        // Rotated files are full (within one line of the limit).
        QVERIFY(QFileInfo(first).size() > maxBytes - 200);

        // Newest in the current file, older ones in .1 then .2, the oldest dropped.
        QVERIFY(readAll(current).contains(u"line 199 "_s));
        const QStringList inFirst = lines(first);
        const QStringList inCurrent = lines(current);
        QVERIFY(inFirst.last().contains(u"line %1 "_s.arg(199 - inCurrent.size(), 3, 10, QLatin1Char('0'))));
        QVERIFY(!readAll(second).contains(u"line 000 "_s));
    }

    void concurrentThreadsWriteWholeLines()
    {
        installIn();
        constexpr int threads = 4;
        constexpr int perThread = 250;
        QList<QThread *> workers;
        for (int t = 0; t < threads; ++t) {
            workers << QThread::create([t] {
                pb::log::RequestIdScope scope(u"thread-%1"_s.arg(t));
                for (int i = 0; i < perThread; ++i)
                    qCInfo(pb::lcSync).noquote() << u"t%1 message %2 end"_s.arg(t).arg(i);
            });
        }
        for (QThread *w : workers)
            w->start();
        for (QThread *w : workers) {
            QVERIFY(w->wait(60000));
            delete w;
        }
        pb::log::uninstall();

        const QStringList all = lines(logFile());
        QCOMPARE(all.size(), threads * perThread);
        static const QRegularExpression shape(uR"(\[req=thread-(\d)\] t(\d) message \d+ end$)"_s);
        for (const QString &line : all) {
            const QRegularExpressionMatch m = shape.match(line);
            QVERIFY2(m.hasMatch(), qPrintable(line));
            QCOMPARE(m.captured(1), m.captured(2)); // each thread's own request id
        }
    }

    void logDirectoryDefaultsToAppLocalData()
    {
        pb::test::IsolatedHome home;
        QCoreApplication::setOrganizationName(u"PayBridge"_s);
        QCoreApplication::setApplicationName(u"PayBridge"_s);
        const QString expected = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + u"/logs"_s;
        QVERIFY(expected.startsWith(home.path()));
        QCOMPARE(pb::log::logDirectory(), expected);

        QVERIFY(pb::log::install().ok());
        QCOMPARE(pb::log::logDirectory(), expected);
        QCOMPARE(pb::log::logFilePath(), expected + u"/paybridge.log"_s);
        qCInfo(pb::lcApp) << "default location";
        QVERIFY(readAll(expected + u"/paybridge.log"_s).contains(u"default location"_s));
        pb::log::uninstall();

        installIn();
        QCOMPARE(pb::log::logDirectory(), m_dir->path());
    }

    void unwritableDirectoryIsReported()
    {
        pb::log::LogOptions options;
        options.directory = u"/proc/paybridge-cannot-write-here"_s;
        const pb::Status s = pb::log::install(options);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, u"log.directory"_s);
        // Still installed: messages go to stderr instead of being lost.
        StderrCapture err;
        qCInfo(pb::lcApp).noquote() << "password=CANARYfallback";
        const QString echoed = err.text();
        QVERIFY(echoed.contains(u"password=[redacted]"_s));
        QVERIFY(!echoed.contains(u"CANARYfallback"_s));
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
