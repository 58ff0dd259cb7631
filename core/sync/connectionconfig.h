#pragma once

#include "erp/sinkfactory.h"
#include "magento/magentoclient.h"
#include "paytrace/paytraceclient.h"
#include "sync/syncservice.h"
#include "util/result.h"

namespace pb::sync {

// The connector settings of a profile's sync configuration, with the secrets each
// authentication mode needs checked. One place for these rules, used by the engine and the
// command line. Errors are "config.invalid" / "config.missing_secret" naming the setting or key.
Result<paytrace::PayTraceConfig> paytraceConfigFor(const SyncConfig &config);
Result<magento::MagentoConfig> magentoConfigFor(const SyncConfig &config);

// The profile's certificate pins on `transport`, each for its own service's host and port only
// (one transport serves PayTrace, Magento and an Odoo sink). Errors are "config.invalid" naming
// the setting ("pinnedCertSha256Paytrace", "pinnedCertSha256Magento"); nothing is pinned then.
Status applyCertificatePins(const SyncConfig &config, net::HttpTransport &transport);

// Where each operation's ERP entry goes: the profile's sink, its default files beside the
// database (a ledger sink without a file of its own writes journalPath when that is set), the
// Odoo password from the secrets and `transport` for Odoo.
erp::SinkOptions sinkOptionsFor(const SyncConfig &config, net::HttpTransport *transport);

} // namespace pb::sync
