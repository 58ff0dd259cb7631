#include "accountseditor.h"

#include "mappingdraft.h"
#include "mapping/mappingprofile.h"
#include "money/money.h"

#include <QCompleter>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSplitter>
#include <QPushButton>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

QString roleTitle(pb::mapping::AccountRole role)
{
    using R = pb::mapping::AccountRole;
    switch (role) {
    case R::Receivables: return AccountsEditor::tr("Receivables");
    case R::Clearing: return AccountsEditor::tr("PayTrace clearing");
    case R::Cash: return AccountsEditor::tr("Bank (cash)");
    case R::Sales: return AccountsEditor::tr("Sales");
    case R::Refunds: return AccountsEditor::tr("Refunds");
    case R::Chargebacks: return AccountsEditor::tr("Chargebacks");
    case R::Fees: return AccountsEditor::tr("Card fees");
    case R::WriteOffs: return AccountsEditor::tr("Write-offs");
    }
    return {};
}

// Which journal entries book to a role (MappingProfile::planEntry), so a person sees what an
// account change moves.
QString bookedBy(pb::mapping::AccountRole role)
{
    using R = pb::mapping::AccountRole;
    switch (role) {
    case R::Receivables: return AccountsEditor::tr("sale (debit), card payment and write-off (credit)");
    case R::Clearing: return AccountsEditor::tr("card payment (debit), refund, chargeback, fee and deposit (credit)");
    case R::Cash: return AccountsEditor::tr("settlement deposit (debit); card payments when paid to cash");
    case R::Sales: return AccountsEditor::tr("sale (credit)");
    case R::Refunds: return AccountsEditor::tr("refund (debit)");
    case R::Chargebacks: return AccountsEditor::tr("chargeback (debit)");
    case R::Fees: return AccountsEditor::tr("card processing fee (debit)");
    case R::WriteOffs: return AccountsEditor::tr("write-off (debit)");
    }
    return {};
}

// Account cells complete from the accounts the sink knows.
class AccountDelegate : public QStyledItemDelegate
{
public:
    AccountDelegate(const QStringList *known, QObject *parent) : QStyledItemDelegate(parent), m_known(known) {}
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        auto *editor = qobject_cast<QLineEdit *>(QStyledItemDelegate::createEditor(parent, option, index));
        if (editor && !m_known->isEmpty()) {
            auto *completer = new QCompleter(*m_known, editor);
            completer->setCaseSensitivity(Qt::CaseInsensitive);
            completer->setFilterMode(Qt::MatchContains);
            editor->setCompleter(completer);
        }
        return editor;
    }

private:
    const QStringList *m_known;
};

} // namespace

AccountsEditor::AccountsEditor(MappingDraft *draft, QWidget *parent)
    : QWidget(parent)
    , m_draft(draft)
{
    setObjectName(u"accountsEditor"_s);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("The ledger account of each role in the day journal and the ERP entries. A currency "
                                "column overrides the default for payments in that currency; an empty cell uses the "
                                "default."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *row = new QHBoxLayout;
    m_knownLabel = new QLabel;
    m_knownLabel->setObjectName(u"knownAccountsLabel"_s);
    m_knownLabel->setWordWrap(true);
    row->addWidget(m_knownLabel, 1);
    m_addCurrency = new QPushButton(tr("Add &currency…"));
    m_addCurrency->setObjectName(u"addCurrency"_s);
    m_removeCurrency = new QPushButton(tr("Remove curre&ncy"));
    m_removeCurrency->setObjectName(u"removeCurrency"_s);
    m_removeCurrency->setToolTip(tr("Remove the currency column of the selected cell"));
    row->addWidget(m_addCurrency);
    row->addWidget(m_removeCurrency);
    layout->addLayout(row);

    m_table = new QTableWidget;
    m_table->setObjectName(u"accountsTable"_s);
    m_table->setAccessibleName(tr("ERP accounts"));
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false); // one line per role; long texts are in the tooltips
    m_table->setItemDelegate(new AccountDelegate(&m_known, m_table));
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed
                             | QAbstractItemView::AnyKeyPressed);
    // The accounts the sink knows, beside the map: double-click (or Enter) puts one into the
    // selected cell.
    auto *knownBox = new QWidget;
    auto *knownLayout = new QVBoxLayout(knownBox);
    knownLayout->setContentsMargins(0, 0, 0, 0);
    auto *knownTitle = new QLabel(tr("Accounts the sink knows"));
    QFont bold = knownTitle->font();
    bold.setBold(true);
    knownTitle->setFont(bold);
    m_knownList = new QListWidget;
    m_knownList->setObjectName(u"knownAccounts"_s);
    m_knownList->setAccessibleName(tr("Accounts the ERP sink knows"));
    m_knownList->setToolTip(tr("Double-click or press Enter to use the account in the selected cell"));
    knownLayout->addWidget(knownTitle);
    knownLayout->addWidget(m_knownList, 1);
    auto *split = new QSplitter(Qt::Horizontal);
    split->setChildrenCollapsible(false);
    split->addWidget(m_table);
    split->addWidget(knownBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({900, 300});
    layout->addWidget(split, 1);
    connect(m_knownList, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const int row = m_table->currentRow();
        const int column = m_table->currentColumn();
        if (m_readOnly || row < 0 || column < 1 || column >= m_table->columnCount() - 1)
            return;
        const QString role = m_table->item(row, 0)->data(Qt::UserRole).toString();
        const QString currency = m_table->horizontalHeaderItem(column)->data(Qt::UserRole).toString();
        setAccount(role, currency, item->text());
    });
    m_summary = new QLabel;
    m_summary->setObjectName(u"accountsSummary"_s);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);

    connect(m_table, &QTableWidget::itemChanged, this, &AccountsEditor::onItemChanged);
    connect(m_addCurrency, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString code = QInputDialog::getText(this, tr("Add currency"), tr("ISO currency code (e.g. CAD):"),
                                                   QLineEdit::Normal, QString(), &ok).trimmed().toUpper();
        if (ok && !code.isEmpty() && !addCurrency(code))
            m_summary->setText(tr("%1 is not a currency code PayBridge knows, or it has a column already.").arg(code));
    });
    connect(m_removeCurrency, &QPushButton::clicked, this, [this] {
        const int c = m_table->currentColumn();
        if (c >= 2 && c < m_table->columnCount() - 1)
            removeCurrency(m_table->horizontalHeaderItem(c)->data(Qt::UserRole).toString());
    });
    connect(m_draft, &MappingDraft::changed, this, [this](const QStringList &paths) {
        bool mine = paths.isEmpty();
        for (const QString &p : paths)
            mine = mine || p.startsWith(u"erpAccounts"_s);
        if (mine)
            rebuild();
    });
    setKnownLoading();
    rebuild();
}

