#include "quarantinedialog.h"

#include "displayformat.h"
#include "storetask.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextCursor>
#include <QTextDocument>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

enum Column { Source, Id, Field, Reason, FirstSeen, LastTried, Attempts, ColumnCount };

QString sourceText(const QString &source)
{
    if (source == u"magento.order")
        return QuarantineDialog::tr("Magento order");
    if (source == u"paytrace.transaction")
        return QuarantineDialog::tr("PayTrace transaction");
    if (source == u"paytrace.batch")
        return QuarantineDialog::tr("PayTrace batch");
    if (source == u"settlement.line")
        return QuarantineDialog::tr("Settlement file line");
    if (source == u"magento.customer")
        return QuarantineDialog::tr("Magento customer");
    return source;
}

} // namespace

QuarantineDialog::QuarantineDialog(const QString &databasePath, QWidget *parent)
    : QDialog(parent)
    , m_databasePath(databasePath)
{
    setObjectName(u"quarantineDialog"_s);
    setWindowTitle(tr("Records PayBridge could not read"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("These records came from Magento, PayTrace or a settlement file but could not be read. The rest "
           "of their pages was stored and the sync went on. Every sync tries them again; a record leaves "
           "this list by itself once it reads (when the source corrects it)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_status = new QLabel;
    m_status->setObjectName(u"quarantine.status"_s);
    layout->addWidget(m_status);

    auto *split = new QSplitter(Qt::Vertical);
    m_list = new QTreeWidget;
    m_list->setObjectName(u"quarantine.list"_s);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Source"), tr("Id"), tr("Field"), tr("Reason"), tr("First seen"), tr("Last tried"),
                             tr("Attempts")});
    m_list->header()->setSectionResizeMode(Reason, QHeaderView::Stretch);
    m_list->setAccessibleName(tr("Quarantined records"));
    split->addWidget(m_list);

    auto *rawBox = new QWidget;
    auto *rawLayout = new QVBoxLayout(rawBox);
    rawLayout->setContentsMargins(0, 0, 0, 0);
    auto *rawLabel = new QLabel(tr("&Raw body of the selected record (card numbers are masked):"));
    m_raw = new QPlainTextEdit;
    m_raw->setObjectName(u"quarantine.raw"_s);
    m_raw->setReadOnly(true);
    m_raw->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_raw->setAccessibleName(tr("Raw body"));
    rawLabel->setBuddy(m_raw);
    rawLayout->addWidget(rawLabel);
    rawLayout->addWidget(m_raw);
    split->addWidget(rawBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_copy = buttons->addButton(tr("&Copy raw body"), QDialogButtonBox::ActionRole);
    m_copy->setObjectName(u"quarantine.copy"_s);
    m_copy->setEnabled(false);
    auto *refresh = buttons->addButton(tr("Re&load"), QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(refresh, &QPushButton::clicked, this, &QuarantineDialog::reload);
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_raw->toPlainText()); });
    layout->addWidget(buttons);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &QuarantineDialog::showRaw);
    resize(980, 620);
    reload();
}

QString QuarantineDialog::statusText() const
{
    return m_status->text();
}

void QuarantineDialog::reload()
{
    m_loading = true;
    m_status->setText(tr("Reading…"));
    auto entries = std::make_shared<QList<store::QuarantineEntry>>();
    runStoreTask(this, m_databasePath, false,
                 [entries](QSqlDatabase &db) -> Status {
                     auto listed = store::QuarantineRepository(db).list();
                     if (!listed)
                         return listed.error();
                     *entries = std::move(listed).value();
                     return Status::success();
                 },
                 [this, entries](const Status &status) {
                     m_loading = false;
                     if (!status) {
                         m_status->setText(tr("Cannot read the quarantine: %1").arg(status.error().toString()));
                         Q_EMIT loaded();
                         return;
                     }
                     fill(*entries);
                     Q_EMIT loaded();
                 });
}

void QuarantineDialog::fill(const QList<store::QuarantineEntry> &entries)
{
    const QString keep = m_list->currentItem() ? m_list->currentItem()->data(Source, Qt::UserRole).toString() : QString();
    m_entries = entries;
    m_list->clear();
    QTreeWidgetItem *current = nullptr;
    for (int i = 0; i < m_entries.size(); ++i) {
        const auto &e = m_entries.at(i);
        auto *item = new QTreeWidgetItem(m_list);
        item->setText(Source, sourceText(e.source));
        item->setText(Id, e.externalId);
        item->setText(Field, e.field);
        item->setText(Reason, e.reason);
        item->setToolTip(Reason, e.reason);
        item->setText(FirstSeen, Format::dateTime(e.firstSeen.toMSecsSinceEpoch()));
        item->setText(LastTried, Format::dateTime(e.lastTried.toMSecsSinceEpoch()));
        item->setText(Attempts, QString::number(e.attempts));
        item->setTextAlignment(Attempts, Qt::AlignRight | Qt::AlignVCenter);
        const QString key = e.source + u'/' + e.externalId;
        item->setData(Source, Qt::UserRole, key);
        item->setData(Id, Qt::UserRole, i);
        if (key == keep)
            current = item;
    }
    for (int c = 0; c < ColumnCount; ++c) {
        if (c != Reason)
            m_list->resizeColumnToContents(c);
    }
    m_status->setText(m_entries.isEmpty() ? tr("No records in quarantine: everything PayBridge received could be read.")
                                          : tr("%n record(s) in quarantine.", nullptr, int(m_entries.size())));
    if (!current && m_list->topLevelItemCount() > 0)
        current = m_list->topLevelItem(0);
    m_list->setCurrentItem(current);
    showRaw();
}

void QuarantineDialog::showRaw()
{
    const QTreeWidgetItem *item = m_list->currentItem();
    const int index = item ? item->data(Id, Qt::UserRole).toInt() : -1;
    if (index < 0 || index >= m_entries.size()) {
        m_raw->clear();
        m_copy->setEnabled(false);
        return;
    }
    const QByteArray raw = m_entries.at(index).raw;
    // Indented when it is JSON: the field that failed is easier to find.
    const QJsonDocument doc = QJsonDocument::fromJson(raw);
    m_raw->setPlainText(doc.isNull() ? QString::fromUtf8(raw) : QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    m_copy->setEnabled(true);
    // Select the line of the field that failed, so the eye lands on it in a long body.
    QString key = m_entries.at(index).field.section(u'.', -1);
    key = key.left(key.indexOf(u'['));
    if (!key.isEmpty()) {
        const QTextCursor found = m_raw->document()->find(u'"' + key + u"\":"_s);
        if (!found.isNull()) {
            QTextCursor line(found);
            line.movePosition(QTextCursor::StartOfBlock);
            line.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
            m_raw->setTextCursor(line);
            m_raw->centerCursor();
        }
    }
}

} // namespace pb::ui
