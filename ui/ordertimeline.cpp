#include "ordertimeline.h"

#include "displayformat.h"
#include "recorddetails.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

QString moneyText(qint64 minor, const QString &currency)
{
    return Format::money(minor, currency) + u' ' + currency;
}

Error queryError(const QString &what, const QSqlQuery &query)
{
    return makeError(u"store.read"_s, what, query.lastError().text());
}

// What an intent kind does, for people: "PayTrace refund", "ERP journal entry".
QString intentKindText(const QString &kind)
{
    if (kind == u"paytrace.capture") return OrderTimeline::tr("PayTrace capture");
    if (kind == u"paytrace.void") return OrderTimeline::tr("PayTrace void");
    if (kind == u"paytrace.refund") return OrderTimeline::tr("PayTrace refund");
    if (kind == u"paytrace.sale") return OrderTimeline::tr("PayTrace sale");
    if (kind == u"magento.comment") return OrderTimeline::tr("Magento order comment");
    if (kind == u"magento.invoice") return OrderTimeline::tr("Magento invoice");
    if (kind == u"magento.creditmemo") return OrderTimeline::tr("Magento credit memo");
    if (kind == u"magento.cancel") return OrderTimeline::tr("Magento cancellation");
    if (kind == u"erp.entry") return OrderTimeline::tr("ERP journal entry");
    if (kind == u"paytrace.customer.update") return OrderTimeline::tr("PayTrace vault profile update");
    if (kind == u"magento.customer.update") return OrderTimeline::tr("Magento customer update");
    if (kind == u"paytrace.customer.delete") return OrderTimeline::tr("PayTrace vault profile delete");
    if (kind == u"paytrace.customer.card") return OrderTimeline::tr("PayTrace card on file");
    return kind;
}

OrderTimeline::Source intentSource(const QString &kind)
{
    if (kind.startsWith(u"paytrace."))
        return OrderTimeline::Source::PayTrace;
    if (kind.startsWith(u"magento."))
        return OrderTimeline::Source::Magento;
    if (kind.startsWith(u"erp."))
        return OrderTimeline::Source::Erp;
    return OrderTimeline::Source::PayBridge;
}

QString intentStateText(const QString &state)
{
    if (state == u"planned") return OrderTimeline::tr("planned, not sent yet");
    if (state == u"sending") return OrderTimeline::tr("being sent");
    if (state == u"succeeded") return OrderTimeline::tr("done");
    if (state == u"retry_wait") return OrderTimeline::tr("waiting to retry");
    if (state == u"in_doubt") return OrderTimeline::tr("outcome unknown, being checked");
    if (state == u"needs_person") return OrderTimeline::tr("outcome unknown, needs a person (Queue page)");
    if (state == u"dead") return OrderTimeline::tr("failed (dead letter, can be replayed)");
    if (state == u"discarded") return OrderTimeline::tr("discarded");
    return state;
}

// A step that went through, in the words of the task: "Refund approved".
QString doneText(const QString &kind)
{
    if (kind == u"paytrace.capture") return OrderTimeline::tr("Capture approved");
    if (kind == u"paytrace.void") return OrderTimeline::tr("Void approved");
    if (kind == u"paytrace.refund") return OrderTimeline::tr("Refund approved");
    if (kind == u"paytrace.sale") return OrderTimeline::tr("Sale approved");
    if (kind == u"magento.comment") return OrderTimeline::tr("Comment added in Magento");
    if (kind == u"magento.invoice") return OrderTimeline::tr("Invoice created in Magento");
    if (kind == u"magento.creditmemo") return OrderTimeline::tr("Credit memo created in Magento");
    if (kind == u"magento.cancel") return OrderTimeline::tr("Order canceled in Magento");
    if (kind == u"erp.entry") return OrderTimeline::tr("Journal entry posted in the ERP");
    if (kind == u"paytrace.customer.update") return OrderTimeline::tr("Vault profile updated in PayTrace");
    if (kind == u"magento.customer.update") return OrderTimeline::tr("Customer updated in Magento");
    if (kind == u"paytrace.customer.delete") return OrderTimeline::tr("Vault profile deleted in PayTrace");
    if (kind == u"paytrace.customer.card") return OrderTimeline::tr("Card on file saved in PayTrace");
    return OrderTimeline::tr("%1 done").arg(kind);
}

