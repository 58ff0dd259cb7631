#include "customerspage.h"

#include "access/permissions.h"
#include "cardentrydialog.h"
#include "customers/cardvault.h"
#include "customers/customeractions.h"
#include "displayformat.h"
#include "mapping/mappingstore.h"
#include "operationdialog.h"
#include "profile/profile.h"
#include "recorddetails.h"
#include "storetask.h"
#include "store/customerrepository.h"
#include "sync/syncservice.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QSqlError>
#include <QSqlQuery>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTextDocumentFragment>
#include <QTimer>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

using Filter = CustomersModel::Filter;
constexpr Filter kFilters[] = {Filter::All, Filter::Linked, Filter::NotLinked, Filter::Conflicts, Filter::Expiring,
                               Filter::AwaitingDeletion};

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString fieldTitle(CustomerField field)
{
    switch (field) {
    case CustomerField::Name: return CustomersPage::tr("Name");
    case CustomerField::Email: return CustomersPage::tr("E-mail");
    case CustomerField::Billing: return CustomersPage::tr("Billing address");
    case CustomerField::Phone: return CustomersPage::tr("Phone");
    }
    return {};
}

// A conflict's canonical value as people read it (billing is stored as JSON).
QString conflictValue(CustomerField field, const QString &canonical)
{
    if (canonical.isEmpty())
        return CustomersPage::tr("(empty)");
    if (field == CustomerField::Billing) {
        CustomerFieldValues v;
        v.setValue(field, canonical);
        const QString line = v.billing.oneLine();
        return line.isEmpty() ? CustomersPage::tr("(empty)") : line;
    }
    return canonical;
}

// "15,431 JPY": a customer's orders can be in several currencies.
QString moneyWithCode(qint64 minor, const QString &currency)
{
    const QString amount = Format::money(minor, currency);
    if (currency.isEmpty())
        return amount;
    return amount + u' ' + currency;
}

QString orNone(const QString &text)
{
    return text.isEmpty() ? CustomersPage::tr("—") : text;
}

QString sideHtml(const QString &title, const QList<std::pair<QString, QString>> &rows)
{
    QString html = u"<b>%1</b><table cellspacing='0' cellpadding='2'>"_s.arg(esc(title));
    for (const auto &[label, value] : rows)
        html += u"<tr><td style='color:palette(placeholder-text)'>%1&nbsp;</td><td>%2</td></tr>"_s.arg(esc(label), esc(value));
    return html + u"</table>"_s;
}

Result<CustomerDetail> readDetail(QSqlDatabase &db, std::optional<qint64> magentoId, QString vaultId,
                                  const QString &actor, const QString &keyPath)
{
    CustomerDetail d;
    // A public key: not a secret, but it must be the merchant's own, so it is never guessed.
    if (QFile key(keyPath); key.open(QIODevice::ReadOnly))
        d.publicKeyPem = key.read(64 * 1024);
    store::CustomerRepository repo(db);
    if (magentoId) {
        PB_TRY(customer, repo.customer(*magentoId));
        d.customer = customer;
        PB_TRY(link, repo.linkByMagento(*magentoId));
        d.link = link;
        if (link)
            vaultId = link->vaultCustomerId;
        PB_TRY(conflicts, repo.openConflicts(*magentoId));
        d.conflicts = conflicts;
    } else if (!vaultId.isEmpty()) {
        PB_TRY(link, repo.linkByVault(vaultId));
        d.link = link;
    }
    if (!vaultId.isEmpty()) {
        PB_TRY(vault, repo.vaultProfile(vaultId));
        d.vault = vault;
        PB_TRY(deletions, repo.deletions(u"awaiting"_s));
        for (const VaultDeletion &del : deletions)
            if (del.vaultCustomerId == vaultId)
                d.deletion = del;
    }

    // The customer's orders: by Magento customer id, or by e-mail for guest orders.
    const QString email = d.customer ? CustomerFieldValues::normalisedEmail(d.customer->email)
        : d.vault                    ? CustomerFieldValues::normalisedEmail(d.vault->email)
                                     : QString();
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT entity_id, increment_id, status, state, pay_status, currency, grand_total, total_paid, created_at"
              " FROM orders WHERE (customer_id IS NOT NULL AND customer_id = ?)"
              " OR (? <> '' AND lower(trim(customer_email)) = ?) ORDER BY created_at DESC, entity_id DESC LIMIT 200"_s);
    q.addBindValue(magentoId ? QVariant(*magentoId) : QVariant(QMetaType::fromType<qint64>()));
    q.addBindValue(email);
    q.addBindValue(email);
    if (!q.exec())
        return makeError(u"customers.orders"_s, {}, q.lastError().text());
    QStringList increments;
    while (q.next()) {
        CustomerOrderLine o;
        o.entityId = q.value(0).toLongLong();
        o.incrementId = q.value(1).toString();
        o.status = q.value(2).toString();
        o.state = q.value(3).toString();
        o.payStatus = q.value(4).toString();
        o.currency = q.value(5).toString();
        o.grandTotal = q.value(6).toLongLong();
        o.totalPaid = q.value(7).toLongLong();
        o.createdAt = q.value(8).toLongLong();
        increments << o.incrementId;
        d.orders << o;
    }
    // Transactions: those PayTrace made with the vault profile, and those on the orders above.
    QString placeholders;
    for (int i = 0; i < increments.size(); ++i)
        placeholders += i == 0 ? u"?"_s : u",?"_s;
    QSqlQuery t(db);
    t.setForwardOnly(true);
    t.prepare(u"SELECT transaction_id, type, status, currency, amount, invoice_id, created_at FROM gateway_transactions"
              " WHERE (? <> '' AND customer_id = ?)%1 ORDER BY created_at DESC, transaction_id DESC LIMIT 200"_s
                  .arg(increments.isEmpty() ? QString() : u" OR invoice_id IN (%1)"_s.arg(placeholders)));
    t.addBindValue(vaultId);
    t.addBindValue(vaultId);
    for (const QString &inc : std::as_const(increments))
        t.addBindValue(inc);
    if (!t.exec())
        return makeError(u"customers.transactions"_s, {}, t.lastError().text());
    while (t.next()) {
        CustomerTransactionLine line;
        line.transactionId = t.value(0).toString();
        line.type = t.value(1).toString();
        line.status = t.value(2).toString();
        line.currency = t.value(3).toString();
        line.amount = t.value(4).toLongLong();
        line.invoiceId = t.value(5).toString();
        line.createdAt = t.value(6).toLongLong();
        d.transactions << line;
    }

    if (magentoId) {
        mapping::MappingStore mappings(db);
        if (auto active = mappings.active())
            d.newVaultId = active->customers().vaultIdFor(*magentoId);
        else
            d.newVaultId = u"mage-%1"_s.arg(*magentoId);
    }
    access::Permissions permissions(db);
    if (auto op = permissions.operatorFor(actor); op && !op->disabled) {
        d.isAdmin = op->has(access::Role::Admin);
        d.canAct = op->has(access::Role::Admin) || op->has(access::Role::Support) || op->has(access::Role::Finance);
    }
    return d;
}

} // namespace

