#include "storefixture.h"

#include "store/database.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimeZone>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QTest>

using namespace Qt::StringLiterals;

namespace pb::test {

namespace {

bool exec(QSqlQuery &q)
{
    if (q.exec())
        return true;
    qWarning("fixture insert failed: %s", qPrintable(q.lastError().text()));
    return false;
}

// The schema's text columns are NOT NULL DEFAULT '': a null QString would bind as NULL.
void bindAll(QSqlQuery &q, const QVariantList &values)
{
    for (const QVariant &v : values)
        q.addBindValue(v.typeId() == QMetaType::QString && v.toString().isNull() ? QVariant(u""_s) : v);
}

} // namespace

bool StoreFixture::create(const QString &path, const QString &connectionName)
{
    auto db = pb::store::Database::openWriter(path, connectionName);
    if (!db) {
        qWarning("openWriter failed: %s", qPrintable(db.error().toString()));
        return false;
    }
    return true;
}

bool StoreFixture::insert(QSqlDatabase &db, const OrderRow &o)
{
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO orders (entity_id, increment_id, state, status, currency, grand_total,"
              " total_paid, total_invoiced, total_refunded, total_due, base_currency, base_grand_total,"
              " payment_method, last_trans_id, card_type, card_last4, customer_email, customer_name,"
              " customer_is_guest, created_at, updated_at, pay_captured, pay_refunded, pay_status,"
              " pay_txn_count, synced_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    const QVariantList values = {
        o.entityId, o.incrementId, o.status, o.status, o.currency, o.grandTotal,
        o.totalPaid, o.totalPaid, o.totalRefunded, o.grandTotal - o.totalPaid, o.currency, o.grandTotal,
        u"paytrace"_s, o.lastTransId, o.cardType, o.cardLast4, o.customerEmail, o.customerName,
        o.guest ? 1 : 0, o.createdAt, o.createdAt + 60'000, o.totalPaid, o.totalRefunded, o.payStatus,
        o.payTxnCount, o.createdAt + 120'000,
    };
    bindAll(q, values);
    return exec(q);
}

bool StoreFixture::insert(QSqlDatabase &db, const TransactionRow &t)
{
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO gateway_transactions (transaction_id, type, type_text, status, status_code,"
              " status_message, amount, currency, batch, invoice_id, card_type, card_last4, approval_code,"
              " approval_message, avs_response, csc_response, description, created_at, created_at_text,"
              " synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    const bool settled = t.status == u"settled";
    const QVariantList values = {
        t.transactionId, t.type, t.type.toUpper(), t.status,
        settled ? u"GB"_s + t.batch : u"Y"_s, settled ? u"Settled"_s : u"Pending Settlement"_s,
        t.amount, t.currency, t.batch, t.invoiceId, t.cardType, t.cardLast4, t.approvalCode,
        t.approvalCode.isEmpty() ? QString() : u"APPROVAL "_s + t.approvalCode + u" - TRAN"_s,
        t.avs, t.csc, t.description, t.createdAt,
        // PayTrace's export clock: Pacific local time, US format.
        QDateTime::fromMSecsSinceEpoch(t.createdAt, QTimeZone("America/Los_Angeles")).toString(u"M/d/yyyy h:mm:ss AP"_s),
        t.createdAt + 60'000,
    };
    bindAll(q, values);
    return exec(q);
}

bool StoreFixture::link(QSqlDatabase &db, const QString &transactionId, qint64 orderEntityId, qint64 linkedAtMs)
{
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO order_transaction_links (transaction_id, order_entity_id, rule, linked_at)"
              " VALUES (?, ?, 'invoice_id', ?)"_s);
    q.addBindValue(transactionId);
    q.addBindValue(orderEntityId);
    q.addBindValue(linkedAtMs);
    return exec(q);
}

int StoreFixture::generate(QSqlDatabase &db, int orders, qint64 nowMs, quint32 seed)
{
    static const QStringList first = {u"Olivia"_s, u"Liam"_s,  u"Emma"_s,   u"Noah"_s,   u"Ava"_s,
                                      u"Mateo"_s,  u"Sofía"_s, u"Hiroshi"_s, u"Fatima"_s, u"Zoë"_s,
                                      u"Grace"_s,  u"Ethan"_s, u"Mei"_s,    u"Lucas"_s,  u"Chloé"_s};
    static const QStringList last = {u"Nguyen"_s, u"Smith"_s, u"García"_s, u"Tanaka"_s, u"Okafor"_s,
                                     u"Müller"_s, u"Rossi"_s, u"O'Brien"_s, u"Johnson"_s, u"Kowalski"_s,
                                     u"Al-Sabah"_s, u"Brown"_s};
    static const QStringList cards = {u"Visa"_s, u"MasterCard"_s, u"Amex"_s, u"Discover"_s};
    static const QStringList avs = {u"Full Exact Match"_s, u"Address Match Only"_s, u"Zip Match Only"_s,
                                    u"No Match"_s};
    QRandomGenerator rng(seed);
    const auto pick = [&rng](const QStringList &list) { return list.at(int(rng.bounded(quint32(list.size())))); };

    if (!db.transaction())
        return -1;
    int transactions = 0;
    qint64 nextTxn = 420'000'000;
    const qint64 start = nowMs - 60LL * 24 * 3600 * 1000;
    for (int i = 0; i < orders; ++i) {
        OrderRow o;
        o.entityId = 5000 + i;
        o.incrementId = QString::number(100'004'000 + i);
        // Orders arrive in bursts: several share the same second, which exercises keyset ties.
        o.createdAt = start + (qint64(i) / 3) * (60LL * 24 * 3600 * 1000 * 3 / qMax(orders, 1)) / 1000 * 1000;
        const quint32 kind = rng.bounded(100U);
        o.currency = kind < 80 ? u"USD"_s : kind < 88 ? u"EUR"_s : kind < 94 ? u"JPY"_s : u"KWD"_s;
        const qint64 scale = o.currency == u"JPY" ? 1 : o.currency == u"KWD" ? 1000 : 100;
        const qint64 units = o.currency == u"JPY" ? 500 + rng.bounded(60000U) : 5 + rng.bounded(900U);
        o.grandTotal = units * scale + (o.currency == u"JPY" ? 0 : qint64(rng.bounded(quint32(scale))));
        const QString firstName = pick(first);
        const QString lastName = pick(last);
        o.guest = rng.bounded(10U) == 0;
        o.customerName = firstName + u' ' + lastName;
        o.customerEmail = firstName.toLower() + u'.' + QString(lastName).remove(u'\'').toLower() + u"@example.com"_s;
        o.cardType = pick(cards);
        o.cardLast4 = QString::number(1000 + rng.bounded(9000U));

        const quint32 fate = rng.bounded(100U);
        int txnCount = 0;
        QString payStatus = u"unpaid"_s;
        if (fate < 8) {
            o.status = u"pending_payment"_s;
        } else if (fate < 14) {
            o.status = u"canceled"_s;
            payStatus = u"voided"_s;
            txnCount = 2;
        } else if (fate < 24) {
            o.status = u"processing"_s;
            payStatus = u"authorized"_s;
            txnCount = 1;
        } else if (fate < 32) {
            o.status = u"closed"_s;
            payStatus = u"refunded"_s;
            o.totalPaid = o.grandTotal;
            o.totalRefunded = o.grandTotal;
            txnCount = 2;
        } else if (fate < 36) {
            o.status = u"complete"_s;
            payStatus = u"partially_refunded"_s;
            o.totalPaid = o.grandTotal;
            o.totalRefunded = o.grandTotal / 3;
            txnCount = 2;
        } else {
            o.status = fate < 70 ? u"complete"_s : u"processing"_s;
            payStatus = fate < 60 ? u"settled"_s : u"captured"_s;
            o.totalPaid = o.grandTotal;
            txnCount = 1;
        }
        o.payStatus = payStatus;
        o.payTxnCount = txnCount;

        QList<TransactionRow> txns;
        for (int k = 0; k < txnCount; ++k) {
            TransactionRow t;
            t.transactionId = QString::number(nextTxn++);
            t.invoiceId = o.incrementId;
            t.currency = o.currency;
            t.cardType = o.cardType;
            t.cardLast4 = o.cardLast4;
            t.createdAt = o.createdAt + 2000 + k * 3'600'000LL;
            t.amount = o.grandTotal;
            t.approvalCode = u"TAS"_s + QString::number(100 + rng.bounded(900U));
            t.avs = pick(avs);
            t.csc = rng.bounded(5U) == 0 ? u"No Match"_s : u"Match"_s;
            t.batch = QString::number(800 + (t.createdAt - start) / (24LL * 3600 * 1000));
            if (payStatus == u"authorized") {
                t.type = u"authorization"_s;
                t.status = u"authorized"_s;
                t.batch.clear();
            } else if (payStatus == u"voided") {
                t.type = k == 0 ? u"sale"_s : u"void"_s;
                t.status = u"voided"_s;
                t.batch.clear();
            } else if (k == 1) {
                t.type = u"refund"_s;
                t.amount = o.totalRefunded;
                t.status = u"pending_settlement"_s;
                t.batch.clear();
            } else {
                t.type = u"sale"_s;
                t.status = payStatus == u"captured" ? u"pending_settlement"_s : u"settled"_s;
                if (t.status != u"settled")
                    t.batch.clear();
            }
            txns << t;
        }
        if (!txns.isEmpty())
            o.lastTransId = txns.constLast().transactionId;
        if (!insert(db, o))
            return db.rollback(), -1;
        for (const TransactionRow &t : std::as_const(txns)) {
            if (!insert(db, t) || !link(db, t.transactionId, o.entityId, t.createdAt + 180'000))
                return db.rollback(), -1;
            ++transactions;
        }
        // Now and then a gateway payment nobody could link: a typo in the invoice number or a
        // phone order keyed in the virtual terminal.
        if (rng.bounded(40U) == 0) {
            TransactionRow t;
            t.transactionId = QString::number(nextTxn++);
            t.invoiceId = rng.bounded(2U) == 0 ? o.incrementId : u"PHONE-"_s + QString::number(i);
            t.amount = 1999 + rng.bounded(20000U);
            t.cardType = pick(cards);
            t.cardLast4 = QString::number(1000 + rng.bounded(9000U));
            t.status = u"pending_settlement"_s;
            t.approvalCode = u"TAS"_s + QString::number(100 + rng.bounded(900U));
            t.avs = pick(avs);
            t.csc = u"Match"_s;
            t.description = u"Virtual terminal"_s;
            t.createdAt = o.createdAt + 30'000;
            if (!insert(db, t))
                return db.rollback(), -1;
            ++transactions;
        }
    }
    if (!db.commit())
        return -1;
    return transactions;
}

} // namespace pb::test