bool isProblemState(const QString &state)
{
    return state == u"dead" || state == u"in_doubt" || state == u"needs_person";
}

// Where an intent's result points, in words.
QString resultRefText(const QString &kind, const QString &ref)
{
    if (ref.isEmpty())
        return {};
    if (kind.startsWith(u"paytrace."))
        return OrderTimeline::tr("PayTrace transaction %1").arg(ref);
    if (kind.startsWith(u"magento."))
        return OrderTimeline::tr("Magento reference %1").arg(ref);
    if (kind.startsWith(u"erp."))
        return OrderTimeline::tr("ERP reference %1").arg(ref);
    return ref;
}

QString attemptActionText(const QString &action)
{
    if (action == u"send") return OrderTimeline::tr("Sent");
    if (action == u"lookup") return OrderTimeline::tr("Looked up");
    if (action == u"resolve") return OrderTimeline::tr("Resolved by hand");
    if (action == u"discard") return OrderTimeline::tr("Discarded");
    if (action == u"replay") return OrderTimeline::tr("Replayed");
    if (action == u"refuse") return OrderTimeline::tr("Refused before sending");
    return action;
}

// The amount an intent moves, when its payload carries one as exact text.
QString payloadAmount(const QString &payload, const QString &orderCurrency)
{
    const QJsonObject o = QJsonDocument::fromJson(payload.toUtf8()).object();
    const QJsonValue amount = o.value(u"amount"_s);
    if (!amount.isString())
        return {};
    const QString currency = o.value(u"currency"_s).toString(orderCurrency);
    return amount.toString() + u' ' + currency;
}

void joinInto(QString &text, const QString &part)
{
    if (part.isEmpty())
        return;
    if (!text.isEmpty())
        text += u"; "_s;
    text += part;
}

} // namespace

QString OrderTimeline::sourceName(Source source)
{
    switch (source) {
    case Source::Magento: return tr("Magento");
    case Source::PayTrace: return tr("PayTrace");
    case Source::PayBridge: return tr("PayBridge");
    case Source::Erp: return tr("ERP");
    }
    return {};
}

