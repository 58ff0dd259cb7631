#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>

typedef struct evp_pkey_st EVP_PKEY;

namespace pb::paytrace {

// Plain card data (PAN or CSC) held only in memory, for the moment it takes to encrypt it.
// Move-only; the buffer is overwritten (OPENSSL_cleanse) on destruction, on clear() and when
// moved from. Never converted to QString, never logged: there is deliberately no accessor
// other than view().
class SensitiveText
{
public:
    SensitiveText() = default;
    explicit SensitiveText(QByteArrayView text);
    // Takes the caller's text and wipes the caller's copy (e.g. a line read from a prompt).
    static SensitiveText takeFrom(QString *text);
    ~SensitiveText();

    SensitiveText(SensitiveText &&other) noexcept;
    SensitiveText &operator=(SensitiveText &&other) noexcept;
    SensitiveText(const SensitiveText &) = delete;
    SensitiveText &operator=(const SensitiveText &) = delete;

    QByteArrayView view() const { return QByteArrayView(m_data); }
    qsizetype size() const { return m_data.size(); }
    bool isEmpty() const { return m_data.isEmpty(); }
    void clear();

private:
    QByteArray m_data; // always detached: never shared with another QByteArray
};

// The e2ee card fields as they go on the wire (docs/paytrace.md §2.2, §3): Base64 ciphertexts plus
// the expiration date, which is not encrypted.
struct EncryptedCard
{
    QString encryptedNumber; // credit_card.encrypted_number
    QString encryptedCsc;    // top-level encrypted_csc; empty when no CSC was given
    int expirationMonth = 0; // 1..12
    int expirationYear = 0;  // 4 digits
};

// PayTrace end-to-end encryption: RSA PKCS#1 v1.5 under the merchant's public key, Base64
// (what paytrace-e2ee.js does through node-forge's default scheme).
class CardEncryptor
{
public:
    static constexpr int kMinimumBits = 2048;

    // A PEM "PUBLIC KEY" (SubjectPublicKeyInfo, what PayTrace's demo key uses); errors:
    // paytrace.e2ee.pem (unreadable), paytrace.e2ee.key_type (not RSA), paytrace.e2ee.key_size.
    static Result<CardEncryptor> fromPem(QByteArrayView pem);

    int keyBits() const;
    // Base64 of RSA-PKCS#1-v1.5(plain). Fresh random padding each call.
    Result<QString> encrypt(const SensitiveText &plain) const;
    // Checks the number (13-19 digits, Luhn), CSC (3-4 digits or empty) and expiration before
    // encrypting, so a typo is reported locally and nothing is sent. The errors name the field
    // but never contain the digits.
    Result<EncryptedCard> encryptCard(const SensitiveText &number, const SensitiveText &csc,
                                      int expirationMonth, int expirationYear) const;

private:
    explicit CardEncryptor(std::shared_ptr<EVP_PKEY> key) : m_key(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> m_key;
};

} // namespace pb::paytrace
