#include "log/requestid.h"

namespace pb::log {

namespace {
thread_local QString t_requestId;
}

RequestIdScope::RequestIdScope(const QString &requestId)
    : m_previous(std::exchange(t_requestId, requestId))
{
}

RequestIdScope::~RequestIdScope()
{
    t_requestId = std::move(m_previous);
}

QString RequestIdScope::current()
{
    return t_requestId;
}

} // namespace pb::log
