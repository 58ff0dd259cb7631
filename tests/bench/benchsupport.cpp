#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QThread>

#include <cstdio>

namespace pb::bench {

double peakRssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmHWM:")) {
            const QByteArray kb = line.mid(6).trimmed().split(' ').value(0);
            return kb.toDouble() / 1024.0;
        }
    }
    return -1;
}

SandboxProcess::~SandboxProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
    }
}

bool SandboxProcess::start(const QStringList &arguments, QString *error)
{
    const QString exe = QCoreApplication::applicationDirPath() + QStringLiteral("/../../sandbox/paybridge-sandbox");
    m_process.setProgram(QDir::cleanPath(exe));
    m_process.setArguments(arguments);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start();
    if (!m_process.waitForStarted(20000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(m_process.program(), m_process.errorString());
        return false;
    }
    QByteArray out;
    QElapsedTimer waited;
    waited.start();
    while (!out.contains("magento.bearer_token=") && waited.elapsed() < 300000) {
        if (!m_process.waitForReadyRead(1000) && m_process.state() == QProcess::NotRunning)
            break;
        out += m_process.readAllStandardOutput();
    }
    QThread::msleep(50);
    out += m_process.readAllStandardOutput();
    for (const QByteArray &line : out.split('\n')) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0)
            m_values.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(line.mid(eq + 1)).trimmed());
    }
    if (!m_values.contains(QStringLiteral("magento.bearer_token"))) {
        *error = QStringLiteral("the sandbox did not print its settings");
        return false;
    }
    return true;
}

void printResult(const QJsonObject &figures)
{
    std::printf("%s\n", QJsonDocument(figures).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

} // namespace pb::bench