QStringList AccountsEditor::currencies() const
{
    return m_draft->value(u"erpAccounts.perCurrency"_s).toObject().keys();
}

void AccountsEditor::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_addCurrency->setEnabled(!readOnly);
    m_removeCurrency->setEnabled(!readOnly);
    rebuild();
}

void AccountsEditor::setKnownLoading()
{
    m_knownLabel->setText(tr("Reading the accounts the ERP sink knows…"));
}

void AccountsEditor::setKnownAccounts(const QStringList &accounts, const QString &sink, const QString &error,
                                      int unnamed)
{
    m_known = accounts;
    m_sink = sink.isEmpty() ? tr("ERP") : sink;
    m_knownLoaded = error.isEmpty();
    QString text;
    if (!error.isEmpty())
        text = tr("The accounts of the %1 sink could not be read: %2").arg(m_sink, error);
    else if (sink == u"odoo")
        text = tr("Odoo has %n accounts with a PayBridge name; cells complete from them.", nullptr,
                  int(accounts.size()))
               + (unnamed > 0 ? u' ' + tr("%n more have no PayBridge name (erp.odooAccounts in the profile).",
                                          nullptr, unnamed)
                              : QString());
    else if (accounts.isEmpty())
        text = tr("The %1 journal names no accounts yet: each account opens with its first entry.").arg(sink);
    else
        text = tr("The %1 journal uses %n accounts; cells complete from them.", nullptr, int(accounts.size())).arg(sink);
    m_knownLabel->setText(text);
    m_knownList->clear();
    m_knownList->addItems(accounts);
    rebuild();
}

bool AccountsEditor::addCurrency(const QString &code)
{
    if (m_readOnly || !pb::Currency::fromCode(code) || currencies().contains(code))
        return false;
    m_draft->set(u"erpAccounts.perCurrency."_s + code, QJsonObject{}, tr("Add currency %1").arg(code));
    return true;
}

bool AccountsEditor::removeCurrency(const QString &code)
{
    if (m_readOnly || !currencies().contains(code))
        return false;
    m_draft->set(u"erpAccounts.perCurrency."_s + code, QJsonValue(QJsonValue::Undefined),
                 tr("Remove currency %1").arg(code));
    return true;
}

bool AccountsEditor::setAccount(const QString &role, const QString &currency, const QString &account)
{
    if (m_readOnly)
        return false;
    const QString path = currency.isEmpty() ? u"erpAccounts.default."_s + role
                                            : u"erpAccounts.perCurrency.%1.%2"_s.arg(currency, role);
    const QJsonValue value = account.isEmpty() && !currency.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                                                      : QJsonValue(account);
    m_draft->set(path, value,
                 currency.isEmpty() ? tr("Account for %1: %2").arg(role, account)
                                    : tr("%1 account for %2: %3").arg(currency, role, account));
    return true;
}