void CustomersPage::setSyncNote(const QString &note)
{
    m_syncNote->setText(note);
    m_syncNote->setVisible(!note.isEmpty());
}

QString CustomersPage::syncNote() const
{
    return m_syncNote->isVisible() ? m_syncNote->text() : QString();
}

QString CustomersPage::publicKeyPath(const QString &databasePath)
{
    return profile::e2eePublicKeyPath(databasePath);
}

CustomersPage::CustomersPage(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"customersPage"_s);
    setAccessibleName(tr("Customers"));
    buildUi();
}

CustomersPage::~CustomersPage() = default;

void CustomersPage::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    auto *top = new QHBoxLayout;
    m_search = new QLineEdit;
    m_search->setObjectName(u"customerSearch"_s);
    m_search->setPlaceholderText(tr("Search e-mail, name, Magento id, vault id or last four (Ctrl+F)"));
    m_search->setAccessibleName(tr("Search customers"));
    m_search->setClearButtonEnabled(true);
    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchTimer, &QTimer::timeout, this, &CustomersPage::load);
    m_filter = new QComboBox;
    m_filter->setObjectName(u"customerFilter"_s);
    m_filter->setAccessibleName(tr("Show customers"));
    for (Filter f : kFilters)
        m_filter->addItem(CustomersModel::filterTitle(f), QVariant::fromValue(f));
    m_filter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto *filterLabel = new QLabel(tr("Sho&w:"));
    filterLabel->setBuddy(m_filter);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_model->setFilter(m_filter->itemData(index).value<Filter>());
        updateCounts();
        if (!selectCustomer(m_selectedMagento, m_selectedVault) && m_model->rowCount() > 0)
            m_table->selectRow(0);
    });
    m_count = new QLabel;
    m_count->setObjectName(u"customerCount"_s);
    m_progress = new QProgressBar;
    m_progress->setObjectName(u"customerProgress"_s);
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(160);
    m_progress->setVisible(false);
    top->addWidget(m_search, 1);
    top->addWidget(filterLabel);
    top->addWidget(m_filter);
    top->addWidget(m_count);
    top->addWidget(m_progress);
    layout->addLayout(top);

    // What the last sync could not do for customers (the link attribute missing: how to add it).
    m_syncNote = new QLabel;
    m_syncNote->setObjectName(u"customerSyncNote"_s);
    m_syncNote->setWordWrap(true);
    m_syncNote->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_syncNote->setFrameShape(QFrame::StyledPanel);
    m_syncNote->setMargin(6);
    m_syncNote->setVisible(false);
    layout->addWidget(m_syncNote);

    m_model = new CustomersModel(this);
    m_table = new QTableView;
    m_table->setObjectName(u"customersTable"_s);
    m_table->setAccessibleName(tr("Customers"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTabKeyNavigation(false); // Tab leaves the table for the detail pane
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setHighlightSections(false);
    const QFontMetrics fm = m_table->fontMetrics();
    const int widths[] = {fm.horizontalAdvance(u"jennifer.longname@example.com"_s), fm.horizontalAdvance(u"Jennifer Longname"_s),
                          fm.horizontalAdvance(u"Magento id__"_s), fm.horizontalAdvance(u"mage-000123__"_s),
                          fm.horizontalAdvance(u"American Express …0005"_s), fm.horizontalAdvance(u"12/2027__"_s),
                          fm.horizontalAdvance(u"Linked by e-mail (same address)"_s), fm.horizontalAdvance(u"Conflicts__"_s)};
    for (int c = 0; c < CustomersModel::ColumnCount; ++c)
        m_table->setColumnWidth(c, widths[c] + 16);
    m_table->horizontalHeader()->setSectionResizeMode(CustomersModel::Link, QHeaderView::Stretch);
    m_empty = new QLabel;
    m_empty->setObjectName(u"customersEmpty"_s);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    auto *tableStack = new QStackedWidget;
    tableStack->addWidget(m_table);
    tableStack->addWidget(m_empty);
    auto updateEmpty = [this, tableStack] {
        QString why;
        if (m_model->rowCount() == 0) {
            if (m_model->totalCount() == 0 && m_search->text().isEmpty())
                why = m_databasePath.isEmpty() ? tr("No store yet: run a sync first.")
                                               : tr("No customers yet. The next sync reads Magento customers and the "
                                                    "PayTrace vault.");
            else if (!m_search->text().isEmpty())
                why = tr("No customer matches “%1”.").arg(m_search->text());
            else
                why = tr("No customer is in “%1”.").arg(CustomersModel::filterTitle(m_model->filter()));
        }
        m_empty->setText(why);
        tableStack->setCurrentWidget(why.isEmpty() ? static_cast<QWidget *>(m_table) : m_empty);
    };
    connect(m_model, &QAbstractItemModel::modelReset, this, updateEmpty);
    updateEmpty();
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (!current.isValid())
            return;
        const CustomerOverview &o = m_model->overviewAt(current.row());
        if (o.magentoId == m_selectedMagento && o.vaultCustomerId == m_selectedVault && m_detail)
            return;
        m_selectedMagento = o.magentoId;
        m_selectedVault = o.vaultCustomerId;
        loadDetail();
    });

    // The detail pane: both sides, link, conflicts, deletion, history, actions.
    m_detailPane = new QWidget;
    m_detailPane->setObjectName(u"customerDetail"_s);
    auto *detail = new QVBoxLayout(m_detailPane);
    detail->setContentsMargins(0, 0, 0, 0);
    m_detailTitle = new QLabel;
    m_detailTitle->setObjectName(u"detailTitle"_s);
    QFont big = m_detailTitle->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_detailTitle->setFont(big);
    m_detailTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detail->addWidget(m_detailTitle);
    auto *sides = new QHBoxLayout;
    m_magentoSide = new QLabel;
    m_magentoSide->setObjectName(u"magentoSide"_s);
    m_vaultSide = new QLabel;
    m_vaultSide->setObjectName(u"vaultSide"_s);
    for (QLabel *side : {m_magentoSide, m_vaultSide}) {
        side->setTextFormat(Qt::RichText);
        side->setWordWrap(true);
        side->setAlignment(Qt::AlignLeft | Qt::AlignTop);
        side->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        side->setFrameShape(QFrame::StyledPanel);
        side->setMargin(6);
        side->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        sides->addWidget(side, 1);
    }
    detail->addLayout(sides);
    m_linkState = new QLabel;
    m_linkState->setObjectName(u"linkState"_s);
    m_linkState->setWordWrap(true);
    m_linkState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detail->addWidget(m_linkState);

    m_conflictBox = new QGroupBox(tr("Conflicts: changed on both sides since the last sync"));
    m_conflictBox->setObjectName(u"conflictBox"_s);
    m_conflictLayout = new QVBoxLayout(m_conflictBox);
    detail->addWidget(m_conflictBox);
    m_deletionBox = new QGroupBox(tr("Vault profile awaiting deletion"));
    m_deletionBox->setObjectName(u"deletionBox"_s);
    m_deletionLayout = new QVBoxLayout(m_deletionBox);
    detail->addWidget(m_deletionBox);

    auto *actions = new QHBoxLayout;
    m_linkButton = new QPushButton(tr("&Link to…"));
    m_linkButton->setObjectName(u"linkButton"_s);
    m_unlinkButton = new QPushButton(tr("&Unlink"));
    m_unlinkButton->setObjectName(u"unlinkButton"_s);
    m_cardButton = new QPushButton(tr("&Add card…"));
    m_cardButton->setObjectName(u"cardButton"_s);
    m_chargeButton = new QPushButton(tr("C&harge saved card for an order…"));
    m_chargeButton->setObjectName(u"chargeButton"_s);
    connect(m_linkButton, &QPushButton::clicked, this, &CustomersPage::pickAndLink);
    connect(m_unlinkButton, &QPushButton::clicked, this, &CustomersPage::unlink);
    connect(m_cardButton, &QPushButton::clicked, this, &CustomersPage::openCardEntry);
    connect(m_chargeButton, &QPushButton::clicked, this, &CustomersPage::pickAndCharge);
    actions->addWidget(m_linkButton);
    actions->addWidget(m_unlinkButton);
    actions->addWidget(m_cardButton);
    actions->addWidget(m_chargeButton);
    actions->addStretch(1);
    detail->addLayout(actions);

    m_history = new QTextBrowser;
    m_history->setObjectName(u"customerHistory"_s);
    m_history->setAccessibleName(tr("The customer's orders and transactions"));
    m_history->setOpenLinks(false);
    connect(m_history, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (const QString order = RecordDetails::orderFromLink(url); !order.isEmpty())
            Q_EMIT orderLinkActivated(order);
        else if (const QString id = RecordDetails::transactionFromLink(url); !id.isEmpty())
            Q_EMIT transactionLinkActivated(id);
    });
    detail->addWidget(m_history, 1);
    m_message = new QLabel;
    m_message->setObjectName(u"customerMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detail->addWidget(m_message);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(u"customersSplitter"_s);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(tableStack);
    m_splitter->addWidget(m_detailPane);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({320, 420});
    layout->addWidget(m_splitter, 1);

    clearDetailWidgets();
    updateCounts();
}

