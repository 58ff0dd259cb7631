#include "erp/accountcatalog.h"

#include "erp/csvfilesink.h"
#include "erp/ledgerfilesink.h"
#include "erp/odoosink.h"

#include <QFile>
#include <QPointer>
#include <QSet>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

// The accounts of a journal file; a file not written yet has none.
Result<QStringList> fileAccounts(const QString &sink, const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return QStringList();
    const QString prefix = sink == u"csv"_s ? u"erp.csv"_s : u"erp.ledger"_s;
    if (!file.open(QIODevice::ReadOnly)) {
        const Error detail = makeError(prefix + u".io"_s, path, u"cannot read the journal: "_s + file.errorString());
        return classifiedError(fileErrorClass(detail), detail);
    }
    const QByteArray bytes = file.readAll();
    Result<QStringList> names = QStringList();
    if (sink == u"csv"_s) {
        const Result<QList<JournalEntry>> entries = CsvFileSink::parse(bytes);
        if (!entries) {
            names = entries.error();
        } else {
            QStringList out;
            for (const JournalEntry &e : *entries) {
                for (const Posting &p : e.postings) {
                    if (!out.contains(p.account))
                        out.append(p.account);
                }
            }
            names = out;
        }
    } else {
        names = LedgerFileSink::accountNames(bytes);
    }
    if (!names) {
        Error detail = names.error();
        detail.message = path + u": "_s + detail.message;
        return classifiedError(fileErrorClass(detail), detail);
    }
    return names;
}

} // namespace

void knownAccounts(const SinkOptions &options, QObject *context,
                   std::function<void(const Result<QList<KnownAccount>> &)> done)
{
    const Result<profile::ErpSettings> settings = effectiveSettings(options);
    if (!settings)
        return done(settings.error());
    if (settings->sink != u"odoo"_s) {
        const Result<QStringList> names = fileAccounts(settings->sink, settings->file);
        if (!names)
            return done(names.error());
        QList<KnownAccount> out;
        for (const QString &n : *names)
            out.append({n, {}, {}});
        return done(out);
    }
    const Result<OdooConfig> config = odooConfig(options);
    if (!config)
        return done(config.error());
    if (!options.transport)
        return done(makeError(u"erp.config"_s, u"transport"_s, u"the Odoo sink needs an HTTP transport"_s));
    // The sink lives as long as the call, and goes with `context` if that dies first.
    auto *sink = new OdooSink(*config, options.transport, context);
    QPointer<OdooSink> owner(sink);
    const QMap<QString, QString> codes = config->accountCodes;
    sink->chartOfAccounts(context, [owner, codes, done](const Result<QList<OdooAccount>> &r) {
        if (owner)
            owner->deleteLater();
        if (!r)
            return done(r.error());
        QList<KnownAccount> out;
        for (const OdooAccount &a : *r) {
            const QStringList names = codes.keys(a.code);
            if (names.isEmpty())
                out.append({QString(), a.code, a.name});
            for (const QString &n : names)
                out.append({n, a.code, a.name});
        }
        done(out);
    });
}

QStringList unmappedAccounts(const mapping::MappingProfile &profile, const QList<KnownAccount> &known)
{
    QSet<QString> have;
    for (const KnownAccount &k : known) {
        if (!k.account.isEmpty())
            have.insert(k.account);
    }
    QStringList out;
    const auto consider = [&](const QString &name) {
        if (!name.isEmpty() && !have.contains(name) && !out.contains(name))
            out.append(name);
    };
    const mapping::ErpAccounts &accounts = profile.erpAccounts();
    for (mapping::AccountRole role : mapping::kAccountRoles)
        consider(accounts.defaults.value(role));
    for (auto it = accounts.perCurrency.cbegin(); it != accounts.perCurrency.cend(); ++it) {
        for (mapping::AccountRole role : mapping::kAccountRoles)
            consider(it.value().value(role));
    }
    return out;
}

} // namespace pb::erp
