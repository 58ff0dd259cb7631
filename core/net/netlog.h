#pragma once

#include "log/categories.h"

// The categories the network and client code logs to, under short local names.
namespace pb::net {
inline const QLoggingCategory &lcNet() { return pb::lcNet(); }
inline const QLoggingCategory &lcPayTrace() { return pb::lcSyncPaytrace(); }
inline const QLoggingCategory &lcMagento() { return pb::lcSyncMagento(); }
} // namespace pb::net
