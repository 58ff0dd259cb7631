#pragma once

#include <QString>
#include <QStringView>

namespace pb::log {

// Scrubs credentials and card data out of text before it is logged, shown or exported.
// It lives in the log library (the bottom layer) because every log line goes through it and
// logging must not depend on the keychain; security/redactor.h re-exports it as
// pb::security::Redactor.
//
// What it replaces:
//  - values of sensitive keys in JSON ("password": "..."; also JSON escaped inside a quoted
//    string, as QDebug prints it), form bodies and query strings (password=...&), header-like
//    and prose pairs (password: ...). A key is sensitive when it contains password, passwd,
//    passphrase, secret, token, signature, authorization, api_key, consumer_key, private_key or
//    credential, or when its last segment is a card field: csc, cvv, cvv2, cvc, cvc2,
//    encrypted_csc, encrypted_number, card_number, cc_number, pan, pin. Keys may be dotted
//    (paytrace.password) or bracketed (credit_card[csc], also percent-encoded).
//  - Authorization / Proxy-Authorization values (the scheme word is kept: "Bearer [redacted]"),
//    and "Bearer <token>" / "Basic <base64>" anywhere else;
//  - the user name and password in URLs (https://user:pass@host);
//  - card numbers: runs of 13 to 19 digits, optionally grouped with single spaces or dashes,
//    that pass the Luhn check, with every digit but the last four replaced by '*'. Shorter
//    runs, Luhn-invalid runs (order numbers, transaction ids) and ungrouped runs longer than 19
//    digits are left alone.
//
// Cheap when there is nothing to do: a line without trigger words and with fewer than 13
// digits costs one pre-compiled regex scan and one pass over its characters.
// All functions are reentrant and thread-safe.
class Redactor
{
public:
    static QString redact(const QString &text);

    static bool isSensitiveKey(QStringView key);
    // digits only (no separators)
    static bool luhnValid(QStringView digits);

    static QLatin1StringView mask() { return QLatin1StringView("[redacted]"); }
};

} // namespace pb::log
