#pragma once

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

} // namespace pb::sync
