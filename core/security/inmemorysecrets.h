#pragma once

#include "security/secretstore.h"

#include <QHash>
#include <QStringList>

namespace pb::security {

// Secrets held in this process's memory only, for `paybridge --demo`: the demo's profile talks
// to the local sandbox with made-up sandbox credentials, and nothing real should need a keychain
// to try PayBridge out.
//
// This is NOT a fallback for real profiles when the keychain is unavailable: it serves only the
// profile names given to the constructor and refuses every other profile with
// "secrets.not_demo_profile". Real credentials go to CredentialStore or nowhere.
class InMemorySecrets final : public SecretStore
{
    Q_OBJECT
public:
    explicit InMemorySecrets(QStringList demoProfiles, QObject *parent = nullptr);

    void read(const QString &profile, const QString &key, QObject *context,
              ReadCallback callback) override;
    void write(const QString &profile, const QString &key, const QString &value,
               QObject *context, DoneCallback callback) override;
    void remove(const QString &profile, const QString &key, QObject *context,
                DoneCallback callback) override;

private:
    pb::Status checkProfile(const QString &profile) const;

    QStringList m_demoProfiles;
    QHash<QString, QString> m_values; // keychain key -> value
};

} // namespace pb::security
