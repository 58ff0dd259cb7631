#pragma once

#include <QJsonObject>
#include <QString>
#include <QTextStream>

#include <optional>

namespace pb::app {

// Standard streams for commands. Tests substitute their own buffers.
class Io
{
public:
    Io(QTextStream &out, QTextStream &err, QTextStream &in, bool inIsTerminal);
    static Io &standard();

    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }

    // One line from standard input with terminal echo off when it is a terminal. nullopt on EOF.
    std::optional<QString> readSecretLine(const QString &prompt);

    // One JSON object per line, compact, keys as given.
    void printJsonLine(const QJsonObject &object);

private:
    QTextStream &m_out;
    QTextStream &m_err;
    QTextStream &m_in;
    bool m_inIsTerminal;
};

} // namespace pb::app
