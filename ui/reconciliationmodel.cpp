#include "reconciliationmodel.h"

#include "displayformat.h"

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

std::optional<qint64> difference(const reconcile::ItemRecord &r)
{
    if (r.expectedMinor && r.actualMinor)
        return *r.actualMinor - *r.expectedMinor;
    return std::nullopt;
}

} // namespace

ReconciliationModel::ReconciliationModel(QObject *parent) : QAbstractTableModel(parent) {}

void ReconciliationModel::setDatabase(const QSqlDatabase &db)
{
    m_db = db;
    refresh();
}

void ReconciliationModel::setRun(qint64 runId)
{
    m_runId = runId;
    refresh();
}

void ReconciliationModel::setFilter(const QString &state, const QString &cls)
{
    if (state == m_state && cls == m_cls)
        return;
    m_state = state;
    m_cls = cls;
    refresh();
}

QList<reconcile::ItemRecord> ReconciliationModel::readPage(qint64 afterId)
{
    if (!m_db.isValid() || !m_db.isOpen() || m_runId <= 0)
        return {};
    reconcile::ItemFilter filter;
    filter.state = m_state;
    filter.cls = m_cls;
    filter.afterId = afterId;
    filter.limit = kPageSize;
    // Only reads: the store's read methods work on the read-only connection too.
    reconcile::ReconciliationStore store(m_db);
    const auto page = store.items(m_runId, filter);
    if (!page) {
        m_error = page.error().toString();
        m_atEnd = true;
        Q_EMIT loadFailed(m_error);
        return {};
    }
    m_atEnd = page->size() < kPageSize;
    return page.value();
}

void ReconciliationModel::refresh()
{
    beginResetModel();
    m_error.clear();
    m_rows.clear();
    m_atEnd = true;
    m_rows = readPage(0);
    endResetModel();
}

bool ReconciliationModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_rows.isEmpty();
}

void ReconciliationModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    const QList<reconcile::ItemRecord> more = readPage(m_rows.last().id);
    if (more.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + more.size() - 1));
    m_rows += more;
    endInsertRows();
}

int ReconciliationModel::rowOfId(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == id)
            return i;
    return -1;
}

int ReconciliationModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ReconciliationModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ReconciliationModel::className(const QString &cls)
{
    if (cls == u"missing_in_magento") return tr("Missing in Magento");
    if (cls == u"missing_in_paytrace") return tr("Missing in PayTrace");
    if (cls == u"missing_in_settlement") return tr("Missing in settlement");
    if (cls == u"amount_mismatch") return tr("Amount mismatch");
    if (cls == u"currency_mismatch") return tr("Currency mismatch");
    if (cls == u"status_mismatch") return tr("Status mismatch");
    if (cls == u"duplicate_charge") return tr("Duplicate charge");
    if (cls == u"unexpected_batch") return tr("Unexpected batch");
    if (cls == u"unexplained_fee_or_adjustment") return tr("Unexplained fee or adjustment");
    if (cls.isEmpty()) return tr("Set aside");
    return cls;
}

QString ReconciliationModel::stateText(const QString &state)
{
    if (state == u"open") return tr("Open");
    if (state == u"resolved") return tr("Resolved");
    if (state == u"none") return tr("Set aside");
    return state;
}

QString ReconciliationModel::resolutionText(const QString &resolution)
{
    if (resolution == u"accept") return tr("Accepted");
    if (resolution == u"link") return tr("Linked by hand");
    if (resolution == u"credit_memo") return tr("Credit memo");
    if (resolution == u"refund") return tr("Refund");
    if (resolution == u"write_off") return tr("Written off");
    return resolution;
}

QVariant ReconciliationModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const reconcile::ItemRecord &r = m_rows.at(index.row());
    if (role == IdRole)
        return r.id;
    const QString cls = r.cls ? reconcile::className(*r.cls) : QString();
    const QString resolution = r.resolution ? reconcile::resolutionName(*r.resolution) : QString();
    auto money = [&](const std::optional<qint64> &minor) -> QVariant {
        if (!minor)
            return {};
        if (role == RawRole)
            return *minor;
        return QString(Format::money(*minor, r.currency) + u' ' + r.currency);
    };
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == Expected || index.column() == Actual || index.column() == Difference
            || index.column() == Id)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ToolTipRole)
        return r.explanation;
    if (role != Qt::DisplayRole && role != RawRole)
        return {};
    switch (Column(index.column())) {
    case Id: return r.id;
    case State: return role == RawRole ? QVariant(r.state) : QVariant(stateText(r.state));
    case Class:
        if (r.bucket == reconcile::Bucket::SetAside)
            return role == RawRole ? QVariant(u"set_aside"_s) : QVariant(className(QString()));
        return role == RawRole ? QVariant(cls) : QVariant(className(cls));
    case Reference: {
        QStringList parts;
        if (!r.incrementId.isEmpty())
            parts << tr("order %1").arg(r.incrementId);
        if (!r.transactionId.isEmpty())
            parts << tr("txn %1").arg(r.transactionId);
        if (parts.isEmpty() && r.settlementLineId > 0)
            parts << tr("line %1").arg(r.settlementLineId);
        return parts.join(u", "_s);
    }
    case Batch: return r.batch;
    case Expected: return money(r.expectedMinor);
    case Actual: return money(r.actualMinor);
    case Difference: return money(difference(r));
    case Resolution: return role == RawRole ? QVariant(resolution) : QVariant(resolutionText(resolution));
    case Rule: return r.rule;
    case ColumnCount: break;
    }
    return {};
}

QVariant ReconciliationModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Id: return tr("#");
    case State: return tr("State");
    case Class: return tr("Class");
    case Reference: return tr("Order / transaction");
    case Batch: return tr("Batch");
    case Expected: return tr("Expected");
    case Actual: return tr("Found");
    case Difference: return tr("Difference");
    case Resolution: return tr("Resolution");
    case Rule: return tr("Rule");
    case ColumnCount: break;
    }
    return {};
}

} // namespace pb::ui
