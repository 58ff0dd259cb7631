#pragma once

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QString>
#include <QUrl>

namespace pb::ui {

// Rich-text summaries of one order or one transaction for the detail panes, read from the
// store with a few small keyed queries. Links inside use the pb-order: and pb-transaction:
// schemes so a page can jump to the other side of a link.
class RecordDetails
{
    Q_DECLARE_TR_FUNCTIONS(pb::ui::RecordDetails)

public:
    // `mutedColor` (a CSS colour) is used for field labels, so callers pass it from their palette.
    static QString orderHtml(const QSqlDatabase &db, qint64 entityId, const QString &mutedColor);
    static QString transactionHtml(const QSqlDatabase &db, const QString &transactionId,
                                   const QString &mutedColor);

    static QUrl orderLink(const QString &incrementId);
    static QUrl transactionLink(const QString &transactionId);
    // The order number or transaction id a link points at; empty when it is not that kind.
    static QString orderFromLink(const QUrl &url);
    static QString transactionFromLink(const QUrl &url);
};

} // namespace pb::ui
