#pragma once

#include <QSqlDatabase>
#include <QString>

namespace pb::test {

// Rows for the store tables the UI reads, with the columns the tests care about. Inserted with
// plain SQL into a store created by pb::store::Database::openWriter.
struct OrderRow
{
    qint64 entityId = 0;
    QString incrementId;
    QString status = QStringLiteral("processing");
    QString currency = QStringLiteral("USD");
    qint64 grandTotal = 0;
    qint64 totalPaid = 0;
    qint64 totalRefunded = 0;
    QString customerName;
    QString customerEmail;
    bool guest = false;
    QString cardType;
    QString cardLast4;
    QString lastTransId;
    QString payStatus = QStringLiteral("unpaid");
    int payTxnCount = 0;
    qint64 createdAt = 0; // UTC ms
};

struct TransactionRow
{
    QString transactionId;
    QString type = QStringLiteral("sale");
    QString status = QStringLiteral("settled");
    qint64 amount = 0;
    QString currency = QStringLiteral("USD");
    QString batch;
    QString invoiceId;
    QString cardType;
    QString cardLast4;
    QString approvalCode;
    QString avs;
    QString csc;
    QString description;
    qint64 createdAt = 0; // UTC ms
};

class StoreFixture
{
public:
    // Creates (or opens) the store at `path` under `connectionName` with the writer; fails the
    // current test when it cannot.
    static bool create(const QString &path, const QString &connectionName);

    static bool insert(QSqlDatabase &db, const OrderRow &order);
    static bool insert(QSqlDatabase &db, const TransactionRow &transaction);
    static bool link(QSqlDatabase &db, const QString &transactionId, qint64 orderEntityId, qint64 linkedAtMs = 0);

    // Realistic, deterministic data for previews and volume tests: `orders` orders from the last
    // 60 days before `nowMs` (many created in the same second, mixed currencies including JPY
    // and KWD), most with one to three linked transactions, plus some unlinked transactions.
    // Returns the number of transactions inserted, or -1 on failure.
    static int generate(QSqlDatabase &db, int orders, qint64 nowMs, quint32 seed = 42);
};

} // namespace pb::test
