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

Result<std::unique_ptr<JournalSink>> makeSink(const SinkOptions &o)
{
    profile::ErpSettings s = o.settings;
    if (!o.sinkOverride.isEmpty())
        s.sink = o.sinkOverride;
    if (!o.fileOverride.isEmpty())
        s.file = QDir::cleanPath(QDir::current().absoluteFilePath(o.fileOverride));
    if (Status valid = profile::validate(s, u"erp."_s); !valid)
        return makeError(u"erp.config"_s, valid.error().field, valid.error().message);

    if (s.sink == u"ledger"_s || s.sink == u"csv"_s) {
        QString file = s.file;
        if (file.isEmpty()) {
            if (o.dataDirectory.isEmpty())
                return makeError(u"erp.config"_s, u"erp.file"_s, u"no journal file and no data directory to put it in"_s);
            file = defaultJournalFile(s.sink, o.dataDirectory);
        }
        if (s.sink == u"csv"_s)
            return std::unique_ptr<JournalSink>(std::make_unique<CsvFileSink>(file));
        return std::unique_ptr<JournalSink>(std::make_unique<LedgerFileSink>(file));
    }
    if (o.odooPassword.isEmpty())
        return makeError(u"erp.config"_s, u"odoo.password"_s,
                         u"the Odoo password or API key is not in the keychain (paybridge profile set-secret NAME odoo.password)"_s);
    if (!o.transport)
        return makeError(u"erp.config"_s, u"transport"_s, u"the Odoo sink needs an HTTP transport"_s);
    OdooConfig c;
    c.url = QUrl(s.odooUrl);
    c.database = s.odooDatabase;
    c.username = s.odooUsername;
    c.password = o.odooPassword;
    c.companyCurrency = s.odooCurrency;
    c.accountCodes = s.odooAccounts;
    return std::unique_ptr<JournalSink>(std::make_unique<OdooSink>(c, o.transport));
}

} // namespace pb::erp
