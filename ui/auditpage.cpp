#include "auditpage.h"

#include "displayformat.h"
#include "store/database.h"

#include <QBoxLayout>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QToolButton>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QStandardPaths>
#include <QTableView>
#include <QTextBrowser>
#include <QThread>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::ui {

struct AuditPage::ExportState
{
    std::atomic<bool> cancel{false};
};

namespace {

// Local midnight of `date` in UTC: the date edits are in the operator's time zone.
QDateTime startOfLocalDay(const QDate &date)
{
    return date.startOfDay().toUTC();
}

QString prettyJson(const QString &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (doc.isNull())
        return json;
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

std::atomic<int> exportConnections{0};

} // namespace

AuditPage::AuditPage(QWidget *parent)
    : TablePage(new AuditModel, parent)
{
    setObjectName(u"auditPage"_s);
    setAccessibleName(tr("Audit log"));
    filterEdit()->setPlaceholderText(tr("Filter by who, action, object or detail… (Ctrl+F)"));
    filterEdit()->setAccessibleDescription(tr("Shows audit entries whose actor, action, object or text match"));
    tableView()->setAccessibleName(tr("Audit log table"));
    detailView()->setAccessibleName(tr("Audit entry details"));

    m_actor = new QComboBox(this);
    m_actor->setObjectName(u"actorCombo"_s);
    m_actor->setAccessibleName(tr("Who"));
    m_actor->setMinimumContentsLength(12);
    m_actor->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_action = new QComboBox(this);
    m_action->setObjectName(u"actionCombo"_s);
    m_action->setAccessibleName(tr("Action"));
    m_action->setMinimumContentsLength(16);
    m_action->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);

    const QDate today = QDate::currentDate();
    m_fromOn = new QCheckBox(tr("&From"), this);
    m_fromOn->setObjectName(u"fromCheck"_s);
    m_from = new QDateEdit(today.addDays(-30), this);
    m_from->setObjectName(u"fromEdit"_s);
    m_from->setAccessibleName(tr("From date"));
    m_from->setCalendarPopup(true);
    m_from->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_from->setEnabled(false);
    m_toOn = new QCheckBox(tr("&To"), this);
    m_toOn->setObjectName(u"toCheck"_s);
    m_to = new QDateEdit(today, this);
    m_to->setObjectName(u"toEdit"_s);
    m_to->setAccessibleName(tr("To date (inclusive)"));
    m_to->setCalendarPopup(true);
    m_to->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_to->setEnabled(false);

    m_export = new QPushButton(tr("&Export CSV…"), this);
    m_export->setObjectName(u"exportButton"_s);
    m_export->setToolTip(tr("Save the entries of the current filter as a CSV file (Alt+E)"));
    // This export (UTC times, every entry of the who/action/date filter) replaces the table's
    // generic one: two "Export CSV…" buttons on one page left people guessing.
    exportViewButton()->hide();

    m_status = new QLabel(this);
    m_status->setObjectName(u"exportStatusLabel"_s);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Export status"));
    m_status->hide();

    auto *whoLabel = new QLabel(tr("&Who:"), this);
    whoLabel->setBuddy(m_actor);
    auto *actionLabel = new QLabel(tr("&Action:"), this);
    actionLabel->setBuddy(m_action);
    auto *bar = new QHBoxLayout;
    bar->addWidget(whoLabel);
    bar->addWidget(m_actor);
    bar->addSpacing(8);
    bar->addWidget(actionLabel);
    bar->addWidget(m_action);
    bar->addSpacing(8);
    bar->addWidget(m_fromOn);
    bar->addWidget(m_from);
    bar->addWidget(m_toOn);
    bar->addWidget(m_to);
    bar->addStretch(1);
    bar->addWidget(m_export);
    if (auto *box = qobject_cast<QBoxLayout *>(layout())) {
        box->insertLayout(0, bar);
        box->addWidget(m_status);
    }
    setTabOrder(m_actor, m_action);
    setTabOrder(m_action, m_fromOn);
    setTabOrder(m_fromOn, m_from);
    setTabOrder(m_from, m_toOn);
    setTabOrder(m_toOn, m_to);
    setTabOrder(m_to, m_export);
    setTabOrder(m_export, filterEdit());

    connect(m_actor, &QComboBox::currentIndexChanged, this, &AuditPage::applyStructuredFilter);
    connect(m_action, &QComboBox::currentIndexChanged, this, &AuditPage::applyStructuredFilter);
    connect(m_fromOn, &QCheckBox::toggled, this, [this](bool on) {
        m_from->setEnabled(on);
        applyStructuredFilter();
    });
    connect(m_toOn, &QCheckBox::toggled, this, [this](bool on) {
        m_to->setEnabled(on);
        applyStructuredFilter();
    });
    connect(m_from, &QDateEdit::dateChanged, this, &AuditPage::applyStructuredFilter);
    connect(m_to, &QDateEdit::dateChanged, this, &AuditPage::applyStructuredFilter);
    connect(m_export, &QPushButton::clicked, this, &AuditPage::chooseExportFile);
    // New actors and actions appear after a sync or an action; the choices follow the store.
    connect(model(), &SqlPagedModel::countsChanged, this, &AuditPage::reloadChoices);

