#pragma once

namespace pb::app {

// Documented process exit codes of `paybridge` (also listed in --help and the README).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,          // the operation ran and failed (e.g. the sync hit an error)
    ExitUsage = 2,            // bad command line
    ExitConfig = 3,           // unknown or invalid profile / configuration
    ExitNoKeychain = 4,       // no OS keychain reachable for secrets
    ExitConnection = 5,       // a connection or authentication with Magento/PayTrace failed
    ExitRefused = 6,          // refused by a rule (permission, invariant)
};

} // namespace pb::app
