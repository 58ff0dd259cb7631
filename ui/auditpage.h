#pragma once

#include "auditmodel.h"
#include "tablepage.h"

#include <QPointer>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QProgressDialog;
class QPushButton;
class QThread;

namespace pb::ui {

// The audit log: who did what, when, to which object, before and after. Filterable by text,
// actor, action and a date range; the rows of the current filter export to CSV on a worker
// thread (its own read-only connection), streamed in pages, with progress and cancel.
class AuditPage : public TablePage
{
    Q_OBJECT

public:
    explicit AuditPage(QWidget *parent = nullptr);
    ~AuditPage() override; // cancels a running export and waits for it

    AuditModel *auditModel() const;

    QComboBox *actorCombo() const { return m_actor; }
    QComboBox *actionCombo() const { return m_action; }
    QCheckBox *fromCheck() const { return m_fromOn; }
    QDateEdit *fromEdit() const { return m_from; }
    QCheckBox *toCheck() const { return m_toOn; }
    QDateEdit *toEdit() const { return m_to; }
    QPushButton *exportButton() const { return m_export; }
    QLabel *exportStatusLabel() const { return m_status; }
    QProgressDialog *exportProgress() const;
    bool isExporting() const { return m_thread != nullptr; }

    // Reads the filter widgets into the model (also done on every change).
    void applyStructuredFilter();
    // Asks for a file, then exports.
    void chooseExportFile();
    // Writes the current filter's rows to `path` (replaced only when the export completes).
    void exportTo(const QString &path);
    // Stops a running export; the target file is left untouched.
    void cancelExport();

Q_SIGNALS:
    // The export ended: `rows` written, or `error` (empty on success; "cancelled" text when so).
    void exportFinished(bool ok, qint64 rows, const QString &error);

protected:
    QString detailHtml(const QVariant &key) const override;
    int identifierColumn() const override;
    QString columnSample(int column) const override;
    QString emptyStoreText() const override;
    QString noMatchText(const QString &filter) const override;
    QString noSelectionText() const override;
    QString countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const override;

private:
    struct ExportState;
    void reloadChoices();
    void onExportProgress(qint64 done, qint64 total);
    void onExportDone(bool ok, bool cancelled, qint64 rows, const QString &error, const QString &path);

    QComboBox *m_actor = nullptr;
    QComboBox *m_action = nullptr;
    QCheckBox *m_fromOn = nullptr;
    QDateEdit *m_from = nullptr;
    QCheckBox *m_toOn = nullptr;
    QDateEdit *m_to = nullptr;
    QPushButton *m_export = nullptr;
    QLabel *m_status = nullptr;
    QPointer<QProgressDialog> m_progress;
    QThread *m_thread = nullptr;
    std::shared_ptr<ExportState> m_state;
};

} // namespace pb::ui
