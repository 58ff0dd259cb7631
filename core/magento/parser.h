#pragma once

#include "model/order.h"
#include "model/rejectedrecord.h"
#include "util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <optional>

namespace pb::magento {

// One page of GET /V1/orders.
struct OrderPage
{
    QList<OrderRecord> items;
    // Items that did not read: the rest of the page is still good (docs/quarantine.md).
    QList<RejectedRecord> rejected;
    qint64 totalCount = -1; // -1 when the response carried none (fields= can strip it)
    qsizetype itemCount = 0; // items[] as sent, read or not
    // The (updated_at, entity_id) of the last item as sent whose key reads, read or not: the
    // pager's keyset moves past an unreadable order too.
    QDateTime lastKeyUpdated;
    qint64 lastKeyId = 0;
    // Every entity id on the page whose id reads, in the server's order.
    QList<qint64> ids;
};

// Magento's error envelope (docs/magento.md §6) with placeholders filled in.
struct ErrorBody
{
    QString message;        // filled: "Invalid product data: Invalid attribute set entity type"
    QString rawMessage;     // as sent, with %1 / %name placeholders
    QStringList details;    // errors[].message, each filled with its own parameters
    std::optional<qint64> code;
    QString trace;          // developer mode only
};

// Pure functions from Magento REST bodies to PayBridge types.
struct Parser
{
    // The order object (§5.1). entity_id, increment_id and order_currency_code are required;
    // everything else is optional. Errors name the path, e.g. "items[3].grand_total".
    static Result<OrderRecord> parseOrder(const QJsonObject &order, const QString &path = {});
    static Result<OrderRecord> parseOrderBody(const QByteArray &body);
    // The search envelope {items, search_criteria, total_count}. An item that does not read
    // is put in `rejected` with its raw JSON; only an unreadable envelope fails the page.
    static Result<OrderPage> parseOrderSearch(const QByteArray &body);
    // An order that did not read, for the quarantine: its id, updated_at when they read.
    static RejectedRecord rejectOrder(const QJsonValue &item, const QString &path, const Error &why);
    // items[] of a fields-limited search (entity_id and increment_id only).
    static Result<QList<QPair<qint64, QString>>> parseOrderKeys(const QByteArray &body);

    // "YYYY-MM-DD HH:MM:SS", UTC by Magento's design (§5.2).
    static Result<QDateTime> parseTime(const QString &text, const QString &field);
    static QString formatTime(const QDateTime &utc);

    // The error envelope; nullopt-like error when the body is not that shape.
    static Result<ErrorBody> parseErrorBody(const QByteArray &body);
    // %1..%n from a parameters list, %name from a parameters object; unknown placeholders
    // stay as they are.
    static QString fillPlaceholders(const QString &message, const QJsonValue &parameters);

    // Maximum items accepted in one search page (pageSize is at most 300; this is the
    // guard against a server that ignores it).
    static constexpr qsizetype kMaxItems = 10000;
};

} // namespace pb::magento