void CustomersPage::setContext(sync::SyncService *sync, const QString &actor, const QString &profileName)
{
    m_sync = sync;
    m_actor = actor;
    m_profileName = profileName;
    if (m_sync)
        connect(m_sync, &sync::SyncService::finished, this, &CustomersPage::refresh, Qt::UniqueConnection);
    updateActions();
}

void CustomersPage::setDatabasePath(const QString &path)
{
    m_databasePath = path;
    load();
}

void CustomersPage::refresh()
{
    load();
}

void CustomersPage::setToday(QDate today)
{
    m_today = today;
    m_model->setToday(today);
    updateCounts();
}

void CustomersPage::setFilter(Filter filter)
{
    const int index = m_filter->findData(QVariant::fromValue(filter));
    if (index >= 0)
        m_filter->setCurrentIndex(index);
}

void CustomersPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void CustomersPage::setBusy(bool busy, const QString &text)
{
    m_progress->setVisible(busy || m_loading || m_detailLoading);
    m_progress->setToolTip(text);
    if (!text.isEmpty())
        m_progress->setFormat(text);
}

void CustomersPage::load()
{
    if (m_databasePath.isEmpty())
        return;
    if (m_loading) {
        m_reloadAgain = true;
        return;
    }
    m_loading = true;
    setBusy(true, tr("Reading customers…"));
    auto rows = std::make_shared<QList<CustomerOverview>>();
    auto awaiting = std::make_shared<QSet<QString>>();
    const QString search = m_search->text().trimmed();
    runStoreTask(this, m_databasePath, false,
        [rows, awaiting, search](QSqlDatabase &db) -> Status {
            store::CustomerRepository repo(db);
            PB_TRY(overview, repo.overview(search));
            *rows = std::move(overview);
            PB_TRY(deletions, repo.deletions(u"awaiting"_s));
            for (const VaultDeletion &d : deletions)
                awaiting->insert(d.vaultCustomerId);
            return {};
        },
        [this, rows, awaiting](const Status &status) {
            m_loading = false;
            setBusy(false);
            if (!status) {
                showMessage(tr("The customers could not be read: %1").arg(status.error().toString()), true);
            } else {
                m_model->setRows(*rows, *awaiting);
                updateCounts();
                if (!selectCustomer(m_selectedMagento, m_selectedVault)) {
                    if (m_model->rowCount() > 0) {
                        m_table->selectRow(0);
                    } else {
                        m_selectedMagento.reset();
                        m_selectedVault.clear();
                        m_detail.reset();
                        clearDetailWidgets();
                    }
                } else {
                    loadDetail(); // what changed under the same row
                }
            }
            Q_EMIT loaded();
            if (m_reloadAgain) {
                m_reloadAgain = false;
                load();
            }
        });
}

