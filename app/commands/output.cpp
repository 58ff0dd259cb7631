#include "commands/output.h"

#include <QJsonDocument>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace pb::app {

Io::Io(QTextStream &out, QTextStream &err, QTextStream &in, bool inIsTerminal)
    : m_out(out), m_err(err), m_in(in), m_inIsTerminal(inIsTerminal)
{
}

Io &Io::standard()
{
    static QTextStream out(stdout);
    static QTextStream err(stderr);
    static QTextStream in(stdin);
    static Io io(out, err, in, ::isatty(STDIN_FILENO) == 1);
    return io;
}

std::optional<QString> Io::readSecretLine(const QString &prompt)
{
    termios saved{};
    const bool hideEcho = m_inIsTerminal && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hideEcho) {
        m_err << prompt << Qt::flush;
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    QString line;
    const bool got = m_in.readLineInto(&line);
    if (hideEcho) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        m_err << Qt::endl;
    }
    if (!got)
        return std::nullopt;
    while (line.endsWith(u'\r') || line.endsWith(u'\n'))
        line.chop(1);
    return line;
}

void Io::printJsonLine(const QJsonObject &object)
{
    m_out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) << '\n';
}

} // namespace pb::app
