#pragma once

#include "sqlpagedmodel.h"

#include <QObject>
#include <QPointer>
#include <QSaveFile>
#include <QStringList>

#include <memory>

namespace pb::ui {

// Writes the rows of a model's current filter and order to a CSV file (RFC 4180: comma
// separated, CRLF line ends, fields with a comma, quote or line break in double quotes and
// quotes doubled), reading one keyset page per event-loop turn so the GUI thread never waits
// long, with progress and cancel. The file appears only when every row is written (QSaveFile);
// a cancelled or failed export leaves nothing behind.
class CsvExport : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultSliceRows = 500;

    explicit CsvExport(QObject *parent = nullptr);
    ~CsvExport() override;

    // Starts exporting `columns` (model columns, in this order) under `headers`. Returns false
    // (and finished() is not emitted) when the file cannot be opened; see errorString().
    bool start(SqlPagedModel *model, const QList<int> &columns, const QStringList &headers, const QString &path);
    void cancel();
    bool isRunning() const { return m_running; }
    QString errorString() const { return m_error; }
    void setSliceRows(int rows) { m_sliceRows = qMax(1, rows); }

    static QString field(const QString &value);
    static QString line(const QStringList &fields);

Q_SIGNALS:
    // `total` is -1 while the number of matching rows is not known.
    void progress(qint64 written, qint64 total);
    // ok: the file is complete at its path. Not ok: cancelled (`error` empty) or failed.
    void finished(bool ok, const QString &error);

private:
    void writeSlice();
    void finish(bool ok, const QString &error);

    QPointer<SqlPagedModel> m_model;
    std::unique_ptr<QSaveFile> m_file;
    QList<int> m_columns;
    SqlPagedModel::ReadCursor m_cursor;
    qint64 m_written = 0;
    int m_sliceRows = DefaultSliceRows;
    bool m_running = false;
    bool m_cancelled = false;
    QString m_error;
};

} // namespace pb::ui
