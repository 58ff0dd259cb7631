// Links the whole core the way the command line and the service do; its linked libraries are
// checked by the test core_links_no_gui (the core must never pull in Qt Gui or Widgets).
#include "profile/profilestore.h"
#include "security/credentialstore.h"
#include "sync/syncservice.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    pb::sync::SyncService service(pb::sync::SyncConfig{});
    pb::security::CredentialStore keychain;
    pb::profile::ProfileStore profiles(QStringLiteral("/nonexistent/profiles.json"));
    return profiles.list().size() == 0 && service.state() == pb::sync::SyncState::Idle ? 0 : 1;
}
