#include "mappingbackend.h"

#include "access/permissions.h"
#include "erp/sinkfactory.h"
#include "net/httptransport.h"
#include "profile/profilestore.h"

#include "erp/accountcatalog.h"
#include "sync/mappinganalysis.h"
#include "sync/storestatuses.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <optional>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

Status mayManage(QSqlDatabase &db, const QString &actor)
{
    access::Permissions permissions(db);
    PB_TRY(op, permissions.operatorFor(actor));
    return permissions.check(op, access::Action::ManageMappings);
}

// Up to six values of one field, of different shapes ("#000123" and "123" both shown), so the
// sample shows what the transforms meet in this store.
QStringList varied(const QStringList &values)
{
    static const QRegularExpression digits(u"\\d"_s);
    QStringList out;
    QSet<QString> shapes;
    for (const QString &v : values) {
        QString shape = v;
        shape.replace(digits, u"9"_s);
        if (shapes.contains(shape))
            continue;
        shapes.insert(shape);
        out << v;
        if (out.size() >= 6)
            break;
    }
    for (const QString &v : values) {
        if (out.size() >= 6)
            break;
        if (!out.contains(v))
            out << v;
    }
    return out;
}

} // namespace

Status readSnapshot(QSqlDatabase &db, const QString &actor, StoreSnapshot *out)
{
    pb::mapping::MappingStore store(db);
    PB_TRY(active, store.activeVersion());
    out->active = active;
    PB_TRY(history, store.history());
    out->history = history;

    if (Status s = mayManage(db, actor); s) {
        out->canEdit = true;
    } else {
        out->whyReadOnly = s.error().message;
    }

    auto profile = pb::mapping::MappingProfile::fromJson(out->active.document);
    const pb::mapping::MappingProfile p = profile ? *profile : pb::mapping::MappingProfile::defaults();
    if (auto statuses = pb::sync::storeStatuses(db, p)) {
        for (const auto &s : *statuses) {
            StatusOption o{s.status, s.state, s.label, s.orders, StatusOption::Source::BuiltIn, s.note};
            using S = pb::sync::StoreStatus::Source;
            o.source = s.source == S::Observed ? StatusOption::Source::Observed
                : s.source == S::Declared      ? StatusOption::Source::Declared
                                               : StatusOption::Source::BuiltIn;
            out->statuses << o;
        }
    } else {
        out->statusesError = statuses.error().toString();
    }

    QSqlQuery q(db);
    if (!q.exec(u"SELECT invoice_id, description, transaction_id FROM gateway_transactions"
                " ORDER BY created_at DESC LIMIT 400"_s))
        return makeError(u"store.read"_s, {}, q.lastError().text());
    QStringList invoice, description, txn;
    while (q.next()) {
        if (const QString v = q.value(0).toString(); !v.isEmpty() && !invoice.contains(v))
            invoice << v;
        if (const QString v = q.value(1).toString(); !v.isEmpty() && !description.contains(v))
            description << v;
        if (const QString v = q.value(2).toString(); !v.isEmpty())
            txn << v;
    }
    out->samples.insert(u"invoice_id"_s, varied(invoice));
    out->samples.insert(u"description"_s, varied(description));
    out->samples.insert(u"transaction_id"_s, varied(txn));
    return {};
}

Result<int> saveDocument(QSqlDatabase &db, const QString &actor, const QByteArray &document, const QString &note)
{
    if (Status s = mayManage(db, actor); !s)
        return s.error();
    pb::mapping::MappingStore store(db);
    return store.save(document, actor, note);
}

Result<int> rollbackTo(QSqlDatabase &db, const QString &actor, int version, const QString &note)
{
    if (Status s = mayManage(db, actor); !s)
        return s.error();
    pb::mapping::MappingStore store(db);
    return store.rollback(version, actor, note);
}

Result<QList<SuggestionView>> suggestLinks(QSqlDatabase &db, const pb::mapping::MappingProfile &active,
                                           const std::atomic_bool *cancel)
{
    PB_TRY(found, pb::sync::MappingAnalysis::suggestLinks(db, active, 5, cancel));
    QList<SuggestionView> out;
    for (const auto &s : found) {
        SuggestionView v;
        v.linkKey = QJsonObject{{u"paytraceField"_s, s.key.paytraceField},
                                {u"magentoField"_s, s.key.magentoField},
                                {u"transforms"_s, s.key.transforms.toJson()}};
        v.matched = s.matched;
        v.considered = s.considered;
        v.permille = s.permille();
        v.evidence = s.evidence;
        v.examples = s.examples;
        out << v;
    }
    return out;
}

Result<PreviewView> previewDiff(QSqlDatabase &db, const pb::mapping::MappingProfile &active,
                                const pb::mapping::MappingProfile &draft, const PreviewFilterView &filter,
                                const std::atomic_bool *cancel)
{
    pb::sync::PreviewFilter f;
    f.from = filter.from;
    f.to = filter.to;
    f.search = filter.search;
    f.limit = filter.limit;
    PB_TRY(d, pb::sync::MappingAnalysis::previewDiff(db, active, draft, f, cancel));
    PreviewView v;
    v.transactions = d.transactions;
    v.orders = d.orders;
    v.linksSame = d.linksSame;
    v.linksMade = d.linksMade;
    v.linksLost = d.linksLost;
    v.linksChanged = d.linksChanged;
    v.nextSyncNewLinks = d.nextSyncNewLinks;
    v.statusChanges = d.statusChanges;
    for (const auto &l : d.links)
        v.links << PreviewView::Link{l.transactionId, l.activeOrder, l.draftOrder, l.draftRule};
    for (const auto &s : d.statuses)
        v.statuses << PreviewView::StatusRow{s.incrementId, s.event, s.currentStatus, s.activeTarget, s.draftTarget};
    for (const auto &a : d.accounts)
        v.accounts << PreviewView::Account{a.account, a.currency, a.activeMinor, a.draftMinor};
    return v;
}

Result<KnownAccountsView> knownAccounts(const QString &profileName, const QString &databasePath,
                                        const QString &odooPassword)
{
    erp::SinkOptions options;
    profile::ProfileStore profiles;
    if (profiles.load())
        if (const auto p = profiles.find(profileName))
            options.settings = p->erp;
    options.dataDirectory = QFileInfo(databasePath).absolutePath();
    options.odooPassword = odooPassword;
    KnownAccountsView view;
    view.sink = options.settings.sink.isEmpty() ? u"ledger"_s : options.settings.sink;
    net::HttpTransport transport;
    if (options.settings.sink == u"odoo")
        options.transport = &transport;
    // A pool thread: waiting here for Odoo's answer blocks no window.
    std::optional<Result<QList<erp::KnownAccount>>> answer;
    QEventLoop loop;
    QObject context;
    erp::knownAccounts(options, &context, [&](const Result<QList<erp::KnownAccount>> &r) {
        answer.emplace(r);
        loop.quit();
    });
    if (!answer)
        loop.exec();
    if (!*answer)
        return answer->error();
    for (const auto &a : answer->value()) {
        if (!a.account.isEmpty())
            view.accounts << a.account;
        else
            ++view.unnamed; // an Odoo account no PayBridge name maps to
    }
    return view;
}

} // namespace pb::ui::studio
