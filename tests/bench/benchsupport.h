#pragma once

#include <QHash>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>

namespace pb::bench {

// Peak resident set of this process, in MiB (VmHWM).
double peakRssMb();

// A `paybridge-sandbox` child process, so its memory is not counted as the benchmark's.
class SandboxProcess
{
public:
    ~SandboxProcess();
    bool start(const QStringList &arguments, QString *error);
    QString value(const QString &key) const { return m_values.value(key); }

private:
    QProcess m_process;
    QHash<QString, QString> m_values;
};

// Prints the figures' JSON object as the last line of output.
void printResult(const QJsonObject &figures);

} // namespace pb::bench
