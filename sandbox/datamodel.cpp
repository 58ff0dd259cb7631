#include "datamodel.h"

using namespace Qt::StringLiterals;

namespace pb::sandbox {

QString PayTraceCard::maskedNumber(bool includeBin) const
{
    const int length = brand == u"AMEX" ? 15 : 16;
    if (includeBin && bin.size() == 6)
        return bin + QString(length - 10, u'*') + last4;
    return QString(length - 4, u'*') + last4;
}

qint64 PayTraceTransaction::settlementAmount() const
{
    if (!approved || voided)
        return 0;
    switch (kind) {
    case PayTraceKind::Sale:
    case PayTraceKind::Refund:
        return amount;
    case PayTraceKind::Authorization:
        return capturedAmount.value_or(0);
    }
    return 0;
}

bool PayTraceTransaction::pendingSettlement() const
{
    return settledAt == 0 && settlementAmount() > 0;
}

} // namespace pb::sandbox
