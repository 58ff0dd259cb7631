#pragma once

#include "profile/profile.h"
#include "sync/syncservice.h"
#include "util/result.h"

#include <functional>

namespace pb::security {
class SecretStore;
}

namespace pb::app {

// The sync configuration of a profile, with its secrets read (blocking) from `secrets`.
// Only for the command line and worker threads: the GUI reads secrets asynchronously.
// Missing secrets are left out; the engine names the ones it needs.
Result<sync::SyncConfig> syncConfigFor(const profile::Profile &profile, security::SecretStore &secrets);

// Asynchronous variant for the GUI thread: `done` runs once, later, with the config or the
// first keychain error other than "not found".
void loadSyncConfig(const profile::Profile &profile, security::SecretStore &secrets, QObject *context,
                    std::function<void(Result<sync::SyncConfig>)> done);

// Without secrets (the GUI fills them in asynchronously).
sync::SyncConfig syncConfigWithoutSecrets(const profile::Profile &profile);

} // namespace pb::app
