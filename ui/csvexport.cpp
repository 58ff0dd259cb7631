#include "csvexport.h"

#include <QTimer>

using namespace Qt::StringLiterals;

namespace pb::ui {

CsvExport::CsvExport(QObject *parent)
    : QObject(parent)
{
}

CsvExport::~CsvExport()
{
    if (m_file)
        m_file->cancelWriting();
}

QString CsvExport::field(const QString &value)
{
    if (!value.contains(u',') && !value.contains(u'"') && !value.contains(u'\n') && !value.contains(u'\r'))
        return value;
    QString quoted = value;
    quoted.replace(u"\""_s, u"\"\""_s);
    return u'"' + quoted + u'"';
}

QString CsvExport::line(const QStringList &fields)
{
    QString out;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            out += u',';
        out += field(fields.at(i));
    }
    out += u"\r\n"_s;
    return out;
}

bool CsvExport::start(SqlPagedModel *model, const QList<int> &columns, const QStringList &headers,
                      const QString &path)
{
    if (m_running || !model) {
        m_error = u"an export is already running"_s;
        return false;
    }
    m_file = std::make_unique<QSaveFile>(path);
    if (!m_file->open(QIODevice::WriteOnly)) {
        m_error = m_file->errorString();
        m_file.reset();
        return false;
    }
    m_model = model;
    m_columns = columns;
    m_cursor = {};
    m_written = 0;
    m_cancelled = false;
    m_error.clear();
    m_running = true;
    m_file->write(line(headers).toUtf8());
    QTimer::singleShot(0, this, &CsvExport::writeSlice);
    return true;
}

void CsvExport::cancel()
{
    if (m_running)
        m_cancelled = true;
}

void CsvExport::writeSlice()
{
    if (!m_running)
        return;
    if (m_cancelled) {
        finish(false, QString());
        return;
    }
    if (!m_model) {
        finish(false, u"the table was closed"_s);
        return;
    }
    QList<QStringList> rows;
    if (!m_model->readForExport(m_cursor, m_sliceRows, m_columns, rows)) {
        finish(false, m_model->lastError());
        return;
    }
    QByteArray chunk;
    for (const QStringList &row : std::as_const(rows))
        chunk += line(row).toUtf8();
    if (m_file->write(chunk) != chunk.size()) {
        finish(false, m_file->errorString());
        return;
    }
    m_written += rows.size();
    Q_EMIT progress(m_written, m_model->matchingCount());
    if (m_cursor.done)
        finish(true, QString());
    else
        QTimer::singleShot(0, this, &CsvExport::writeSlice);
}

void CsvExport::finish(bool ok, const QString &error)
{
    m_running = false;
    if (ok && !m_file->commit()) {
        ok = false;
        m_error = m_file->errorString();
    } else if (!ok) {
        m_file->cancelWriting();
        m_error = error;
    }
    m_file.reset();
    Q_EMIT finished(ok, ok ? QString() : m_error);
}

} // namespace pb::ui