bool CustomersPage::selectCustomer(std::optional<qint64> magentoId, const QString &vaultId)
{
    if (!magentoId && vaultId.isEmpty())
        return false;
    const int row = m_model->rowOf(magentoId, vaultId);
    if (row < 0)
        return false;
    const QModelIndex index = m_model->index(row, 0);
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    return true;
}

void CustomersPage::updateCounts()
{
    for (int i = 0; i < m_filter->count(); ++i) {
        const Filter f = m_filter->itemData(i).value<Filter>();
        const int n = m_model->countFor(f);
        m_filter->setItemText(i, f == Filter::All ? CustomersModel::filterTitle(f)
                                                  : tr("%1 (%2)").arg(CustomersModel::filterTitle(f)).arg(n));
    }
    const int shown = m_model->rowCount();
    const int total = m_model->totalCount();
    m_count->setText(shown == total ? tr("%n customer(s)", nullptr, total)
                                    : tr("%1 of %n customer(s)", nullptr, total).arg(shown));
}

const CustomerOverview *CustomersPage::selected() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || current.row() >= m_model->rowCount())
        return nullptr;
    return &m_model->overviewAt(current.row());
}

void CustomersPage::loadDetail()
{
    if (m_databasePath.isEmpty() || (!m_selectedMagento && m_selectedVault.isEmpty()))
        return;
    const int generation = ++m_detailGeneration;
    m_detailLoading = true;
    setBusy(true, tr("Reading the customer…"));
    auto out = std::make_shared<std::optional<CustomerDetail>>();
    const auto magentoId = m_selectedMagento;
    const QString vaultId = m_selectedVault;
    const QString actor = m_actor;
    const QString keyPath = publicKeyPath(m_databasePath);
    runStoreTask(this, m_databasePath, false,
        [out, magentoId, vaultId, actor, keyPath](QSqlDatabase &db) -> Status {
            auto detail = readDetail(db, magentoId, vaultId, actor, keyPath);
            if (!detail)
                return detail.error();
            *out = std::move(detail).value();
            return {};
        },
        [this, out, generation](const Status &status) {
            if (generation != m_detailGeneration)
                return; // another row was selected meanwhile
            m_detailLoading = false;
            setBusy(false);
            if (!status) {
                showMessage(tr("The customer could not be read: %1").arg(status.error().toString()), true);
                return;
            }
            m_detail = *out;
            showDetail();
            Q_EMIT detailLoaded();
        });
}

void CustomersPage::clearDetailWidgets()
{
    m_detailTitle->setText(tr("No customer selected"));
    m_magentoSide->setText(QString());
    m_vaultSide->setText(QString());
    m_magentoSide->setVisible(false);
    m_vaultSide->setVisible(false);
    m_linkState->setText(tr("Select a customer to see both sides, the link, the card and the orders."));
    m_conflictBox->setVisible(false);
    m_deletionBox->setVisible(false);
    m_history->clear();
    updateActions();
}

