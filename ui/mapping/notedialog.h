#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace pb::ui::studio {

// Asks why a mapping changes: every saved version and rollback carries a note. OK stays off
// until a note is typed.
class NoteDialog : public QDialog
{
    Q_OBJECT

public:
    NoteDialog(const QString &title, const QString &what, const QString &okText, QWidget *parent = nullptr);

    QString note() const;
    QLineEdit *noteEdit() const { return m_note; }
    QPushButton *okButton() const { return m_ok; }

private:
    QLineEdit *m_note = nullptr;
    QPushButton *m_ok = nullptr;
};

} // namespace pb::ui::studio
