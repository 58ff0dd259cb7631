#pragma once

#include <QLoggingCategory>

// One logging category per area. Debug output is off by default and switched on per area with
// QT_LOGGING_RULES, e.g. QT_LOGGING_RULES="paybridge.sync.*.debug=true".
namespace pb {

Q_DECLARE_LOGGING_CATEGORY(lcCore)          // paybridge.core
Q_DECLARE_LOGGING_CATEGORY(lcStore)         // paybridge.store
Q_DECLARE_LOGGING_CATEGORY(lcNet)           // paybridge.net
Q_DECLARE_LOGGING_CATEGORY(lcSync)          // paybridge.sync
Q_DECLARE_LOGGING_CATEGORY(lcSyncPaytrace)  // paybridge.sync.paytrace
Q_DECLARE_LOGGING_CATEGORY(lcSyncMagento)   // paybridge.sync.magento
Q_DECLARE_LOGGING_CATEGORY(lcSecurity)      // paybridge.security
Q_DECLARE_LOGGING_CATEGORY(lcUi)            // paybridge.ui
Q_DECLARE_LOGGING_CATEGORY(lcApp)           // paybridge.app
Q_DECLARE_LOGGING_CATEGORY(lcSandbox)       // paybridge.sandbox

} // namespace pb