void CustomersPage::showDetail()
{
    if (!m_detail)
        return;
    const CustomerDetail &d = *m_detail;
    QString title;
    if (d.customer)
        title = QString(d.customer->firstname + u' ' + d.customer->lastname);
    else if (d.vault)
        title = d.vault->billingName.isEmpty() ? d.vault->customerId : d.vault->billingName;
    const QString email = d.customer ? d.customer->email : d.vault ? d.vault->email : QString();
    m_detailTitle->setText(email.isEmpty() ? title.trimmed() : tr("%1 <%2>").arg(title.trimmed(), email));

    if (d.customer) {
        const MagentoCustomerRecord &c = *d.customer;
        QString state;
        if (c.deletedAt.isValid())
            state = tr("deleted in Magento (found %1)").arg(Format::dateTime(c.deletedAt.toMSecsSinceEpoch()));
        else if (c.anonymised)
            state = tr("anonymised in Magento");
        QList<std::pair<QString, QString>> rows{
            {tr("Name"), orNone(QString(c.firstname + u' ' + c.lastname).trimmed())},
            {tr("E-mail"), orNone(c.email)},
            {tr("Billing address"), orNone(c.billing.oneLine())},
            {tr("Phone"), orNone(c.phone)},
            {tr("Vault attribute"), c.vaultAttribute.isEmpty() ? tr("not set") : c.vaultAttribute}};
        if (!state.isEmpty())
            rows.append({tr("State"), state});
        m_magentoSide->setText(sideHtml(tr("Magento customer %1").arg(c.magentoId), rows));
    } else {
        m_magentoSide->setText(sideHtml(tr("Magento customer"), {{QString(), tr("No Magento customer is linked to this vault profile.")}}));
    }
    if (d.vault) {
        const VaultProfileRecord &v = *d.vault;
        QString card = v.cardLast4.isEmpty() ? tr("no card on file")
                       : v.cardType.isEmpty()  ? tr("card …%1").arg(v.cardLast4)
                                               : tr("%1 …%2").arg(v.cardType, v.cardLast4);
        if (!v.expiryText().isEmpty())
            card += v.cardExpired(m_today)        ? tr(", expired %1").arg(v.expiryText())
                  : v.cardExpiringSoon(m_today) ? tr(", expires %1 (soon)").arg(v.expiryText())
                                                : tr(", expires %1").arg(v.expiryText());
        m_vaultSide->setText(sideHtml(tr("PayTrace vault profile %1").arg(v.customerId),
            {{tr("Name"), orNone(v.billingName)},
             {tr("E-mail"), orNone(v.email)},
             {tr("Billing address"), orNone(v.billing.oneLine())},
             {tr("Phone"), orNone(v.phone)},
             {tr("Card"), card}}));
    } else {
        m_vaultSide->setText(sideHtml(tr("PayTrace vault profile"),
            {{QString(), d.customer ? tr("This customer has no vault profile. Add a card to create one (%1).").arg(d.newVaultId)
                                    : tr("No vault profile.")}}));
    }
    m_magentoSide->setVisible(true);
    m_vaultSide->setVisible(true);

    if (d.link) {
        CustomerOverview byRule;
        byRule.linkRule = d.link->rule;
        byRule.linkRuleDetail = d.link->ruleDetail;
        const QString rule = CustomersModel::linkText(byRule);
        m_linkState->setText(tr("Linked: %1. Since %2, by %3.")
                                 .arg(rule, Format::dateTime(d.link->linkedAt.toMSecsSinceEpoch()), d.link->linkedBy));
    } else if (d.customer && d.vault) {
        m_linkState->setText(tr("Not linked."));
    } else {
        m_linkState->setText(d.customer ? tr("Not linked to a vault profile.") : tr("Not linked to a Magento customer."));
    }

    // Conflicts: each field both sides changed, with the three values and the three decisions.
    while (QLayoutItem *item = m_conflictLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const CustomerConflict &c : d.conflicts) {
        auto *row = new QWidget;
        auto *rowLayout = new QVBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 4);
        auto *text = new QLabel(tr("<b>%1</b> — Magento: %2 · PayTrace: %3 · at the last sync: %4")
                                    .arg(esc(fieldTitle(c.field)), esc(conflictValue(c.field, c.magentoValue)),
                                         esc(conflictValue(c.field, c.paytraceValue)),
                                         esc(conflictValue(c.field, c.baseValue))));
        text->setObjectName(u"conflict.%1"_s.arg(c.id));
        text->setWordWrap(true);
        text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        rowLayout->addWidget(text);
        auto *buttons = new QHBoxLayout;
        const struct
        {
            QString name;
            QString label;
            QString tip;
            QString resolution;
        } choices[] = {
            {u"keepMagento"_s, tr("Keep Magento's"), tr("Write Magento's %1 to the vault profile").arg(fieldTitle(c.field).toLower()), u"magento"_s},
            {u"keepPayTrace"_s, tr("Keep PayTrace's"), tr("Write PayTrace's %1 to the Magento customer").arg(fieldTitle(c.field).toLower()), u"paytrace"_s},
            {u"dismiss"_s, tr("Dismiss"), tr("Leave both sides as they are; the current values become the agreed ones"), u"dismissed"_s},
        };
        for (const auto &choice : choices) {
            auto *b = new QPushButton(choice.label);
            b->setObjectName(u"%1.%2"_s.arg(choice.name).arg(c.id));
            b->setToolTip(choice.tip);
            b->setAccessibleName(tr("%1 for %2").arg(choice.label, fieldTitle(c.field)));
            b->setEnabled(d.canAct && !m_actionBusy);
            if (!d.canAct)
                b->setToolTip(tr("Only a support, finance or admin operator can decide a conflict."));
            const qint64 id = c.id;
            const QString resolution = choice.resolution;
            connect(b, &QPushButton::clicked, this, [this, id, resolution] { resolveConflict(id, resolution); });
            buttons->addWidget(b);
        }
        buttons->addStretch(1);
        rowLayout->addLayout(buttons);
        m_conflictLayout->addWidget(row);
    }
    m_conflictBox->setVisible(!d.conflicts.isEmpty());

    while (QLayoutItem *item = m_deletionLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (d.deletion) {
        const VaultDeletion &del = *d.deletion;
        auto *text = new QLabel(tr("Magento customer %1 was %2 (found %3). Delete vault profile %4 and its card in PayTrace?")
                                    .arg(del.magentoId)
                                    .arg(del.reason == u"anonymised" ? tr("anonymised") : tr("deleted"),
                                         Format::dateTime(del.foundAt.toMSecsSinceEpoch()), del.vaultCustomerId));
        text->setObjectName(u"deletion.%1"_s.arg(del.id));
        text->setWordWrap(true);
        m_deletionLayout->addWidget(text);
        auto *buttons = new QHBoxLayout;
        auto *confirm = new QPushButton(tr("Confirm deletion"));
        confirm->setObjectName(u"confirmDeletion.%1"_s.arg(del.id));
        auto *keep = new QPushButton(tr("Keep the profile"));
        keep->setObjectName(u"keepProfile.%1"_s.arg(del.id));
        for (QPushButton *b : {confirm, keep}) {
            b->setEnabled(d.isAdmin && !m_actionBusy);
            if (!d.isAdmin)
                b->setToolTip(tr("Only an admin decides whether a vault profile is deleted."));
            buttons->addWidget(b);
        }
        const qint64 id = del.id;
        connect(confirm, &QPushButton::clicked, this, [this, id] { decideDeletion(id, true); });
        connect(keep, &QPushButton::clicked, this, [this, id] { decideDeletion(id, false); });
        buttons->addStretch(1);
        m_deletionLayout->addLayout(buttons);
    }
    m_deletionBox->setVisible(d.deletion.has_value());

    // The orders and transactions, newest first, linked to their pages.
    QString html = u"<h4>%1</h4>"_s.arg(esc(tr("Orders (%1)").arg(d.orders.size())));
    if (d.orders.isEmpty()) {
        html += u"<p>%1</p>"_s.arg(esc(tr("No orders for this customer in the store.")));
    } else {
        html += u"<table cellspacing='0' cellpadding='3'><tr><th align='left'>%1</th><th align='left'>%2</th>"
                "<th align='left'>%3</th><th align='left'>%4</th><th align='right'>%5</th></tr>"_s
                    .arg(esc(tr("Order")), esc(tr("Placed")), esc(tr("Status")), esc(tr("Payment")), esc(tr("Total")));
        for (const CustomerOrderLine &o : d.orders)
            html += u"<tr><td><a href='%1'>%2</a></td><td>%3</td><td>%4</td><td>%5</td><td align='right'>%6</td></tr>"_s
                        .arg(RecordDetails::orderLink(o.incrementId).toString(QUrl::FullyEncoded), esc(o.incrementId),
                             esc(Format::dateTime(o.createdAt)), esc(Format::orderStatus(o.status)),
                             esc(Format::paymentStatus(o.payStatus)), esc(moneyWithCode(o.grandTotal, o.currency)));
        html += u"</table>"_s;
    }
    html += u"<h4>%1</h4>"_s.arg(esc(tr("Transactions (%1)").arg(d.transactions.size())));
    if (d.transactions.isEmpty()) {
        html += u"<p>%1</p>"_s.arg(esc(tr("No gateway transactions for this customer.")));
    } else {
        html += u"<table cellspacing='0' cellpadding='3'><tr><th align='left'>%1</th><th align='left'>%2</th>"
                "<th align='left'>%3</th><th align='left'>%4</th><th align='right'>%5</th></tr>"_s
                    .arg(esc(tr("Transaction")), esc(tr("When")), esc(tr("Type")), esc(tr("Status")), esc(tr("Amount")));
        for (const CustomerTransactionLine &t : d.transactions)
            html += u"<tr><td><a href='%1'>%2</a></td><td>%3</td><td>%4</td><td>%5</td><td align='right'>%6</td></tr>"_s
                        .arg(RecordDetails::transactionLink(t.transactionId).toString(QUrl::FullyEncoded),
                             esc(t.transactionId), esc(Format::dateTime(t.createdAt)),
                             esc(Format::transactionType(t.type)), esc(Format::transactionStatus(t.status)),
                             esc(moneyWithCode(t.amount, t.currency)));
        html += u"</table>"_s;
    }
    m_history->setHtml(html);
    updateActions();
}

