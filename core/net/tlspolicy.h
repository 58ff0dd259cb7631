#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <optional>

namespace pb::net {

// 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and "localhost".
bool isLoopbackHost(const QString &host);

// https is required for every host except loopback; http is allowed on loopback only (the
// sandbox and local tests). Anything else (no host, other schemes) is refused with an error
// that says what to change.
Status checkUrlPolicy(const QUrl &url);

// SHA-256 of the certificate's DER encoding (32 raw bytes).
QByteArray certificateSha256(const QSslCertificate &certificate);

// A pin as typed or stored: 64 hex digits, optionally separated by ':' or spaces, any case.
// Returns the 32 raw bytes, or nullopt when it is not a SHA-256 fingerprint.
std::optional<QByteArray> parsePin(QStringView text);

// The URL for logs: no user info, and values of query parameters whose names look secret
// (password, token, secret, signature, key, card number, csc, ...) replaced by "***".
QString redactUrl(const QUrl &url);

} // namespace pb::net
