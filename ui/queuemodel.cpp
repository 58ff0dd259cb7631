#include "queuemodel.h"

#include "displayformat.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Positions in selectColumns().
enum Field {
    FId,
    FKind,
    FOrderNumber,
    FAmount,
    FCurrency,
    FState,
    FAttempts,
    FNextAttempt,
    FErrorClass,
    FError,
    FRequestedBy,
    FUpdated,
    FNaturalKey,
    FDeadReason,
    FNeedsPersonNote,
    FResultRef,
    FieldCount
};

QString humanize(QStringView code)
{
    QString text = code.toString();
    text.replace(u'_', u' ').replace(u'.', u' ');
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

// Payload amounts are exact decimal strings in the currency's digits ("25.00", "1500" for JPY),
// so dropping the point gives the minor units for display and ordering without floating point.
const QString kAmountSql = u"CASE WHEN json_valid(i.payload) THEN json_extract(i.payload, '$.amount') END"_s;
const QString kCurrencySql = u"CASE WHEN json_valid(i.payload) THEN json_extract(i.payload, '$.currency') END"_s;

} // namespace

QString IntentText::kind(QStringView name)
{
    if (name == u"paytrace.capture") return tr("PayTrace capture");
    if (name == u"paytrace.void") return tr("PayTrace void");
    if (name == u"paytrace.refund") return tr("PayTrace refund");
    if (name == u"paytrace.sale") return tr("PayTrace sale");
    if (name == u"magento.comment") return tr("Magento order comment");
    if (name == u"magento.invoice") return tr("Magento invoice");
    if (name == u"magento.creditmemo") return tr("Magento credit memo");
    if (name == u"magento.cancel") return tr("Magento order cancel");
    if (name == u"erp.entry") return tr("ERP journal entry");
    if (name == u"paytrace.customer.update") return tr("PayTrace vault profile update");
    if (name == u"magento.customer.update") return tr("Magento customer update");
    if (name == u"paytrace.customer.delete") return tr("PayTrace vault profile delete");
    if (name == u"paytrace.customer.card") return tr("PayTrace card on file");
    return humanize(name);
}

QString IntentText::state(QStringView name)
{
    if (name == u"planned") return tr("Planned");
    if (name == u"sending") return tr("Sending");
    if (name == u"succeeded") return tr("Succeeded");
    if (name == u"retry_wait") return tr("Waiting to retry");
    if (name == u"in_doubt") return tr("In doubt");
    if (name == u"needs_person") return tr("Needs a person");
    if (name == u"dead") return tr("Failed (dead letter)");
    if (name == u"discarded") return tr("Discarded");
    return humanize(name);
}

QString IntentText::errorClass(QStringView name)
{
    if (name.isEmpty() || name == u"none") return QString();
    if (name == u"transient") return tr("Temporary failure");
    if (name == u"rate_limited") return tr("Rate limited");
    if (name == u"auth") return tr("Sign-in refused");
    if (name == u"permanent") return tr("Refused");
    if (name == u"in_doubt") return tr("Outcome unknown");
    if (name == u"tls") return tr("Secure connection failed");
    return humanize(name);
}

QString IntentText::action(QStringView name)
{
    if (name == u"send") return tr("Send");
    if (name == u"lookup") return tr("Janitor lookup");
    if (name == u"resolve") return tr("Resolved by hand");
    if (name == u"discard") return tr("Discarded");
    if (name == u"replay") return tr("Replayed");
    if (name == u"refuse") return tr("Refused before sending");
    if (name == u"recover") return tr("Recovered after a restart");
    return humanize(name);
}

QString IntentText::outcome(QStringView name)
{
    if (name.isEmpty()) return tr("in flight");
    if (name == u"found") return tr("effect found");
    if (name == u"not_found") return tr("effect not found");
    if (name == u"undecided") return tr("could not decide");
    if (name == u"happened") return tr("it happened");
    if (name == u"did_not_happen") return tr("it did not happen");
    if (name == u"interrupted") return tr("interrupted");
    return humanize(name).toLower();
}

QueueModel::QueueModel(QObject *parent)
    : SqlPagedModel(ColumnCount, Updated, Qt::DescendingOrder, parent)
{
}