Result<QList<OrderTimeline::Event>> OrderTimeline::load(const QSqlDatabase &db, qint64 orderEntityId)
{
    QList<Event> events;

    QSqlQuery order(db);
    order.prepare(u"SELECT increment_id, state, status, currency, grand_total, total_invoiced, total_paid,"
                  " total_refunded, created_at, updated_at, synced_at FROM orders WHERE entity_id = ?"_s);
    order.addBindValue(orderEntityId);
    if (!order.exec())
        return queryError(u"orders"_s, order);
    if (!order.next())
        return makeError(u"store.not_found"_s, u"order"_s, tr("The order is no longer in the store."));
    const QSqlRecord o = order.record();
    const QString currency = o.value(u"currency"_s).toString();
    {
        Event created;
        created.atMs = o.value(u"created_at"_s).toLongLong();
        created.source = Source::Magento;
        created.title = tr("Order %1 placed").arg(o.value(u"increment_id"_s).toString());
        created.detail = tr("Grand total %1").arg(moneyText(o.value(u"grand_total"_s).toLongLong(), currency));
        events << created;
    }
    const qint64 updatedAt = o.value(u"updated_at"_s).toLongLong();
    if (updatedAt > o.value(u"created_at"_s).toLongLong()) {
        // The store keeps Magento's latest view of the order, not its history: one event says
        // where the order stood at its last change.
        Event updated;
        updated.atMs = updatedAt;
        updated.source = Source::Magento;
        updated.title = tr("Order updated: %1").arg(Format::orderStatus(o.value(u"status"_s).toString()));
        QString detail = tr("state %1").arg(Format::orderStatus(o.value(u"state"_s).toString()));
        const qint64 invoiced = o.value(u"total_invoiced"_s).toLongLong();
        const qint64 paid = o.value(u"total_paid"_s).toLongLong();
        const qint64 refunded = o.value(u"total_refunded"_s).toLongLong();
        if (invoiced != 0)
            joinInto(detail, tr("invoiced %1").arg(moneyText(invoiced, currency)));
        if (paid != 0)
            joinInto(detail, tr("paid %1").arg(moneyText(paid, currency)));
        if (refunded != 0)
            joinInto(detail, tr("refunded %1").arg(moneyText(refunded, currency)));
        updated.detail = detail;
        events << updated;
    }

    QSqlQuery txns(db);
    txns.prepare(u"SELECT t.transaction_id, t.type, t.status, t.status_message, t.amount, t.currency,"
                 " t.batch, t.card_type, t.card_last4, t.created_at, t.settled_at"
                 " FROM order_transaction_links l JOIN gateway_transactions t ON t.transaction_id = l.transaction_id"
                 " WHERE l.order_entity_id = ? ORDER BY t.created_at, t.transaction_id LIMIT ?"_s);
    txns.addBindValue(orderEntityId);
    txns.addBindValue(kMaxRows);
    if (!txns.exec())
        return queryError(u"gateway_transactions"_s, txns);
    while (txns.next()) {
        const QSqlRecord t = txns.record();
        const QString id = t.value(u"transaction_id"_s).toString();
        const QString status = t.value(u"status"_s).toString();
        const QString batch = t.value(u"batch"_s).toString();
        Event e;
        e.atMs = t.value(u"created_at"_s).toLongLong();
        e.source = Source::PayTrace;
        e.transactionId = id;
        e.title = tr("%1 %2 of %3")
                      .arg(Format::transactionType(t.value(u"type"_s).toString()), id,
                           moneyText(t.value(u"amount"_s).toLongLong(), t.value(u"currency"_s).toString()));
        QString detail = Format::transactionStatus(status);
        joinInto(detail, Format::card(t.value(u"card_type"_s).toString(), t.value(u"card_last4"_s).toString()));
        if (!batch.isEmpty())
            joinInto(detail, tr("batch %1").arg(batch));
        const QString message = t.value(u"status_message"_s).toString();
        if (status == u"declined" || status == u"error") {
            e.problem = true;
            joinInto(detail, message);
        }
        e.detail = detail;
        events << e;
        if (!t.value(u"settled_at"_s).isNull()) {
            Event settled;
            settled.atMs = t.value(u"settled_at"_s).toLongLong();
            settled.source = Source::PayTrace;
            settled.transactionId = id;
            settled.title = batch.isEmpty() ? tr("Transaction %1 settled").arg(id)
                                            : tr("Transaction %1 settled in batch %2").arg(id, batch);
            events << settled;
        }
    }

    QSqlQuery intents(db);
    intents.prepare(u"SELECT id, kind, natural_key, state, attempts, result_ref, requested_by, payload,"
                    " created_at, updated_at, last_error, dead_reason, needs_person_note, discard_reason"
                    " FROM intents WHERE order_entity_id = ? ORDER BY id LIMIT ?"_s);
    intents.addBindValue(orderEntityId);
    intents.addBindValue(kMaxRows);
    if (!intents.exec())
        return queryError(u"intents"_s, intents);
    QHash<qint64, QString> kindOf;
    QHash<qint64, QString> textOf;
    QHash<qint64, qsizetype> doneEvent; // intent → its "done" event, replaced by the send that did it
    while (intents.next()) {
        const QSqlRecord r = intents.record();
        const qint64 id = r.value(u"id"_s).toLongLong();
        const QString kind = r.value(u"kind"_s).toString();
        const QString state = r.value(u"state"_s).toString();
        const QString what = intentKindText(kind);
        kindOf.insert(id, kind);
        textOf.insert(id, what);

        Event planned;
        planned.atMs = r.value(u"created_at"_s).toLongLong();
        planned.source = Source::PayBridge;
        const QString amount = payloadAmount(r.value(u"payload"_s).toString(), currency);
        const QString by = r.value(u"requested_by"_s).toString();
        planned.title = amount.isEmpty() ? tr("%1 requested").arg(what) : tr("%1 of %2 requested").arg(what, amount);
        QString detail = by.isEmpty() ? QString() : tr("by %1").arg(by);
        joinInto(detail, tr("now %1").arg(intentStateText(state)));
        planned.detail = detail;
        planned.technical = tr("key %1").arg(r.value(u"natural_key"_s).toString());
        planned.problem = isProblemState(state);
        events << planned;

        // The state it ended in, when that is an end (or a person's business).
        if (state == u"succeeded" || state == u"dead" || state == u"discarded" || state == u"needs_person") {
            Event end;
            end.atMs = r.value(u"updated_at"_s).toLongLong();
            end.source = intentSource(kind);
            const QString ref = r.value(u"result_ref"_s).toString();
            if (state == u"succeeded") {
                end.title = doneText(kind);
                doneEvent.insert(id, events.size());
                end.detail = resultRefText(kind, ref);
                if (kind.startsWith(u"paytrace.") && !ref.isEmpty())
                    end.transactionId = ref;
            } else if (state == u"dead") {
                end.title = tr("%1 failed").arg(what);
                QString why = r.value(u"last_error"_s).toString();
                joinInto(why, r.value(u"dead_reason"_s).toString());
                joinInto(why, tr("replay or discard it on the Queue page"));
                end.detail = why;
                end.problem = true;
            } else if (state == u"discarded") {
                end.title = tr("%1 discarded").arg(what);
                end.detail = r.value(u"discard_reason"_s).toString();
            } else {
                end.title = tr("%1: outcome unknown").arg(what);
                QString note = r.value(u"needs_person_note"_s).toString();
                joinInto(note, tr("a person decides on the Queue page"));
                end.detail = note;
                end.problem = true;
            }
            events << end;
        }
    }

    if (!kindOf.isEmpty()) {
        QSqlQuery attempts(db);
        attempts.prepare(u"SELECT a.intent_id, a.action, a.started_at, a.finished_at, a.outcome, a.error_class,"
                         " a.error_message, a.http_status, a.to_state, a.result_ref, a.actor"
                         " FROM intent_attempts a WHERE a.intent_id IN"
                         " (SELECT id FROM intents WHERE order_entity_id = ? ORDER BY id LIMIT ?)"
                         // By intent first: the intent_attempts_intent index gives this order.
                         " ORDER BY a.intent_id, a.id LIMIT ?"_s);
        attempts.addBindValue(orderEntityId);
        attempts.addBindValue(kMaxRows);
        attempts.addBindValue(kMaxRows * 4);
        if (!attempts.exec())
            return queryError(u"intent_attempts"_s, attempts);
        QHash<qint64, int> sends;
        while (attempts.next()) {
            const QSqlRecord a = attempts.record();
            const qint64 intentId = a.value(u"intent_id"_s).toLongLong();
            const QString action = a.value(u"action"_s).toString();
            const QString kind = kindOf.value(intentId);
            Event e;
            e.atMs = a.value(u"started_at"_s).toLongLong();
            e.source = intentSource(kind);
            if (action == u"send")
                e.title = tr("%1: attempt %2").arg(textOf.value(intentId)).arg(++sends[intentId]);
            else
                e.title = tr("%1: %2").arg(textOf.value(intentId), attemptActionText(action));
            // The words first ("Refund approved", the error), the codes in the technical line.
            QString technical = a.value(u"outcome"_s).toString();
            QString detail;
            if (a.value(u"finished_at"_s).isNull() && action == u"send")
                detail = tr("in flight");
            if (!a.value(u"http_status"_s).isNull())
                joinInto(technical, tr("HTTP %1").arg(a.value(u"http_status"_s).toInt()));
            const QString errorClass = a.value(u"error_class"_s).toString();
            const QString error = a.value(u"error_message"_s).toString();
            const QString toState = a.value(u"to_state"_s).toString();
            const bool succeeded = toState == u"succeeded";
            if (!errorClass.isEmpty() || (!error.isEmpty() && !succeeded)) {
                joinInto(detail, error);
                joinInto(technical, errorClass);
                e.problem = true;
            } else {
                joinInto(technical, error); // what the gateway said on success ("approved ... code 106")
            }
            if (!toState.isEmpty())
                joinInto(succeeded ? technical : detail, tr("then %1").arg(intentStateText(toState)));
            const QString ref = a.value(u"result_ref"_s).toString();
            joinInto(detail, resultRefText(kind, ref));
            const QString actor = a.value(u"actor"_s).toString();
            if (!actor.isEmpty())
                joinInto(detail, tr("by %1").arg(actor));
            if (succeeded && action == u"send") {
                e.title = doneText(kind);
                if (kind.startsWith(u"paytrace.") && !ref.isEmpty())
                    e.transactionId = ref;
                // The intent's own "done" row would say it twice.
                if (const auto it = doneEvent.constFind(intentId); it != doneEvent.cend())
                    events[*it].title.clear();
            }
            e.technical = technical;
            e.detail = detail;
            events << e;
        }
    }

    events.removeIf([](const Event &e) { return e.title.isEmpty(); });
    // Stable: equal times keep the order they were read in (order, gateway, PayBridge).
    std::stable_sort(events.begin(), events.end(),
                     [](const Event &a, const Event &b) { return a.atMs < b.atMs; });
    return events;
}

