#include "auditmodel.h"

#include "displayformat.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

enum Field { FId, FAt, FActor, FAction, FObjectType, FObjectId, FBefore, FAfter, FDetail, FieldCount };

// An SQL string literal. The paged model binds only its text filter, so the structured filter
// goes into the FROM clause as literals: quotes doubled, control characters dropped.
QString literal(const QString &value)
{
    QString clean;
    clean.reserve(value.size());
    for (const QChar c : value) {
        if (c.category() != QChar::Other_Control)
            clean += c;
    }
    return u'\'' + clean.replace(u'\'', u"''"_s) + u'\'';
}

QStringList structuredConditions(const QString &actor, const QString &action, const QDateTime &from,
                                 const QDateTime &to)
{
    QStringList where;
    if (!actor.isEmpty())
        where << u"actor = "_s + literal(actor);
    if (action.endsWith(u'.'))
        where << u"substr(action, 1, "_s + QString::number(action.size()) + u") = "_s + literal(action);
    else if (!action.isEmpty())
        where << u"action = "_s + literal(action);
    if (from.isValid())
        where << u"at >= "_s + QString::number(from.toMSecsSinceEpoch());
    if (to.isValid())
        where << u"at < "_s + QString::number(to.toMSecsSinceEpoch());
    return where;
}

QString fromFor(const QStringList &where)
{
    if (where.isEmpty())
        return u"audit_log"_s;
    return u"(SELECT * FROM audit_log WHERE "_s + where.join(u" AND "_s) + u") AS a"_s;
}

struct TextClause
{
    QString sql;
    QVariantList values;
};

TextClause textClause(const QString &text)
{
    const QString contains = Format::likePattern(text, Format::Like::Contains);
    const QString prefix = Format::likePattern(text, Format::Like::Prefix);
    return {
        u"actor LIKE ? ESCAPE '\\' OR action LIKE ? ESCAPE '\\' OR object_id = ?"
        " OR (object_type || ' ' || object_id) LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\'"
        " OR before_json LIKE ? ESCAPE '\\' OR after_json LIKE ? ESCAPE '\\'"_s,
        {prefix, contains, text, contains, contains, contains, contains},
    };
}

// {"state":"in_doubt"} → "state: in_doubt"; other text as it is.
QString compactJson(const QString &json)
{
    if (json.isEmpty())
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject())
        return json;
    QStringList parts;
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString value = it->isString() ? it->toString()
            : (it->isObject() || it->isArray())
            ? QString::fromUtf8(QJsonDocument(it->isObject() ? QJsonDocument(it->toObject()) : QJsonDocument(it->toArray()))
                                    .toJson(QJsonDocument::Compact))
            : it->toVariant().toString();
        parts << it.key() + u": "_s + value;
    }
    return parts.join(u", "_s);
}

} // namespace

AuditModel::AuditModel(QObject *parent)
    : SqlPagedModel(ColumnCount, At, Qt::DescendingOrder, parent)
{
}

AuditModel::AuditModel(const QSqlDatabase &db, QObject *parent)
    : AuditModel(parent)
{
    setDatabase(db);
}

void AuditModel::setStructuredFilter(const QString &actor, const QString &action, const QDateTime &from,
                                     const QDateTime &to)
{
    const QString a = actor.trimmed();
    const QString b = action.trimmed();
    if (a == m_actor && b == m_action && from == m_from && to == m_to)
        return;
    m_actor = a;
    m_action = b;
    m_from = from;
    m_to = to;
    setDatabase(database()); // reloads from the first page
}

AuditFilter AuditModel::currentFilter() const
{
    return {m_actor, m_action, m_from, m_to, filterText()};
}

bool AuditModel::hasStructuredFilter() const
{
    return !m_actor.isEmpty() || !m_action.isEmpty() || m_from.isValid() || m_to.isValid();
}