QueueModel::QueueModel(const QSqlDatabase &db, QObject *parent)
    : QueueModel(parent)
{
    setDatabase(db);
}

void QueueModel::setBucket(Bucket bucket)
{
    if (bucket == m_bucket)
        return;
    m_bucket = bucket;
    // Setting the same connection again reloads from the first page.
    setDatabase(database());
}

QStringList QueueModel::bucketStates(Bucket bucket)
{
    switch (bucket) {
    case Bucket::Pending: return {u"planned"_s, u"retry_wait"_s, u"sending"_s};
    case Bucket::InDoubt: return {u"in_doubt"_s, u"needs_person"_s};
    case Bucket::Dead: return {u"dead"_s};
    case Bucket::Succeeded: return {u"succeeded"_s};
    case Bucket::Discarded: return {u"discarded"_s};
    }
    return {};
}

QString QueueModel::bucketTitle(Bucket bucket)
{
    switch (bucket) {
    case Bucket::Pending: return tr("Pending");
    case Bucket::InDoubt: return tr("In doubt");
    case Bucket::Dead: return tr("Dead letters");
    case Bucket::Succeeded: return tr("Succeeded");
    case Bucket::Discarded: return tr("Discarded");
    }
    return {};
}

QHash<QueueModel::Bucket, qint64> QueueModel::bucketCounts() const
{
    QHash<Bucket, qint64> counts;
    QSqlDatabase db = database();
    if (!db.isOpen())
        return counts;
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(u"SELECT state, COUNT(*) FROM intents GROUP BY state"_s))
        return counts;
    for (Bucket b : kBuckets)
        counts.insert(b, 0);
    while (query.next()) {
        const QString state = query.value(0).toString();
        for (Bucket b : kBuckets) {
            if (bucketStates(b).contains(state))
                counts[b] += query.value(1).toLongLong();
        }
    }
    return counts;
}

QString QueueModel::fromClause() const
{
    // The state names are our own constants, never input, so they can sit in the SQL text.
    const QString states = u"'"_s + bucketStates(m_bucket).join(u"', '"_s) + u"'"_s;
    return u"(SELECT i.id, i.kind, i.natural_key, i.state, i.attempts, i.next_attempt_at,"
           " i.last_error_class, i.last_error, i.requested_by, i.updated_at, i.dead_reason,"
           " i.needs_person_note, i.result_ref, o.increment_id AS order_number, "_s
        + kAmountSql + u" AS amount, "_s + kCurrencySql
        + u" AS currency FROM intents i LEFT JOIN orders o ON o.entity_id = i.order_entity_id"
          " WHERE i.state IN ("_s
        + states + u")) AS q"_s;
}

QString QueueModel::keyColumn() const
{
    return u"id"_s;
}

QStringList QueueModel::selectColumns() const
{
    static const QStringList columns = {
        u"id"_s,           u"kind"_s,        u"order_number"_s,      u"amount"_s,
        u"currency"_s,     u"state"_s,       u"attempts"_s,          u"next_attempt_at"_s,
        u"last_error_class"_s, u"last_error"_s, u"requested_by"_s,   u"updated_at"_s,
        u"natural_key"_s,  u"dead_reason"_s, u"needs_person_note"_s, u"result_ref"_s,
    };
    Q_ASSERT(columns.size() == FieldCount);
    return columns;
}

QString QueueModel::sortExpression(int column) const
{
    switch (Column(column)) {
    case Id: return u"id"_s;
    case Kind: return u"kind"_s;
    case Order: return u"COALESCE(order_number, '')"_s;
    case Amount: return u"COALESCE(CAST(replace(amount, '.', '') AS INTEGER), 0)"_s;
    case State: return u"state"_s;
    case Attempts: return u"attempts"_s;
    case NextAttempt: return u"COALESCE(next_attempt_at, 0)"_s;
    case LastError: return u"(last_error_class || ' ' || last_error)"_s;
    case RequestedBy: return u"requested_by"_s;
    case Updated: return u"updated_at"_s;
    case ColumnCount: break;
    }
    return u"updated_at"_s;
}