QString OrderTimeline::html(const QList<Event> &events, const QString &mutedColor)
{
    const auto esc = [](const QString &s) -> QString { return s.toHtmlEscaped(); };
    const auto cell = [](const QString &html, const QString &style = QString()) -> QString {
        return u"<td nowrap valign=\"top\" style=\"padding-right:14px;"_s + style + u"\">"_s + html + u"</td>"_s;
    };
    QString html = u"<table cellspacing=\"0\" cellpadding=\"2\">"_s;
    html += u"<tr style=\"color:"_s + mutedColor + u";\">"_s + cell(esc(tr("When"))) + cell(esc(tr("System")))
        + cell(esc(tr("What"))) + cell(esc(tr("Details"))) + u"</tr>"_s;
    for (const Event &e : events) {
        QString title = esc(e.title);
        if (!e.transactionId.isEmpty()) {
            // Link the id inside the title, or the whole title when the id is not in it.
            const QString link = u"<a href=\""_s
                + esc(RecordDetails::transactionLink(e.transactionId).toString(QUrl::FullyEncoded)) + u"\">"_s;
            const QString idHtml = esc(e.transactionId);
            const qsizetype at = title.indexOf(idHtml);
            if (at >= 0)
                title = title.left(at) + link + idHtml + u"</a>"_s + title.mid(at + idHtml.size());
            else
                title = link + title + u"</a>"_s;
        }
        if (e.problem)
            title = u"<b>"_s + title + u"</b>"_s;
        html += u"<tr>"_s + cell(esc(Format::dateTime(e.atMs))) + cell(esc(sourceName(e.source)))
            + cell(title) + u"<td valign=\"top\">"_s + esc(e.detail)
            + (e.technical.isEmpty() ? QString()
                                     : (e.detail.isEmpty() ? QString() : u"<br>"_s) + u"<small style=\"color:"_s
                                           + mutedColor + u";\">"_s + esc(e.technical) + u"</small>"_s)
            + u"</td></tr>"_s;
    }
    html += u"</table>"_s;
    return html;
}

} // namespace pb::ui
