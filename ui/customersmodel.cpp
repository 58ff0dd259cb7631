#include "customersmodel.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::ui {

CustomersModel::ExpiryState CustomersModel::expiryState(const QString &mmYyyy, QDate today)
{
    const QStringList parts = mmYyyy.split(u'/');
    if (parts.size() != 2)
        return ExpiryState::Unknown;
    bool okMonth = false;
    bool okYear = false;
    VaultProfileRecord card;
    card.expMonth = parts.at(0).toInt(&okMonth);
    card.expYear = parts.at(1).toInt(&okYear);
    if (!okMonth || !okYear || card.expMonth < 1 || card.expMonth > 12 || card.expYear < 1000)
        return ExpiryState::Unknown;
    // The record's own rule, so the page, the dashboard and the CLI agree on a card.
    if (card.cardExpired(today))
        return ExpiryState::Expired;
    if (card.cardExpiringSoon(today))
        return ExpiryState::Expiring;
    return ExpiryState::Valid;
}

CustomersModel::CustomersModel(QObject *parent) : QAbstractTableModel(parent) {}

void CustomersModel::setRows(const QList<CustomerOverview> &rows, const QSet<QString> &awaitingDeletion)
{
    beginResetModel();
    m_all = rows;
    // Profiles without an e-mail (phone orders) after the customers people search by address.
    std::stable_partition(m_all.begin(), m_all.end(), [](const CustomerOverview &o) { return !o.email.isEmpty(); });
    m_awaiting = awaitingDeletion;
    rebuild();
    endResetModel();
}

void CustomersModel::setFilter(Filter filter)
{
    if (filter == m_filter)
        return;
    beginResetModel();
    m_filter = filter;
    rebuild();
    endResetModel();
}

void CustomersModel::setToday(QDate today)
{
    beginResetModel();
    m_today = today;
    rebuild();
    endResetModel();
}

bool CustomersModel::matches(const CustomerOverview &row, Filter filter) const
{
    switch (filter) {
    case Filter::All: return true;
    case Filter::Linked: return !row.linkRule.isEmpty();
    case Filter::NotLinked: return row.linkRule.isEmpty();
    case Filter::Conflicts: return row.openConflicts > 0;
    case Filter::Expiring: return expiryState(row.cardExpiry, m_today) == ExpiryState::Expiring;
    case Filter::AwaitingDeletion: return !row.vaultCustomerId.isEmpty() && m_awaiting.contains(row.vaultCustomerId);
    }
    return true;
}

int CustomersModel::countFor(Filter filter) const
{
    int n = 0;
    for (const CustomerOverview &row : m_all)
        n += matches(row, filter) ? 1 : 0;
    return n;
}

void CustomersModel::rebuild()
{
    m_visible.clear();
    for (int i = 0; i < m_all.size(); ++i)
        if (matches(m_all.at(i), m_filter))
            m_visible << i;
}

int CustomersModel::rowOf(std::optional<qint64> magentoId, const QString &vaultId) const
{
    for (int r = 0; r < m_visible.size(); ++r) {
        const CustomerOverview &o = m_all.at(m_visible.at(r));
        if (magentoId ? o.magentoId == magentoId : (!o.magentoId && o.vaultCustomerId == vaultId))
            return r;
    }
    return -1;
}

QString CustomersModel::linkText(const CustomerOverview &row)
{
    if (row.linkRule.isEmpty())
        return row.magentoId ? (row.vaultCustomerId.isEmpty() ? tr("No vault profile") : tr("Not linked"))
                             : tr("No Magento customer");
    if (!row.linkRuleDetail.isEmpty())
        return row.linkRuleDetail;
    if (row.linkRule == u"attribute")
        return tr("By the Magento attribute");
    if (row.linkRule == u"vault_id")
        return tr("By the vault id template");
    if (row.linkRule == u"email")
        return tr("By e-mail");
    if (row.linkRule == u"manual")
        return tr("Linked by a person");
    if (row.linkRule == u"created")
        return tr("Profile created by PayBridge");
    return row.linkRule;
}

QString CustomersModel::filterTitle(Filter filter)
{
    switch (filter) {
    case Filter::All: return tr("All");
    case Filter::Linked: return tr("Linked");
    case Filter::NotLinked: return tr("Not linked");
    case Filter::Conflicts: return tr("Conflicts");
    case Filter::Expiring: return tr("Card expiring");
    case Filter::AwaitingDeletion: return tr("Awaiting deletion");
    }
    return {};
}

int CustomersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible.size());
}

int CustomersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CustomersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_visible.size())
        return {};
    const CustomerOverview &o = m_all.at(m_visible.at(index.row()));
    if (role == RowRole)
        return index.row();
    const int column = index.column();
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (column) {
        case Email: return o.email;
        case Name: return o.name;
        case MagentoId: return o.magentoId ? QString::number(*o.magentoId) : QString();
        case VaultId: return o.vaultCustomerId;
        case Card:
            if (o.cardLast4.isEmpty())
                return o.vaultCustomerId.isEmpty() ? QString() : tr("no card");
            return o.cardType.isEmpty() ? tr("…%1").arg(o.cardLast4) : tr("%1 …%2").arg(o.cardType, o.cardLast4);
        case Expiry: {
            if (role == Qt::ToolTipRole) {
                switch (expiryState(o.cardExpiry, m_today)) {
                case ExpiryState::Expired: return tr("Expired %1: the card cannot be charged").arg(o.cardExpiry);
                case ExpiryState::Expiring: return tr("Expires %1 (this month or next)").arg(o.cardExpiry);
                default: return o.cardExpiry;
                }
            }
            return o.cardExpiry;
        }
        case Link: return linkText(o);
        case Conflicts:
            if (role == Qt::ToolTipRole && o.openConflicts > 0)
                return tr("%n field(s) changed on both sides since the last sync", nullptr, o.openConflicts);
            return o.openConflicts > 0 ? QString::number(o.openConflicts) : QString();
        }
    }
    if (role == Qt::ForegroundRole && column == Expiry) {
        switch (expiryState(o.cardExpiry, m_today)) {
        case ExpiryState::Expired: return QBrush(QColor(0xc6, 0x28, 0x28));
        case ExpiryState::Expiring: return QBrush(QColor(0xb2, 0x6a, 0x00));
        default: break;
        }
    }
    if (role == Qt::ForegroundRole && column == Conflicts && o.openConflicts > 0)
        return QBrush(QColor(0xc6, 0x28, 0x28));
    if (role == Qt::TextAlignmentRole && (column == MagentoId || column == Conflicts))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::AccessibleTextRole && column == Expiry) {
        switch (expiryState(o.cardExpiry, m_today)) {
        case ExpiryState::Expired: return tr("%1, expired").arg(o.cardExpiry);
        case ExpiryState::Expiring: return tr("%1, expiring soon").arg(o.cardExpiry);
        default: return o.cardExpiry;
        }
    }
    return {};
}

QVariant CustomersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Email: return tr("E-mail");
    case Name: return tr("Name");
    case MagentoId: return tr("Magento id");
    case VaultId: return tr("Vault id");
    case Card: return tr("Card");
    case Expiry: return tr("Expiry");
    case Link: return tr("Link");
    case Conflicts: return tr("Conflicts");
    }
    return {};
}

} // namespace pb::ui
