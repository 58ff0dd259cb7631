#include "erp/sinkfactory.h"

#include "erp/csvfilesink.h"
#include "erp/ledgerfilesink.h"
#include "erp/odoosink.h"

#include <QDir>

using namespace Qt::StringLiterals;

namespace pb::erp {

QString defaultJournalFile(const QString &sinkKind, const QString &dataDirectory)
{
    return QDir(dataDirectory).filePath(sinkKind == u"csv"_s ? u"journal.csv"_s : u"journal.ledger"_s);
}

Result<profile::ErpSettings> effectiveSettings(const SinkOptions &o)
{
    profile::ErpSettings s = o.settings;
    if (!o.sinkOverride.isEmpty())
        s.sink = o.sinkOverride;
    if (!o.fileOverride.isEmpty())
        s.file = QDir::cleanPath(QDir::current().absoluteFilePath(o.fileOverride));
    if (Status valid = profile::validate(s, u"erp."_s); !valid)
        return makeError(u"erp.config"_s, valid.error().field, valid.error().message);
    if ((s.sink == u"ledger"_s || s.sink == u"csv"_s) && s.file.isEmpty()) {
        if (o.dataDirectory.isEmpty())
            return makeError(u"erp.config"_s, u"erp.file"_s, u"no journal file and no data directory to put it in"_s);
        s.file = defaultJournalFile(s.sink, o.dataDirectory);
    }
    return s;
}

Result<OdooConfig> odooConfig(const SinkOptions &o)
{
    PB_TRY(s, effectiveSettings(o));
    if (s.sink != u"odoo"_s)
        return makeError(u"erp.config"_s, u"erp.sink"_s, u"the configured sink is '%1', not Odoo"_s.arg(s.sink));
    if (o.odooPassword.isEmpty())
        return makeError(u"erp.config"_s, u"odoo.password"_s,
                         u"the Odoo password or API key is not in the keychain (paybridge profile set-secret NAME odoo.password)"_s);
    OdooConfig c;
    c.url = QUrl(s.odooUrl);
    c.database = s.odooDatabase;
    c.username = s.odooUsername;
    c.password = o.odooPassword;
    c.companyCurrency = s.odooCurrency;
    c.accountCodes = s.odooAccounts;
    return c;
}

Result<std::unique_ptr<JournalSink>> makeSink(const SinkOptions &o)
{
    PB_TRY(s, effectiveSettings(o));
    if (s.sink == u"csv"_s)
        return std::unique_ptr<JournalSink>(std::make_unique<CsvFileSink>(s.file));
    if (s.sink == u"ledger"_s)
        return std::unique_ptr<JournalSink>(std::make_unique<LedgerFileSink>(s.file));
    PB_TRY(c, odooConfig(o));
    if (!o.transport)
        return makeError(u"erp.config"_s, u"transport"_s, u"the Odoo sink needs an HTTP transport"_s);
    return std::unique_ptr<JournalSink>(std::make_unique<OdooSink>(c, o.transport));
}

} // namespace pb::erp