qint64 AuditModel::unfilteredCount() const
{
    if (!hasStructuredFilter())
        return totalCount();
    QSqlQuery q(database());
    if (!q.exec(u"SELECT COUNT(*) FROM audit_log"_s) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

QStringList AuditModel::distinctValues(Column column, int limit) const
{
    QStringList values;
    const QString field = column == Actor ? u"actor"_s : column == Action ? u"action"_s : QString();
    if (field.isEmpty() || !database().isOpen())
        return values;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(u"SELECT DISTINCT "_s + field + u" FROM audit_log ORDER BY 1 LIMIT ?"_s);
    q.addBindValue(limit);
    if (!q.exec())
        return values;
    while (q.next())
        values << q.value(0).toString();
    return values;
}

QString AuditModel::actionText(QStringView action, const QString &afterJson)
{
    if (action == u"intent.plan") {
        const QString kind = afterJson.isEmpty()
            ? QString()
            : QJsonDocument::fromJson(afterJson.toUtf8()).object().value(u"kind"_s).toString();
        if (kind == u"paytrace.refund") return tr("Refund sent");
        if (kind == u"paytrace.void") return tr("Void sent");
        if (kind == u"paytrace.capture") return tr("Capture sent");
        if (kind == u"paytrace.sale") return tr("Sale sent");
        if (kind == u"magento.creditmemo") return tr("Credit memo sent to Magento");
        if (kind == u"magento.invoice") return tr("Invoice sent to Magento");
        if (kind == u"magento.cancel") return tr("Cancellation sent to Magento");
        if (kind == u"magento.comment") return tr("Comment sent to Magento");
        if (kind == u"erp.entry") return tr("Journal entry sent to the ERP");
        if (kind == u"paytrace.customer.update") return tr("Vault profile update sent to PayTrace");
        if (kind == u"magento.customer.update") return tr("Customer update sent to Magento");
        if (kind == u"paytrace.customer.delete") return tr("Vault profile delete sent to PayTrace");
        if (kind == u"paytrace.customer.card") return tr("Card on file sent to PayTrace");
        return tr("Sent to PayTrace, Magento or the ERP");
    }
    static const QHash<QString, const char *> words = {
        {u"intent.resolve"_s, QT_TR_NOOP("Intent resolved by hand")},
        {u"intent.discard"_s, QT_TR_NOOP("Intent discarded")},
        {u"intent.replay"_s, QT_TR_NOOP("Dead letter replayed")},
        {u"access.approval_requested"_s, QT_TR_NOOP("Approval asked for")},
        {u"access.approval_approved"_s, QT_TR_NOOP("Approval granted")},
        {u"access.approval_rejected"_s, QT_TR_NOOP("Approval refused")},
        {u"access.bootstrap_admin"_s, QT_TR_NOOP("First administrator set up")},
        {u"access.limit_changed"_s, QT_TR_NOOP("Support refund limit changed")},
        {u"access.operator_added"_s, QT_TR_NOOP("Operator added")},
        {u"access.operator_disabled"_s, QT_TR_NOOP("Operator disabled")},
        {u"access.operator_enabled"_s, QT_TR_NOOP("Operator enabled")},
        {u"access.operator_renamed"_s, QT_TR_NOOP("Operator renamed")},
        {u"access.role_assigned"_s, QT_TR_NOOP("Role given")},
        {u"access.role_revoked"_s, QT_TR_NOOP("Role taken away")},
        {u"credentials.set"_s, QT_TR_NOOP("Credentials changed")},
        {u"profile.add"_s, QT_TR_NOOP("Connection profile added")},
        {u"profile.update"_s, QT_TR_NOOP("Connection profile changed")},
        {u"profile.remove"_s, QT_TR_NOOP("Connection profile removed")},
        {u"mapping.changed"_s, QT_TR_NOOP("Mapping changed")},
        {u"mapping.rolled_back"_s, QT_TR_NOOP("Mapping rolled back")},
        {u"quarantine.added"_s, QT_TR_NOOP("Record set aside")},
        {u"quarantine.released"_s, QT_TR_NOOP("Set-aside record released")},
        {u"reconcile.resolve"_s, QT_TR_NOOP("Reconciliation difference resolved")},
        {u"reconcile.reopen"_s, QT_TR_NOOP("Reconciliation difference reopened")},
        {u"settlement.import"_s, QT_TR_NOOP("Settlement file imported")},
        {u"settlement.release"_s, QT_TR_NOOP("Set-aside settlement lines read")},
    };
    if (const auto it = words.constFind(action.toString()); it != words.cend())
        return tr(*it);
    return action.toString();
}

QString AuditModel::fromClause() const
{
    return fromFor(structuredConditions(m_actor, m_action, m_from, m_to));
}

QString AuditModel::keyColumn() const
{
    return u"id"_s;
}

QStringList AuditModel::selectColumns() const
{
    static const QStringList columns = {u"id"_s,     u"at"_s,          u"actor"_s,      u"action"_s,     u"object_type"_s,
                                        u"object_id"_s, u"before_json"_s, u"after_json"_s, u"detail"_s};
    Q_ASSERT(columns.size() == FieldCount);
    return columns;
}

QString AuditModel::sortExpression(int column) const
{
    switch (Column(column)) {
    case At: return u"at"_s;
    case Actor: return u"actor"_s;
    case Action: return u"action"_s;
    case Object: return u"(object_type || ' ' || object_id)"_s;
    case Before: return u"before_json"_s;
    case After: return u"after_json"_s;
    case Detail: return u"detail"_s;
    case Code: return u"action"_s;
    case ColumnCount: break;
    }
    return u"at"_s;
}

bool AuditModel::sortIsText(int column) const
{
    return column != At;
}

SqlPagedModel::Clause AuditModel::filterClause(const QString &text) const
{
    TextClause c = textClause(text);
    return {std::move(c.sql), std::move(c.values)};
}

QVariant AuditModel::cellData(const Row &row, int column, int role) const
{
    const auto text = [role](const QVariant &display, const QVariant &raw) { return textCell(role, display, raw); };
    switch (Column(column)) {
    case At: return timeCell(role, row.at(FAt));
    case Actor: return text(row.at(FActor), row.at(FActor));
    case Action: {
        const QString name = row.at(FAction).toString();
        const QString words = actionText(name, row.at(FAfter).toString());
        if (role == Qt::ToolTipRole)
            return tr("%1 (%2)").arg(words, name);
        return text(words, name);
    }
    case Code: return text(row.at(FAction), row.at(FAction));
    case Object: {
        const QString type = row.at(FObjectType).toString();
        const QString id = row.at(FObjectId).toString();
        const QString shown = type.isEmpty() ? id : id.isEmpty() ? type : tr("%1 %2").arg(type, id);
        return text(shown, QVariant(type + u' ' + id));
    }
    case Before: {
        const QString raw = row.at(FBefore).toString();
        return text(compactJson(raw), raw);
    }
    case After: {
        const QString raw = row.at(FAfter).toString();
        return text(compactJson(raw), raw);
    }
    case Detail: return text(row.at(FDetail), row.at(FDetail));
    case ColumnCount: break;
    }
    return {};
}

QVariant AuditModel::columnHeader(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case At: return tr("When");
        case Actor: return tr("Who");
        case Action: return tr("Action");
        case Object: return tr("Object");
        case Before: return tr("Before");
        case After: return tr("After");
        case Detail: return tr("Detail");
        case Code: return tr("Code");
        case ColumnCount: break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case At: return tr("When it happened (local time)");
        case Actor: return tr("The operator account or the automatic rule that acted");
        case Before: return tr("The object's relevant fields before the change");
        case After: return tr("The object's relevant fields after the change");
        case Code: return tr("The action as stored in the log, e.g. intent.plan (what the filter and the export use)");
        default: break;
        }
    }
    return {};
}

