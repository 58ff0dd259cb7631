#include "security/inmemorysecrets.h"

#include "security/secretkeys.h"

namespace pb::security {

InMemorySecrets::InMemorySecrets(QStringList demoProfiles, QObject *parent)
    : SecretStore(parent), m_demoProfiles(std::move(demoProfiles))
{
}

pb::Status InMemorySecrets::checkProfile(const QString &profile) const
{
    if (m_demoProfiles.contains(profile))
        return {};
    return pb::makeError(QStringLiteral("secrets.not_demo_profile"), profile,
                         QStringLiteral("in-memory secrets serve only the demo profile; real "
                                        "profiles keep their secrets in the OS keychain"));
}

void InMemorySecrets::read(const QString &profile, const QString &key, QObject *context,
                           ReadCallback callback)
{
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    pb::Result<QString> result = ref ? pb::Result<QString>(QString()) : pb::Result<QString>(ref.error());
    if (ref) {
        if (const pb::Status demo = checkProfile(profile); !demo) {
            result = demo.error();
        } else if (const auto it = m_values.constFind(ref->keychainKey()); it != m_values.cend()) {
            result = it.value();
        } else {
            result = pb::makeError(QStringLiteral("keychain.not_found"), ref->keychainKey(),
                                   QStringLiteral("no secret stored"));
        }
    }
    deliver(guardFor(context), [callback, result] { callback(result); });
}

void InMemorySecrets::write(const QString &profile, const QString &key, const QString &value,
                            QObject *context, DoneCallback callback)
{
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    pb::Status status;
    if (!ref)
        status = ref.error();
    else if (const pb::Status demo = checkProfile(profile); !demo)
        status = demo;
    else if (value.isEmpty())
        status = pb::makeError(QStringLiteral("secret.empty"), ref->keychainKey(),
                               QStringLiteral("refusing to store an empty secret; remove it instead"));
    else
        m_values.insert(ref->keychainKey(), value);
    deliver(guardFor(context), [callback, status] { callback(status); });
}

void InMemorySecrets::remove(const QString &profile, const QString &key, QObject *context,
                             DoneCallback callback)
{
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    pb::Status status;
    if (!ref)
        status = ref.error();
    else if (const pb::Status demo = checkProfile(profile); !demo)
        status = demo;
    else
        m_values.remove(ref->keychainKey());
    deliver(guardFor(context), [callback, status] { callback(status); });
}

} // namespace pb::security
