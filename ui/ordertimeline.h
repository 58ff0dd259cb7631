#pragma once

#include "util/result.h"

#include <QCoreApplication>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::ui {

// One order's payment trail as one chronological list: what Magento says about the order (as
// of the last sync), the PayTrace transactions linked to it, and what PayBridge did for it —
// each intent (PayTrace, Magento and ERP writes) with every attempt and its outcome.
//
// Read with a handful of small queries on indexed columns, all keyed by the one order, so it
// can run on the GUI thread's read connection when a row is selected.
class OrderTimeline
{
    Q_DECLARE_TR_FUNCTIONS(pb::ui::OrderTimeline)

public:
    enum class Source { Magento, PayTrace, PayBridge, Erp };

    struct Event
    {
        qint64 atMs = 0;          // UTC milliseconds
        Source source = Source::Magento;
        QString title;            // one line, translated
        QString detail;           // more, translated; may be empty
        // For whoever digs deeper: the gateway's outcome code, HTTP status, the state the
        // intent went to ("approved; HTTP 200; then done"). Shown small and muted, never as
        // the event's words.
        QString technical;
        QString transactionId;    // a PayTrace transaction the event is about; may be empty
        bool problem = false;     // a failure, a dead letter or an unknown outcome
    };

    // Oldest first; events at the same millisecond keep the order Magento, PayTrace, PayBridge.
    static Result<QList<Event>> load(const QSqlDatabase &db, qint64 orderEntityId);

    // The events as an HTML table for a detail pane (time, system, what, details), with
    // transaction ids linking to RecordDetails::transactionLink.
    static QString html(const QList<Event> &events, const QString &mutedColor);

    static QString sourceName(Source source);

    // The most rows read per table for one order; an order with more is shown truncated.
    static constexpr int kMaxRows = 200;
};

} // namespace pb::ui