    finishSetup();
    reloadChoices();
}

AuditPage::~AuditPage()
{
    if (m_thread) {
        m_state->cancel = true;
        m_thread->wait();
        delete m_thread;
    }
}

QProgressDialog *AuditPage::exportProgress() const
{
    return m_progress;
}

AuditModel *AuditPage::auditModel() const
{
    return static_cast<AuditModel *>(model());
}

void AuditPage::reloadChoices()
{
    const auto refill = [](QComboBox *combo, const QString &anyText, const QStringList &values,
                           const std::function<QString(const QString &)> &label) {
        const QString current = combo->currentData().toString();
        QSignalBlocker block(combo);
        combo->clear();
        combo->addItem(anyText, QString());
        for (const QString &v : values)
            combo->addItem(label(v), v);
        const int index = combo->findData(current);
        combo->setCurrentIndex(index >= 0 ? index : 0);
    };
    refill(m_actor, tr("Anyone"), auditModel()->distinctValues(AuditModel::Actor),
           [](const QString &v) { return v; });
    QStringList actions = auditModel()->distinctValues(AuditModel::Action);
    // Whole families ("intent.", "operator.") first, then the single actions.
    QStringList families;
    for (const QString &a : std::as_const(actions)) {
        const qsizetype dot = a.indexOf(u'.');
        if (dot > 0 && !families.contains(a.left(dot + 1)))
            families << a.left(dot + 1);
    }
    refill(m_action, tr("Any action"), families + actions, [](const QString &v) {
        if (v.endsWith(u'.'))
            return tr("All %1*").arg(v);
        const QString text = AuditModel::actionText(v);
        return text == v ? v : tr("%1 (%2)").arg(text, v);
    });
}

void AuditPage::applyStructuredFilter()
{
    const QDateTime from = m_fromOn->isChecked() ? startOfLocalDay(m_from->date()) : QDateTime();
    // The "to" date is inclusive for people, exclusive in SQL: up to the next local midnight.
    const QDateTime to = m_toOn->isChecked() ? startOfLocalDay(m_to->date().addDays(1)) : QDateTime();
    auditModel()->setStructuredFilter(m_actor->currentData().toString(), m_action->currentData().toString(),
                                      from, to);
}

