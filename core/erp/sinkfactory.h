#pragma once

#include "erp/journalsink.h"
#include "profile/profile.h"
#include "util/result.h"

#include <memory>

namespace pb::net {
class HttpTransport;
}

namespace pb::erp {

struct OdooConfig;

struct SinkOptions
{
    profile::ErpSettings settings;
    QString dataDirectory;             // the profile's data directory: default journal files go here
    QString odooPassword;              // the keychain secret "odoo.password" (Odoo sink only)
    net::HttpTransport *transport = nullptr; // Odoo sink only; must outlive the sink
    QString sinkOverride;              // "ledger" | "csv" | "odoo": instead of settings.sink (command line)
    QString fileOverride;              // instead of settings.file (command line)
};

// The default file of a file sink: <dataDirectory>/journal.ledger or journal.csv.
QString defaultJournalFile(const QString &sinkKind, const QString &dataDirectory);

// The configured sink. Errors ("erp.config", field named) for an unknown kind, settings that do
// not validate, a missing Odoo password or transport.
Result<std::unique_ptr<JournalSink>> makeSink(const SinkOptions &options);

// What makeSink builds from: the settings with the overrides applied and validated, and for a
// file sink `file` resolved (the default file when empty). Errors as makeSink's.
Result<profile::ErpSettings> effectiveSettings(const SinkOptions &options);
// The Odoo sink's configuration from effectiveSettings and the password (include erp/odoosink.h).
// Errors as makeSink's; the transport is not checked here.
Result<OdooConfig> odooConfig(const SinkOptions &options);

} // namespace pb::erp
