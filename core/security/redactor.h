#pragma once

// The redactor is implemented in the log library (every log line goes through it, and logging
// must not depend on the keychain); security code and callers use it under this name.
#include "log/redactor.h"

namespace pb::security {
using Redactor = pb::log::Redactor;
}
