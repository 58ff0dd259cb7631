#pragma once

#include <QString>

namespace pb::log {

// Tags every log line written on this thread, while the scope lives, with a request id (the one
// the HTTP layer sends and the servers echo), so one request can be followed through the log.
// Scopes nest; the previous id is restored on destruction. The id is per thread: code that
// continues a request later (a reply slot) opens a new scope with the same id.
class RequestIdScope
{
public:
    explicit RequestIdScope(const QString &requestId);
    ~RequestIdScope();
    RequestIdScope(const RequestIdScope &) = delete;
    RequestIdScope &operator=(const RequestIdScope &) = delete;

    // The innermost id on the calling thread; empty outside any scope.
    static QString current();

private:
    QString m_previous;
};

} // namespace pb::log