QString CustomersPage::detailText() const
{
    QStringList parts{m_detailTitle->text(),
                      QTextDocumentFragment::fromHtml(m_magentoSide->text()).toPlainText(),
                      QTextDocumentFragment::fromHtml(m_vaultSide->text()).toPlainText(), m_linkState->text()};
    for (QLabel *label : m_conflictBox->findChildren<QLabel *>())
        parts << QTextDocumentFragment::fromHtml(label->text()).toPlainText();
    for (QLabel *label : m_deletionBox->findChildren<QLabel *>())
        parts << label->text();
    parts << m_history->toPlainText();
    return parts.join(u'\n');
}

QString CustomersPage::messageText() const
{
    return m_message->text();
}

QPushButton *CustomersPage::detailButton(const QString &objectName) const
{
    return m_detailPane->findChild<QPushButton *>(objectName);
}

void CustomersPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #c62828;"_s : QString());
}

void CustomersPage::updateActions()
{
    const bool have = m_detail.has_value() && (m_selectedMagento || !m_selectedVault.isEmpty());
    const CustomerDetail *d = have ? &*m_detail : nullptr;
    const bool canAct = d && d->canAct && !m_actionBusy;

    auto set = [](QPushButton *b, bool enabled, const QString &tip) {
        b->setEnabled(enabled);
        b->setToolTip(tip);
    };
    if (!d) {
        for (QPushButton *b : {m_linkButton, m_unlinkButton, m_cardButton, m_chargeButton})
            set(b, false, tr("Select a customer first."));
        return;
    }
    const QString noRights = tr("Your account has no support, finance or admin role in this store.");
    const bool linked = d->link.has_value();
    set(m_linkButton, canAct && !linked, !d->canAct ? noRights
        : linked ? tr("Already linked; unlink first to link to another.")
                 : d->customer ? tr("Link this Magento customer to a vault profile (Alt+L)")
                               : tr("Link this vault profile to a Magento customer (Alt+L)"));
    set(m_unlinkButton, canAct && linked, !d->canAct ? noRights
        : linked ? tr("Remove the link; automatic matching will not link this pair again (Alt+U)")
                 : tr("Not linked."));
    const bool hasCard = d->vault && !d->vault->cardLast4.isEmpty();
    m_cardButton->setText(d->vault ? (hasCard ? tr("Re&place card…") : tr("&Add card…")) : tr("&Add card…"));
    set(m_cardButton, canAct && (d->vault || d->customer), !d->canAct ? noRights
        : d->vault ? tr("Type a new card for vault profile %1; it is encrypted as you type").arg(d->vault->customerId)
                   : tr("Create vault profile %1 with a card").arg(d->newVaultId));
    bool chargeable = false;
    QString chargeWhy;
    if (!d->vault)
        chargeWhy = tr("No vault profile: add a card first.");
    else if (d->vault->cardLast4.isEmpty())
        chargeWhy = tr("The vault profile has no card.");
    else if (d->vault->cardExpired(m_today))
        chargeWhy = tr("The card on file expired %1.").arg(d->vault->expiryText());
    else
        chargeable = true;
    set(m_chargeButton, canAct && chargeable, !d->canAct ? noRights
        : chargeable ? tr("Charge the card on file for one of the customer's unpaid orders (Alt+H)") : chargeWhy);
}

// ---- actions -------------------------------------------------------------------------------

bool CustomersPage::runAction(const QString &doing,
                              std::function<Status(QSqlDatabase &db, const QString &actor)> action,
                              const QString &doneText)
{
    if (m_actionBusy || m_databasePath.isEmpty())
        return false;
    m_actionBusy = true;
    showMessage(doing);
    setBusy(true, doing);
    updateActions();
    if (m_detail)
        showDetail(); // the detail's buttons follow m_actionBusy
    const QString actor = m_actor;
    runStoreTask(this, m_databasePath, true,
        [action = std::move(action), actor](QSqlDatabase &db) { return action(db, actor); },
        [this, doneText](const Status &status) {
            m_actionBusy = false;
            setBusy(false);
            const QString text = status ? doneText : status.error().message;
            showMessage(text, !status);
            // What the action planned (a field written to the other side, a vault deletion)
            // is sent by the process that runs intents: this one when it holds the lease.
            if (status && m_sync)
                m_sync->runIntents();
            Q_EMIT actionFinished(status.ok(), text);
            refresh();
        });
    return true;
}

