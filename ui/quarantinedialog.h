#pragma once

#include "store/quarantinerepository.h"

#include <QDialog>
#include <QList>
#include <QString>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace pb::ui {

// The records PayBridge could not read (docs/quarantine.md): source, id, the field and the
// reason, when first seen and last tried; the selected record's raw body below. Read on a
// pool thread; nothing here changes the quarantine (each sync retries and releases).
class QuarantineDialog : public QDialog
{
    Q_OBJECT

public:
    explicit QuarantineDialog(const QString &databasePath, QWidget *parent = nullptr);

    void reload();
    QTreeWidget *list() const { return m_list; }
    QPlainTextEdit *rawView() const { return m_raw; }
    QString statusText() const;
    bool isLoading() const { return m_loading; }

Q_SIGNALS:
    void loaded();

private:
    void fill(const QList<store::QuarantineEntry> &entries);
    void showRaw();

    QString m_databasePath;
    QList<store::QuarantineEntry> m_entries;
    QLabel *m_status = nullptr;
    QTreeWidget *m_list = nullptr;
    QPlainTextEdit *m_raw = nullptr;
    QPushButton *m_copy = nullptr;
    bool m_loading = false;
};

} // namespace pb::ui
