#include "notedialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

NoteDialog::NoteDialog(const QString &title, const QString &what, const QString &okText, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(u"noteDialog"_s);
    setWindowTitle(title);
    auto *layout = new QVBoxLayout(this);
    auto *text = new QLabel(what);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(text);
    auto *form = new QFormLayout;
    m_note = new QLineEdit;
    m_note->setObjectName(u"noteEdit"_s);
    m_note->setPlaceholderText(tr("Why: what changes for the business, ticket number…"));
    m_note->setMinimumWidth(420);
    auto *label = new QLabel(tr("&Note (required):"));
    label->setBuddy(m_note);
    form->addRow(label, m_note);
    layout->addLayout(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(okText);
    m_ok->setEnabled(false);
    layout->addWidget(buttons);
    connect(m_note, &QLineEdit::textChanged, this, [this] { m_ok->setEnabled(!note().isEmpty()); });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!note().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString NoteDialog::note() const
{
    return m_note->text().trimmed();
}

} // namespace pb::ui::studio