namespace {

customers::CustomerActions actionsFor(QSqlDatabase &db)
{
    mapping::MappingStore mappings(db);
    auto active = mappings.active();
    return customers::CustomerActions(db, active ? active->customers() : mapping::CustomerRules{});
}

} // namespace

bool CustomersPage::resolveConflict(qint64 conflictId, const QString &resolution)
{
    const QString done = resolution == u"magento"  ? tr("Magento's value is kept and is being written to PayTrace.")
                       : resolution == u"paytrace" ? tr("PayTrace's value is kept and is being written to Magento.")
                                                   : tr("Conflict dismissed: both sides stay as they are.");
    return runAction(tr("Deciding the conflict…"),
                     [conflictId, resolution](QSqlDatabase &db, const QString &actor) {
                         return actionsFor(db).resolveConflict(conflictId, resolution, actor);
                     },
                     done);
}

bool CustomersPage::decideDeletion(qint64 deletionId, bool confirm)
{
    return runAction(confirm ? tr("Confirming the deletion…") : tr("Keeping the profile…"),
                     [deletionId, confirm](QSqlDatabase &db, const QString &actor) {
                         return actionsFor(db).decideDeletion(deletionId, confirm, actor);
                     },
                     confirm ? tr("Deletion confirmed: the vault profile is being deleted in PayTrace.")
                             : tr("The vault profile is kept."));
}

bool CustomersPage::link(qint64 magentoId, const QString &vaultCustomerId)
{
    return runAction(tr("Linking…"),
                     [magentoId, vaultCustomerId](QSqlDatabase &db, const QString &actor) -> Status {
                         auto linked = actionsFor(db).link(magentoId, vaultCustomerId, actor);
                         return linked ? Status() : Status(linked.error());
                     },
                     tr("Magento customer %1 and vault profile %2 are linked.").arg(magentoId).arg(vaultCustomerId));
}

bool CustomersPage::unlink()
{
    if (!m_detail || !m_detail->link)
        return false;
    const qint64 magentoId = m_detail->link->magentoId;
    const QString vaultId = m_detail->link->vaultCustomerId;
    return runAction(tr("Unlinking…"),
                     [magentoId](QSqlDatabase &db, const QString &actor) { return actionsFor(db).unlink(magentoId, actor); },
                     tr("Magento customer %1 and vault profile %2 are no longer linked; automatic matching leaves "
                        "them apart.").arg(magentoId).arg(vaultId));
}

void CustomersPage::pickAndLink()
{
    if (!m_detail || m_detail->link)
        return;
    const bool fromCustomer = m_detail->customer.has_value();
    QDialog picker(this);
    picker.setObjectName(u"linkPicker"_s);
    picker.setWindowTitle(fromCustomer ? tr("Link to a vault profile") : tr("Link to a Magento customer"));
    auto *layout = new QVBoxLayout(&picker);
    auto *label = new QLabel(fromCustomer ? tr("Vault profiles without a Magento customer (type to find one):")
                                          : tr("Magento customers without a vault profile (type to find one):"));
    auto *list = new QListWidget;
    list->setObjectName(u"linkCandidates"_s);
    list->setAccessibleName(label->text());
    for (const CustomerOverview &o : m_model->allRows()) {
        if (!o.linkRule.isEmpty())
            continue;
        if (fromCustomer && !o.magentoId && !o.vaultCustomerId.isEmpty()) {
            auto *item = new QListWidgetItem(tr("%1 — %2 %3").arg(o.vaultCustomerId, o.name, o.email));
            item->setData(Qt::UserRole, o.vaultCustomerId);
            list->addItem(item);
        } else if (!fromCustomer && o.magentoId) {
            auto *item = new QListWidgetItem(tr("%1 — %2 %3").arg(*o.magentoId).arg(o.name, o.email));
            item->setData(Qt::UserRole, *o.magentoId);
            list->addItem(item);
        }
    }
    if (list->count() == 0) {
        showMessage(fromCustomer ? tr("Every vault profile is linked already.") : tr("Every Magento customer is linked already."),
                    true);
        return;
    }
    list->setCurrentRow(0);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Link"));
    connect(buttons, &QDialogButtonBox::accepted, &picker, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &picker, &QDialog::reject);
    connect(list, &QListWidget::itemActivated, &picker, &QDialog::accept);
    layout->addWidget(label);
    layout->addWidget(list, 1);
    layout->addWidget(buttons);
    picker.resize(560, 360);
    if (picker.exec() != QDialog::Accepted || !list->currentItem())
        return;
    const QVariant chosen = list->currentItem()->data(Qt::UserRole);
    if (fromCustomer)
        link(m_detail->customer->magentoId, chosen.toString());
    else
        link(chosen.toLongLong(), m_detail->vault->customerId);
}

QList<CustomerOrderLine> CustomersPage::chargeableOrders() const
{
    QList<CustomerOrderLine> out;
    if (!m_detail)
        return out;
    // Unpaid (or a failed checkout: declined, voided) and still open; the engine checks again.
    for (const CustomerOrderLine &o : m_detail->orders)
        if ((o.payStatus == u"unpaid" || o.payStatus == u"declined" || o.payStatus == u"voided")
            && o.state != u"canceled" && o.state != u"closed" && o.state != u"complete" && o.totalPaid < o.grandTotal)
            out << o;
    return out;
}