bool QueueModel::sortIsText(int column) const
{
    switch (Column(column)) {
    case Kind:
    case Order:
    case State:
    case LastError:
    case RequestedBy: return true;
    default: return false;
    }
}

SqlPagedModel::Clause QueueModel::filterClause(const QString &text) const
{
    // Ids and order numbers match exactly or by prefix; words (kind, error, who) anywhere.
    const QString contains = Format::likePattern(text, Format::Like::Contains);
    const QString prefix = Format::likePattern(text, Format::Like::Prefix);
    bool isNumber = false;
    const qint64 id = text.toLongLong(&isNumber);
    return {
        u"id = ? OR order_number = ? OR order_number LIKE ? ESCAPE '\\'"
        " OR natural_key LIKE ? ESCAPE '\\' OR result_ref = ?"
        " OR kind LIKE ? ESCAPE '\\'"
        " OR replace(replace(kind, '.', ' '), 'creditmemo', 'credit memo') LIKE ? ESCAPE '\\'"
        " OR requested_by LIKE ? ESCAPE '\\' OR last_error LIKE ? ESCAPE '\\'"
        " OR last_error_class LIKE ? ESCAPE '\\'"_s,
        {isNumber ? QVariant(id) : QVariant(-1), text, prefix, prefix, text, contains, contains,
         prefix, contains, prefix},
    };
}

QVariant QueueModel::cellData(const Row &row, int column, int role) const
{
    if (role == StateNameRole)
        return row.at(FState);
    if (role == KindNameRole)
        return row.at(FKind);
    if (role == JanitorNoteRole)
        return row.at(FNeedsPersonNote);
    const auto text = [role](const QVariant &display, const QVariant &raw) { return textCell(role, display, raw); };
    const auto time = [&](Field f) { return timeCell(role, row.at(f)); };

    switch (Column(column)) {
    case Id:
        if (role == Qt::ToolTipRole)
            return row.at(FNaturalKey);
        if (role == Qt::TextAlignmentRole)
            return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        return text(row.at(FId), row.at(FId));
    case Kind: {
        const QString name = row.at(FKind).toString();
        return text(IntentText::kind(name), name);
    }
    case Order: return text(row.at(FOrderNumber).toString(), row.at(FOrderNumber).toString());
    case Amount: {
        const QString decimal = row.at(FAmount).toString();
        const QString currency = row.at(FCurrency).toString();
        if (role == Qt::TextAlignmentRole)
            return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        if (role == SortRole)
            return QString(decimal).remove(u'.').toLongLong();
        if (decimal.isEmpty())
            return text(QString(), QString());
        return text(QString(Format::localizeDecimal(decimal, QLocale()) + u' ' + currency), decimal);
    }
    case State: {
        const QString name = row.at(FState).toString();
        if (role == Qt::ToolTipRole) {
            if (name == u"dead" && !row.at(FDeadReason).toString().isEmpty())
                return tr("%1 (%2)").arg(IntentText::state(name), row.at(FDeadReason).toString());
            if (!row.at(FNeedsPersonNote).toString().isEmpty())
                return row.at(FNeedsPersonNote);
        }
        return text(IntentText::state(name), name);
    }
    case Attempts:
        if (role == Qt::TextAlignmentRole)
            return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        return text(row.at(FAttempts), row.at(FAttempts));
    case NextAttempt: return time(FNextAttempt);
    case LastError: {
        const QString cls = IntentText::errorClass(row.at(FErrorClass).toString());
        const QString message = row.at(FError).toString();
        const QString shown = cls.isEmpty() ? message
                                            : message.isEmpty() ? cls : tr("%1: %2").arg(cls, message);
        return text(shown, QVariant(row.at(FErrorClass).toString() + u' ' + message));
    }
    case RequestedBy: return text(row.at(FRequestedBy), row.at(FRequestedBy));
    case Updated: return time(FUpdated);
    case ColumnCount: break;
    }
    return {};
}

