#include "erp/journalsink.h"

using namespace Qt::StringLiterals;

namespace pb::erp {

net::ErrorClass errorClassOf(const Error &error)
{
    if (error.code == kErrTransient)
        return net::ErrorClass::Transient;
    if (error.code == kErrInDoubt)
        return net::ErrorClass::InDoubt;
    return net::ErrorClass::Permanent;
}

Error classifiedError(QStringView code, const Error &detail)
{
    Error e = detail;
    e.code = code.toString();
    if (!detail.code.isEmpty() && detail.code != e.code)
        e.message += u" ["_s + detail.code + u']';
    return e;
}

QStringView fileErrorClass(const Error &detail)
{
    if (detail.code.endsWith(u".locked"_s) || detail.code.endsWith(u".io"_s))
        return kErrTransient;
    return kErrPermanent;
}

} // namespace pb::erp