void CustomersPage::pickAndCharge()
{
    const QList<CustomerOrderLine> orders = chargeableOrders();
    if (orders.isEmpty()) {
        showMessage(tr("This customer has no unpaid order to charge: the order must be in the store (sync first), "
                       "open, and not paid."), true);
        return;
    }
    QDialog picker(this);
    picker.setObjectName(u"chargeOrderPicker"_s);
    picker.setWindowTitle(tr("Charge saved card — choose the order"));
    auto *layout = new QVBoxLayout(&picker);
    const VaultProfileRecord &v = *m_detail->vault;
    auto *label = new QLabel(tr("Charge the %1 card ending %2 (vault profile %3) for which unpaid order?")
                                 .arg(v.cardType.isEmpty() ? tr("saved") : v.cardType, v.cardLast4, v.customerId));
    label->setWordWrap(true);
    auto *list = new QListWidget;
    list->setObjectName(u"chargeOrders"_s);
    list->setAccessibleName(tr("Unpaid orders"));
    for (const CustomerOrderLine &o : orders) {
        auto *item = new QListWidgetItem(tr("%1 — %2, placed %3 (%4)")
                                             .arg(o.incrementId, moneyWithCode(o.grandTotal - o.totalPaid, o.currency),
                                                  Format::dateTime(o.createdAt), Format::orderStatus(o.status)));
        item->setData(Qt::UserRole, o.incrementId);
        list->addItem(item);
    }
    list->setCurrentRow(0);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Next…"));
    connect(buttons, &QDialogButtonBox::accepted, &picker, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &picker, &QDialog::reject);
    connect(list, &QListWidget::itemActivated, &picker, &QDialog::accept);
    layout->addWidget(label);
    layout->addWidget(list, 1);
    layout->addWidget(buttons);
    picker.resize(520, 320);
    if (picker.exec() != QDialog::Accepted || !list->currentItem())
        return;
    openCharge(list->currentItem()->data(Qt::UserRole).toString());
}

CardEntryDialog *CustomersPage::openCardEntry()
{
    if (!m_detail || !m_cardButton->isEnabled())
        return nullptr;
    const CustomerDetail &d = *m_detail;
    CardEntrySetup setup;
    setup.create = !d.vault.has_value();
    setup.vaultCustomerId = d.vault ? d.vault->customerId : d.newVaultId;
    if (d.customer)
        setup.magentoId = d.customer->magentoId;
    if (d.vault && !d.vault->cardLast4.isEmpty())
        setup.currentCard = tr("%1 …%2, expires %3")
                                .arg(d.vault->cardType.isEmpty() ? tr("Card") : d.vault->cardType, d.vault->cardLast4,
                                     d.vault->expiryText());
    // Prefilled from the vault profile when there is one, else from the Magento customer.
    if (d.vault) {
        setup.billing = d.vault->billing;
        if (setup.billing.name.isEmpty())
            setup.billing.name = d.vault->billingName;
        setup.email = d.vault->email;
        setup.phone = d.vault->phone;
    }
    if (d.customer) {
        if (setup.billing.street.isEmpty())
            setup.billing = d.customer->billing;
        if (setup.billing.name.isEmpty())
            setup.billing.name = QString(d.customer->firstname + u' ' + d.customer->lastname).trimmed();
        if (setup.email.isEmpty())
            setup.email = d.customer->email;
        if (setup.phone.isEmpty())
            setup.phone = d.customer->phone;
    }
    setup.publicKeyPem = d.publicKeyPem;
    setup.publicKeyHelp = tr("In PayTrace, open Integration › Encryption key and download the public key (PEM); save it "
                             "as %1 and open this window again.").arg(QDir::toNativeSeparators(publicKeyPath(m_databasePath)));
    auto *dialog = new CardEntryDialog(setup, [this, setup](const CardEntryRequest &request,
                                                            std::function<void(bool, const QString &)> done) {
        sendCard(setup, request, std::move(done));
    }, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setToday(m_today);
    connect(dialog, &CardEntryDialog::submitted, this, [this](bool ok, const QString &message) {
        showMessage(message, !ok);
        Q_EMIT actionFinished(ok, message);
        refresh();
    });
    dialog->open();
    return dialog;
}

void CustomersPage::sendCard(const CardEntrySetup &setup, const CardEntryRequest &request,
                             std::function<void(bool ok, const QString &message)> done)
{
    if (!m_sync) {
        done(false, tr("PayBridge is not connected to PayTrace in this window (no profile), so nothing was sent."));
        return;
    }
    customers::CardSubmission submission;
    submission.mode = setup.create ? customers::CardSubmission::Mode::Create : customers::CardSubmission::Mode::Replace;
    submission.vaultCustomerId = setup.vaultCustomerId;
    submission.magentoId = setup.magentoId;
    submission.card = request.card;
    submission.cardType = request.cardType;
    submission.last4 = request.last4;
    submission.billing = request.billing;
    submission.email = request.email;
    submission.phone = request.phone;
    submission.reason = request.reason;
    submission.actor = m_actor;
    // The engine's thread sends it while it holds the ciphertext; the answer comes back here.
    m_sync->submitCard(submission, this, [done = std::move(done)](const customers::CardOutcome &outcome) {
        done(outcome.kind == customers::CardOutcome::Kind::Saved, outcome.message);
    });
}

OperationDialog *CustomersPage::openCharge(const QString &orderIncrementId)
{
    if (!m_detail || !m_detail->vault || !m_chargeButton->isEnabled() || orderIncrementId.isEmpty())
        return nullptr;
    // The operation dialog's flow, as for refunds: the engine's preview, a review with the
    // reason, approval by finance above the operator's limit, then the outcome.
    auto *dialog = new OperationDialog(m_sync, sync::OperationKind::Charge, orderIncrementId, m_actor,
                                       m_detail->vault->customerId, this);
    connect(dialog, &OperationDialog::operationFinished, this, [this](const sync::OperationOutcome &outcome) {
        const bool ok = outcome.kind == sync::OperationOutcome::Kind::Succeeded
            || outcome.kind == sync::OperationOutcome::Kind::Queued
            || outcome.kind == sync::OperationOutcome::Kind::AwaitingApproval;
        showMessage(outcome.message, !ok);
        Q_EMIT actionFinished(ok, outcome.message);
        refresh();
    });
    dialog->open();
    return dialog;
}

} // namespace pb::ui
