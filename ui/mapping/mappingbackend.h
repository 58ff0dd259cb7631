#pragma once

#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "statusmapeditor.h"
#include "util/result.h"

#include <QDate>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <atomic>

namespace pb::ui::studio {

// What the Mapping page reads from the store when it opens or reloads, on a worker thread with
// its own connection: the active version, the history, the statuses the store has, raw values
// for the transform sample and whether the operator may edit.
struct StoreSnapshot
{
    pb::mapping::MappingVersion active;
    QList<pb::mapping::MappingVersion> history;
    QList<StatusOption> statuses;
    QString statusesError;
    QMap<QString, QStringList> samples; // PayTrace field → raw values
    bool canEdit = false;
    QString whyReadOnly;
};

Status readSnapshot(QSqlDatabase &db, const QString &actor, StoreSnapshot *out);

// The gate and the write, on a writer connection: ManageMappings, then MappingStore.
Result<int> saveDocument(QSqlDatabase &db, const QString &actor, const QByteArray &document, const QString &note);
Result<int> rollbackTo(QSqlDatabase &db, const QString &actor, int version, const QString &note);

struct SuggestionView
{
    QJsonObject linkKey; // paytraceField, magentoField, transforms
    int matched = 0;
    int considered = 0;
    int permille = 0;
    QString evidence;
    QStringList examples;
};
Result<QList<SuggestionView>> suggestLinks(QSqlDatabase &db, const pb::mapping::MappingProfile &active,
                                           const std::atomic_bool *cancel);

struct PreviewFilterView
{
    QDate from;
    QDate to;
    QString search;
    int limit = 500;
};
struct PreviewView
{
    int transactions = 0, orders = 0;
    int linksSame = 0, linksMade = 0, linksLost = 0, linksChanged = 0;
    int nextSyncNewLinks = 0;
    int statusChanges = 0;
    struct Link { QString transactionId, activeOrder, draftOrder, draftRule; };
    struct StatusRow { QString incrementId, event, currentStatus, activeTarget, draftTarget; };
    struct Account { QString account, currency; qint64 activeMinor = 0, draftMinor = 0; };
    QList<Link> links;
    QList<StatusRow> statuses;
    QList<Account> accounts;
};
Result<PreviewView> previewDiff(QSqlDatabase &db, const pb::mapping::MappingProfile &active,
                                const pb::mapping::MappingProfile &draft, const PreviewFilterView &filter,
                                const std::atomic_bool *cancel);

// The accounts the profile's ERP sink knows (blocking: call on a worker thread).
struct KnownAccountsView
{
    QString sink;          // ledger, csv, odoo
    QStringList accounts;  // PayBridge account names the sink knows
    int unnamed = 0;       // Odoo accounts without a PayBridge name (erp.odooAccounts)
};
Result<KnownAccountsView> knownAccounts(const QString &profileName, const QString &databasePath,
                                        const QString &odooPassword);

} // namespace pb::ui::studio