// Exports carry the amount as plain decimal with its code, and UTC times.
QString QueueModel::exportText(const Row &row, int column) const
{
    const auto time = [&](Field f) {
        const QVariant raw = row.at(f);
        return raw.isNull() ? QString() : Format::isoUtc(raw.toLongLong());
    };
    switch (Column(column)) {
    case Amount: {
        const QString decimal = row.at(FAmount).toString();
        return decimal.isEmpty() ? QString() : decimal + u' ' + row.at(FCurrency).toString();
    }
    case NextAttempt: return time(FNextAttempt);
    case Updated: return time(FUpdated);
    default: return SqlPagedModel::exportText(row, column);
    }
}

QVariant QueueModel::columnHeader(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case Id: return tr("ID");
        case Kind: return tr("What");
        case Order: return tr("Order");
        case Amount: return tr("Amount");
        case State: return tr("State");
        case Attempts: return tr("Attempts");
        case NextAttempt: return tr("Next attempt");
        case LastError: return tr("Last error");
        case RequestedBy: return tr("Requested by");
        case Updated: return tr("Updated");
        case ColumnCount: break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case Kind: return tr("The write PayBridge makes in another system");
        case Attempts: return tr("How many times the request was sent");
        case NextAttempt: return tr("When the engine sends it next (local time)");
        case LastError: return tr("The kind of the last failure and what the other system said");
        default: break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        const bool right = section == Amount || section == Id || section == Attempts;
        return QVariant(int((right ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    }
    return {};
}

QString QueueModel::detailHtml(const QSqlDatabase &db, qint64 intentId, const QString &mutedColor, bool requestFields)
{
    const auto esc = [](const QString &t) { return t.toHtmlEscaped(); };
    const auto label = [&](const QString &t) -> QString {
        return u"<td nowrap style=\"color:"_s + mutedColor + u"; padding-right:12px;\">"_s + esc(t) + u"</td>"_s;
    };
    QString rows;
    const auto add = [&](const QString &name, const QString &value) {
        if (!value.isEmpty())
            rows += u"<tr>"_s + label(name) + u"<td>"_s + esc(value) + u"</td></tr>"_s;
    };
    const auto time = [](const QVariant &ms) -> QString {
        return ms.isNull() ? QString() : Format::dateTimeLong(ms.toLongLong());
    };

    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT i.*, o.increment_id AS order_number FROM intents i"
              " LEFT JOIN orders o ON o.entity_id = i.order_entity_id WHERE i.id = ?"_s);
    q.addBindValue(intentId);
    if (!q.exec() || !q.next()) {
        const QString why = q.lastError().isValid() ? q.lastError().text() : tr("It is no longer in the store.");
        return u"<p>"_s + esc(tr("Intent %1 could not be read.").arg(intentId)) + u"</p><p><small>"_s + esc(why)
            + u"</small></p>"_s;
    }
    const QSqlRecord r = q.record();
    const auto v = [&](const char *field) { return r.value(QLatin1StringView(field)); };
    const QString state = v("state").toString();

    QString html = u"<h3>"_s + esc(tr("%1 — intent %2").arg(IntentText::kind(v("kind").toString())).arg(intentId))
        + u"</h3>"_s;
    if (!v("needs_person_note").toString().isEmpty() && (state == u"needs_person" || state == u"in_doubt"))
        html += u"<p><b>"_s + esc(tr("What the janitor found:")) + u"</b> "_s + esc(v("needs_person_note").toString())
            + u"</p>"_s;

    add(tr("State"), IntentText::state(state));
    add(tr("Key"), v("natural_key").toString());
    add(tr("Order"), v("order_number").toString());
    add(tr("Requested by"), v("requested_by").toString());
    add(tr("Created"), time(v("created_at")));
    add(tr("Updated"), time(v("updated_at")));
    add(tr("Attempts"), v("attempts").toString());
    if (state == u"planned" || state == u"retry_wait")
        add(tr("Next attempt"), time(v("next_attempt_at")));
    add(tr("In doubt since"), time(v("in_doubt_since")));
    const QString cls = IntentText::errorClass(v("last_error_class").toString());
    add(tr("Last error"), cls.isEmpty() ? v("last_error").toString() : tr("%1: %2").arg(cls, v("last_error").toString()));
    add(tr("Dead because"), v("dead_reason").toString());
    add(tr("Discarded because"), v("discard_reason").toString());
    add(tr("Result"), v("result_ref").toString());
    if (state != u"needs_person" && state != u"in_doubt")
        add(tr("Janitor's note"), v("needs_person_note").toString());

    // The payload: what will be (or was) sent, one line per field.
    const QJsonObject payload = QJsonDocument::fromJson(v("payload").toString().toUtf8()).object();
    if (requestFields && !payload.isEmpty()) {
        rows += u"<tr><td colspan=\"2\"><b>"_s + esc(tr("Request")) + u"</b></td></tr>"_s;
        for (auto it = payload.begin(); it != payload.end(); ++it) {
            QString value;
            if (it->isString())
                value = it->toString();
            else if (it->isObject() || it->isArray())
                value = QString::fromUtf8(QJsonDocument(it->isObject() ? QJsonDocument(it->toObject())
                                                                        : QJsonDocument(it->toArray()))
                                              .toJson(QJsonDocument::Compact));
            else
                value = it->toVariant().toString();
            if (value.size() > 200)
                value = value.left(200) + u'…';
            add(it.key(), value);
        }
    }
    html += u"<table cellspacing=\"0\" cellpadding=\"2\">"_s + rows + u"</table>"_s;

    // Every attempt and recorded transition, oldest first.
    QSqlQuery a(db);
    a.setForwardOnly(true);
    a.prepare(u"SELECT action, started_at, finished_at, outcome, error_class, error_message, http_status,"
              " request_id, actor, from_state, to_state, result_ref FROM intent_attempts"
              " WHERE intent_id = ? ORDER BY id"_s);
    a.addBindValue(intentId);
    if (!a.exec())
        return html + u"<p>"_s + esc(tr("The attempts could not be read: %1").arg(a.lastError().text())) + u"</p>"_s;
    QString attempts;
    int n = 0;
    const auto cell = [&](const QString &t) -> QString { return u"<td nowrap style=\"padding-right:14px;\">"_s + esc(t) + u"</td>"_s; };
    while (a.next()) {
        ++n;
        const QString errClass = IntentText::errorClass(a.value(4).toString());
        const QString message = a.value(5).toString();
        const QString error = errClass.isEmpty() ? message : message.isEmpty() ? errClass : tr("%1: %2").arg(errClass, message);
        const QString transition = a.value(9).toString().isEmpty()
            ? QString()
            : tr("%1 → %2").arg(IntentText::state(a.value(9).toString()), IntentText::state(a.value(10).toString()));
        attempts += u"<tr>"_s + cell(QString::number(n)) + cell(IntentText::action(a.value(0).toString()))
            + cell(Format::dateTime(a.value(1).toLongLong())) + cell(IntentText::outcome(a.value(3).toString()))
            + cell(transition) + cell(a.value(6).isNull() ? QString() : a.value(6).toString())
            + cell(a.value(7).toString()) + cell(a.value(8).toString())
            + u"<td>"_s + esc(error) + (a.value(11).toString().isEmpty() ? QString() : esc(u" ["_s + a.value(11).toString() + u"]"_s))
            + u"</td></tr>"_s;
    }
    html += u"<p><b>"_s + esc(tr("Attempts and decisions")) + u"</b></p>"_s;
    if (n == 0) {
        html += u"<p style=\"color:"_s + mutedColor + u";\">"_s + esc(tr("Not sent yet.")) + u"</p>"_s;
    } else {
        const auto head = [&](const QString &t) -> QString {
            return u"<th align=\"left\" nowrap style=\"color:"_s + mutedColor + u"; padding-right:14px;\">"_s + esc(t) + u"</th>"_s;
        };
        html += u"<table cellspacing=\"0\" cellpadding=\"2\"><tr>"_s + head(tr("#")) + head(tr("Action"))
            + head(tr("Time")) + head(tr("Outcome")) + head(tr("State change")) + head(tr("HTTP"))
            + head(tr("Request ID")) + head(tr("By")) + head(tr("Error")) + u"</tr>"_s + attempts + u"</table>"_s;
    }
    return html;
}

} // namespace pb::ui
