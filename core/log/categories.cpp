#include "log/categories.h"

namespace pb {

Q_LOGGING_CATEGORY(lcCore, "paybridge.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "paybridge.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNet, "paybridge.net", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSync, "paybridge.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSyncPaytrace, "paybridge.sync.paytrace", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSyncMagento, "paybridge.sync.magento", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSecurity, "paybridge.security", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "paybridge.ui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "paybridge.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSandbox, "paybridge.sandbox", QtInfoMsg)

} // namespace pb
