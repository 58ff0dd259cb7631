#pragma once

#include "util/result.h"

#include <QJsonValue>
#include <QString>

namespace pb::detail {

// The decimal text a person typed for a JSON number: its shortest round-trip form, so 51.88
// stays "51.88". A number needing more than 15 significant digits, or not finite, was not a
// typed amount and is an error naming `field`. The one place where an amount is a double, and
// only on its way to exact text (Money::fromJson, ExactAmount::fromJson).
Result<QString> jsonNumberText(const QJsonValue &number, const QString &field);

} // namespace pb::detail