QString AuditCsvExport::csvField(const QString &value)
{
    QString v = value;
    // A leading =, +, - or @ makes spreadsheets evaluate the cell; the apostrophe keeps it text.
    if (!v.isEmpty() && (v.front() == u'=' || v.front() == u'+' || v.front() == u'-' || v.front() == u'@'))
        v.prepend(u'\'');
    if (v.contains(u'"') || v.contains(u',') || v.contains(u'\n') || v.contains(u'\r')) {
        v.replace(u"\""_s, u"\"\""_s);
        return u'"' + v + u'"';
    }
    return v;
}

Result<qint64> AuditCsvExport::write(const QSqlDatabase &db, const AuditFilter &filter, QIODevice &out,
                                     const std::atomic<bool> &cancel,
                                     const std::function<void(qint64, qint64)> &progress, int pageSize)
{
    const auto sqlError = [](const QSqlQuery &q) {
        return makeError(u"store.sql"_s, u"audit_log"_s, q.lastError().text());
    };
    QStringList where = structuredConditions(filter.actor, filter.action.trimmed(), filter.from, filter.to);
    QVariantList textValues;
    const QString text = filter.text.trimmed();
    if (!text.isEmpty()) {
        const TextClause c = textClause(text);
        where << u'(' + c.sql + u')';
        textValues = c.values;
    }
    const QString whereSql = where.isEmpty() ? QString() : u" WHERE "_s + where.join(u" AND "_s);

    qint64 total = -1;
    {
        QSqlQuery q(db);
        q.prepare(u"SELECT COUNT(*) FROM audit_log"_s + whereSql);
        for (const QVariant &v : std::as_const(textValues))
            q.addBindValue(v);
        if (!q.exec() || !q.next())
            return sqlError(q);
        total = q.value(0).toLongLong();
    }

    const auto writeLine = [&out](const QStringList &fields) {
        const QByteArray line = fields.join(u',').toUtf8() + "\r\n";
        return out.write(line) == line.size();
    };
    if (!writeLine({u"id"_s, u"at_utc"_s, u"actor"_s, u"action"_s, u"object_type"_s, u"object_id"_s,
                    u"before"_s, u"after"_s, u"detail"_s}))
        return makeError(u"export.write"_s, u"file"_s, out.errorString());

    // Newest first, as the page shows it; (at, id) descending pages through equal times.
    qint64 done = 0;
    std::optional<std::pair<qint64, qint64>> last;
    for (;;) {
        if (cancel.load())
            return makeError(u"export.cancelled"_s, QString(), u"the export was cancelled"_s);
        QString sql = u"SELECT id, at, actor, action, object_type, object_id, before_json, after_json, detail"
                      " FROM audit_log"_s
            + whereSql;
        if (last)
            sql += (whereSql.isEmpty() ? u" WHERE "_s : u" AND "_s) + u"(at, id) < (?, ?)"_s;
        sql += u" ORDER BY at DESC, id DESC LIMIT ?"_s;
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!q.prepare(sql))
            return sqlError(q);
        for (const QVariant &v : std::as_const(textValues))
            q.addBindValue(v);
        if (last) {
            q.addBindValue(last->first);
            q.addBindValue(last->second);
        }
        q.addBindValue(pageSize);
        if (!q.exec())
            return sqlError(q);
        int rows = 0;
        while (q.next()) {
            ++rows;
            const qint64 at = q.value(1).toLongLong();
            QStringList fields;
            fields << q.value(0).toString()
                   << QDateTime::fromMSecsSinceEpoch(at).toUTC().toString(Qt::ISODateWithMs);
            for (int i = 2; i <= 8; ++i)
                fields << csvField(q.value(i).toString());
            if (!writeLine(fields))
                return makeError(u"export.write"_s, u"file"_s, out.errorString());
            last = std::make_pair(at, q.value(0).toLongLong());
        }
        if (q.lastError().isValid())
            return sqlError(q);
        done += rows;
        if (progress)
            progress(done, total);
        if (rows < pageSize)
            break;
    }
    return done;
}

} // namespace pb::ui
