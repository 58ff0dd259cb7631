#include "commands/syncsetup.h"

#include "security/secretkeys.h"
#include "security/secretstore.h"
#include "store/database.h"

#include <memory>

namespace pb::app {

sync::SyncConfig syncConfigWithoutSecrets(const profile::Profile &profile)
{
    sync::SyncConfig config;
    config.profileName = profile.name;
    config.databasePath = store::Database::defaultPath(profile.name);
    config.paytraceUrl = profile.paytraceUrl;
    config.magentoUrl = profile.magentoUrl;
    config.magentoAuth = profile.magentoAuth;
    config.magentoSignature = profile.magentoSignature;
    config.paytraceIntegratorId = profile.paytraceIntegratorId;
    config.historyDays = profile.historyDays;
    config.syncIntervalSeconds = profile.syncIntervalSeconds;
    config.profileCreatedBy = profile.createdBy;
    config.requestTimeoutMs = profile.requestTimeoutSeconds * 1000;
    config.inDoubtSettleMs = profile.inDoubtSettleSeconds * 1000;
    config.pinnedCertSha256Paytrace = profile.pinnedCertSha256Paytrace;
    config.pinnedCertSha256Magento = profile.pinnedCertSha256Magento;
    config.erp = profile.erp;
    return config;
}

Result<sync::SyncConfig> syncConfigFor(const profile::Profile &profile, security::SecretStore &secrets)
{
    sync::SyncConfig config = syncConfigWithoutSecrets(profile);
    for (const QString &key : security::validSecretKeys()) {
        auto value = secrets.readBlocking(profile.name, key);
        if (value) {
            config.secrets.insert(key, value.value());
            continue;
        }
        if (value.error().code == u"keychain.not_found")
            continue;
        return value.error();
    }
    return config;
}

void loadSyncConfig(const profile::Profile &profile, security::SecretStore &secrets, QObject *context,
                    std::function<void(Result<sync::SyncConfig>)> done)
{
    struct State
    {
        sync::SyncConfig config;
        int pending = 0;
        bool finished = false;
        std::function<void(Result<sync::SyncConfig>)> done;
    };
    auto state = std::make_shared<State>();
    state->config = syncConfigWithoutSecrets(profile);
    state->done = std::move(done);
    const QStringList &keys = security::validSecretKeys();
    state->pending = int(keys.size());
    for (const QString &key : keys) {
        secrets.read(profile.name, key, context, [state, key](Result<QString> value) {
            if (state->finished)
                return;
            if (value)
                state->config.secrets.insert(key, value.value());
            else if (value.error().code != u"keychain.not_found") {
                state->finished = true;
                state->done(value.error());
                return;
            }
            if (--state->pending == 0) {
                state->finished = true;
                state->done(state->config);
            }
        });
    }
}

} // namespace pb::app