void AccountsEditor::onItemChanged(QTableWidgetItem *item)
{
    if (m_updating || item->column() < 1 || item->column() >= m_table->columnCount() - 1)
        return;
    const QString role = m_table->item(item->row(), 0)->data(Qt::UserRole).toString();
    const QString currency = m_table->horizontalHeaderItem(item->column())->data(Qt::UserRole).toString();
    setAccount(role, currency, item->text().trimmed());
}

void AccountsEditor::rebuild()
{
    m_updating = true;
    const QStringList curr = currencies();
    const int usedColumn = 2 + int(curr.size());
    m_table->setColumnCount(usedColumn + 1);
    m_table->setHorizontalHeaderItem(usedColumn, new QTableWidgetItem(tr("Booked by")));
    auto *roleHead = new QTableWidgetItem(tr("Role"));
    m_table->setHorizontalHeaderItem(0, roleHead);
    auto *defHead = new QTableWidgetItem(tr("Default account"));
    m_table->setHorizontalHeaderItem(1, defHead);
    for (int i = 0; i < curr.size(); ++i) {
        auto *h = new QTableWidgetItem(tr("%1 override").arg(curr.at(i)));
        h->setData(Qt::UserRole, curr.at(i));
        m_table->setHorizontalHeaderItem(2 + i, h);
    }
    m_table->setRowCount(int(pb::mapping::kAccountRoles.size()));
    m_warnings = 0;
    int invalid = 0, unknown = 0, unmapped = 0;
    int row = 0;
    for (const auto role : pb::mapping::kAccountRoles) {
        const QString key = pb::mapping::accountRoleName(role);
        auto *r = new QTableWidgetItem(roleTitle(role));
        r->setData(Qt::UserRole, key);
        r->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        r->setToolTip(key);
        m_table->setItem(row, 0, r);
        auto *used = new QTableWidgetItem(bookedBy(role));
        used->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        used->setForeground(palette().color(QPalette::PlaceholderText));
        used->setToolTip(used->text());
        m_table->setItem(row, usedColumn, used);
        for (int c = 1; c < usedColumn; ++c) {
            const QString currency = c == 1 ? QString() : curr.at(c - 2);
            const QString path = c == 1 ? u"erpAccounts.default."_s + key
                                        : u"erpAccounts.perCurrency.%1.%2"_s.arg(currency, key);
            const QString account = m_draft->string(path);
            auto *cell = new QTableWidgetItem(account);
            Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
            if (!m_readOnly)
                flags |= Qt::ItemIsEditable;
            cell->setFlags(flags);
            QString tip;
            if (account.isEmpty() && c == 1) {
                tip = tr("⚠ No account: entries of this role cannot be booked.");
                ++unmapped;
                cell->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
                cell->setBackground(QColor(0xfd, 0xec, 0xea));
            } else if (account.isEmpty()) {
                tip = tr("Uses the default account.");
                cell->setForeground(palette().color(QPalette::PlaceholderText));
            } else if (Status s = pb::mapping::validateAccountName(account, path); !s) {
                tip = u"⚠ "_s + s.error().message;
                ++invalid;
                cell->setBackground(QColor(0xfd, 0xec, 0xea));
                cell->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
            } else if (m_knownLoaded && !m_known.contains(account)) {
                tip = m_sink == u"odoo" ? tr("⚠ No Odoo account has this PayBridge name: its entries cannot be posted.")
                                        : tr("⚠ New to the %1 journal: its first entry opens it.").arg(m_sink);
                ++unknown;
                cell->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
                cell->setForeground(QColor(0x8a, 0x5a, 0x00));
            } else {
                tip = path;
            }
            cell->setToolTip(tip);
            m_table->setItem(row, c, cell);
        }
        ++row;
    }
    m_table->setColumnWidth(0, 150);
    for (int c = 1; c < usedColumn; ++c)
        m_table->setColumnWidth(c, curr.isEmpty() ? 360 : 250);
    m_warnings = invalid + unknown + unmapped;
    QStringList parts;
    if (unmapped)
        parts << tr("%n roles have no account", nullptr, unmapped);
    if (invalid)
        parts << tr("%n names are not valid ledger accounts", nullptr, invalid);
    if (unknown)
        parts << (m_sink == u"odoo" ? tr("%n accounts have no Odoo account", nullptr, unknown)
                                    : tr("%n accounts are new to the %1 journal", nullptr, unknown).arg(m_sink));
    m_summary->setText(parts.isEmpty() ? tr("Every role has an account.") : u"⚠ "_s + parts.join(u"; "_s) + u'.');
    m_summary->setStyleSheet(parts.isEmpty() ? QString() : u"color: #8a5a00;"_s);
    m_updating = false;
}

} // namespace pb::ui::studio