void AuditPage::chooseExportFile()
{
    if (m_thread)
        return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    auto *dialog = new QFileDialog(this, tr("Export the audit log"), dir, tr("CSV files (*.csv)"));
    dialog->setObjectName(u"exportFileDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(u"csv"_s);
    dialog->selectFile(u"paybridge-audit-%1.csv"_s.arg(QDate::currentDate().toString(Qt::ISODate)));
    connect(dialog, &QFileDialog::fileSelected, this, &AuditPage::exportTo);
    dialog->open();
}

void AuditPage::exportTo(const QString &path)
{
    if (m_thread || path.isEmpty())
        return;
    const QString dbPath = model()->database().databaseName();
    if (!model()->database().isOpen() || dbPath.isEmpty()) {
        m_status->setText(tr("The store is not open; nothing to export."));
        m_status->show();
        Q_EMIT exportFinished(false, 0, m_status->text());
        return;
    }
    const AuditFilter filter = auditModel()->currentFilter();
    m_state = std::make_shared<ExportState>();
    auto state = m_state;

    m_progress = new QProgressDialog(tr("Exporting the audit log…"), tr("Cancel"), 0, 0, this);
    m_progress->setObjectName(u"exportProgress"_s);
    m_progress->setWindowTitle(tr("Export"));
    m_progress->setAttribute(Qt::WA_DeleteOnClose);
    m_progress->setMinimumDuration(300);
    m_progress->setAutoClose(false);
    m_progress->setAutoReset(false);
    connect(m_progress, &QProgressDialog::canceled, this, &AuditPage::cancelExport);
    m_export->setEnabled(false);
    m_status->setText(tr("Exporting to %1…").arg(path));
    m_status->show();

    // The worker reads through its own connection (connections belong to one thread) and
    // writes through QSaveFile, so a failed or cancelled export leaves any old file as it was.
    m_thread = QThread::create([this, state, dbPath, filter, path] {
        const QString name = u"paybridge.ui.auditexport.%1"_s.arg(++exportConnections);
        bool ok = false;
        bool cancelled = false;
        qint64 rows = 0;
        QString error;
        {
            auto opened = pb::store::Database::openReader(dbPath, name);
            QSaveFile file(path);
            if (!opened) {
                error = opened.error().toString();
            } else if (!file.open(QIODevice::WriteOnly)) {
                error = file.errorString();
            } else {
                auto written = AuditCsvExport::write(*opened, filter, file, state->cancel, [this](qint64 done, qint64 total) {
                    QMetaObject::invokeMethod(this, [this, done, total] { onExportProgress(done, total); },
                                              Qt::QueuedConnection);
                });
                if (!written) {
                    cancelled = written.error().code == u"export.cancelled";
                    error = written.error().message;
                    file.cancelWriting();
                } else if (!file.commit()) {
                    error = file.errorString();
                } else {
                    ok = true;
                    rows = *written;
                }
            }
        }
        pb::store::Database::close(name);
        QMetaObject::invokeMethod(
            this, [this, ok, cancelled, rows, error, path] { onExportDone(ok, cancelled, rows, error, path); },
            Qt::QueuedConnection);
    });
    m_thread->setObjectName(u"auditExport"_s);
    m_thread->start();
}

void AuditPage::cancelExport()
{
    if (m_state)
        m_state->cancel = true;
}

void AuditPage::onExportProgress(qint64 done, qint64 total)
{
    if (!m_progress)
        return;
    if (total > 0) {
        m_progress->setMaximum(int(qMin<qint64>(total, INT_MAX)));
        m_progress->setValue(int(qMin<qint64>(done, INT_MAX)));
    }
    m_progress->setLabelText(tr("Exporting the audit log… %1 of %2 entries")
                                 .arg(Format::count(done), Format::count(qMax<qint64>(total, done))));
}

void AuditPage::onExportDone(bool ok, bool cancelled, qint64 rows, const QString &error, const QString &path)
{
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    if (m_progress)
        m_progress->close();
    m_export->setEnabled(true);
    QString message;
    if (ok)
        message = tr("Exported %1 entries to %2.").arg(Format::count(rows), path);
    else if (cancelled)
        message = tr("The export was cancelled; %1 was not written.").arg(path);
    else
        message = tr("The export failed: %1").arg(error);
    m_status->setText(message);
    m_status->show();
    Q_EMIT exportFinished(ok, rows, ok ? QString() : message);
}

QString AuditPage::detailHtml(const QVariant &key) const
{
    const int row = model()->rowForKey(key);
    if (row < 0)
        return {};
    const QString muted = palette().color(QPalette::PlaceholderText).name();
    const auto cell = [&](int column, int role = Qt::DisplayRole) { return model()->index(row, column).data(role).toString(); };
    QString rows;
    const auto add = [&](const QString &label, const QString &value, bool pre = false) {
        if (value.isEmpty())
            return;
        rows += u"<tr><td nowrap valign=\"top\" style=\"color:"_s + muted + u"; padding-right:12px;\">"_s
            + label.toHtmlEscaped() + u"</td><td>"_s
            + (pre ? u"<pre>"_s + value.toHtmlEscaped() + u"</pre>"_s : value.toHtmlEscaped()) + u"</td></tr>"_s;
    };
    add(tr("When"), cell(AuditModel::At, Qt::ToolTipRole));
    add(tr("Who"), cell(AuditModel::Actor));
    add(tr("Action"), cell(AuditModel::Action, Qt::ToolTipRole));
    add(tr("Object"), cell(AuditModel::Object));
    add(tr("Before"), prettyJson(cell(AuditModel::Before, SqlPagedModel::SortRole)), true);
    add(tr("After"), prettyJson(cell(AuditModel::After, SqlPagedModel::SortRole)), true);
    add(tr("Detail"), cell(AuditModel::Detail));
    add(tr("Entry"), key.toString());
    return u"<table cellspacing=\"0\" cellpadding=\"2\">"_s + rows + u"</table>"_s;
}

int AuditPage::identifierColumn() const
{
    return AuditModel::Object;
}

QString AuditPage::columnSample(int column) const
{
    switch (AuditModel::Column(column)) {
    case AuditModel::At: return u"2024-12-31 23:59"_s;
    case AuditModel::Actor: return u"finance.person"_s;
    case AuditModel::Action: return AuditModel::actionText(u"access.limit_changed");
    case AuditModel::Code: return u"access.approval_requested"_s;
    case AuditModel::Object: return u"intent 123456"_s;
    case AuditModel::Before: return u"state: needs_person"_s;
    case AuditModel::After: return u"state: succeeded, result_ref: 1000123"_s;
    case AuditModel::Detail: return u"happened: checked in the PayTrace virtual terminal"_s;
    case AuditModel::ColumnCount: break;
    }
    return {};
}

QString AuditPage::emptyStoreText() const
{
    if (auditModel()->hasStructuredFilter())
        return tr("No audit entries match the chosen person, action or dates.");
    return tr("Nothing has been audited yet. Every action and configuration change will be listed here.");
}

QString AuditPage::noMatchText(const QString &filter) const
{
    return tr("No audit entries match “%1”.\nPress Esc to clear the filter.").arg(filter);
}

QString AuditPage::noSelectionText() const
{
    return tr("Select an entry to see the object before and after.");
}

QString AuditPage::countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const
{
    const qint64 all = auditModel()->unfilteredCount();
    if (filtered || auditModel()->hasStructuredFilter())
        return tr("Showing %1 of %2 matching (%3 entries in total)")
            .arg(Format::count(loaded), Format::count(matching), Format::count(all));
    if (total <= 0)
        return {};
    return tr("Showing %1 of %2 entries").arg(Format::count(loaded), Format::count(total));
}

} // namespace pb::ui
