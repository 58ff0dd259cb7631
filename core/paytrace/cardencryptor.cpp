#include "paytrace/cardencryptor.h"

#include <QDate>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

using namespace Qt::StringLiterals;

namespace pb::paytrace {

namespace {

void wipe(QByteArray *data)
{
    if (!data->isEmpty() && !data->isDetached())
        data->clear(); // shared: the other owner keeps its bytes; we only drop our reference
    if (!data->isEmpty())
        OPENSSL_cleanse(data->data(), size_t(data->size()));
    data->clear();
}

bool allDigits(QByteArrayView text)
{
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

bool luhnValid(QByteArrayView digits)
{
    int sum = 0;
    bool twice = false;
    for (qsizetype i = digits.size() - 1; i >= 0; --i) {
        int d = digits[i] - '0';
        if (twice) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

Error e2eeError(const char *code, const QString &field, const QString &message)
{
    return makeError(QString::fromLatin1(code), field, message);
}

} // namespace

SensitiveText::SensitiveText(QByteArrayView text)
{
    m_data.resize(text.size()); // own, unshared allocation
    if (!text.isEmpty())
        memcpy(m_data.data(), text.data(), size_t(text.size()));
}

SensitiveText SensitiveText::takeFrom(QString *text)
{
    QByteArray latin = text->toLatin1();
    SensitiveText out(latin);
    OPENSSL_cleanse(latin.data(), size_t(latin.size()));
    if (!text->isEmpty() && text->isDetached())
        OPENSSL_cleanse(text->data(), size_t(text->size()) * sizeof(QChar));
    text->clear();
    return out;
}

SensitiveText::~SensitiveText()
{
    wipe(&m_data);
}

SensitiveText::SensitiveText(SensitiveText &&other) noexcept
    : m_data(std::move(other.m_data))
{
    other.m_data = QByteArray();
}

SensitiveText &SensitiveText::operator=(SensitiveText &&other) noexcept
{
    if (this != &other) {
        wipe(&m_data);
        m_data = std::move(other.m_data);
        other.m_data = QByteArray();
    }
    return *this;
}

void SensitiveText::clear()
{
    wipe(&m_data);
}

Result<CardEncryptor> CardEncryptor::fromPem(QByteArrayView pem)
{
    const QString field = u"e2ee public key"_s;
    if (pem.isEmpty())
        return e2eeError("paytrace.e2ee.pem", field, u"the PEM text is empty"_s);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())), &BIO_free);
    EVP_PKEY *raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!raw)
        return e2eeError("paytrace.e2ee.pem", field,
                         u"not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")"_s);
    std::shared_ptr<EVP_PKEY> key(raw, &EVP_PKEY_free);
    if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA)
        return e2eeError("paytrace.e2ee.key_type", field, u"the key is not an RSA key"_s);
    const int bits = EVP_PKEY_get_bits(raw);
    if (bits < kMinimumBits)
        return e2eeError("paytrace.e2ee.key_size", field,
                         u"the RSA key has %1 bits; at least %2 are required"_s.arg(bits).arg(kMinimumBits));
    return CardEncryptor(std::move(key));
}

int CardEncryptor::keyBits() const
{
    return EVP_PKEY_get_bits(m_key.get());
}

Result<QString> CardEncryptor::encrypt(const SensitiveText &plain) const
{
    if (plain.isEmpty())
        return e2eeError("paytrace.e2ee.empty", u"card data"_s, u"nothing to encrypt"_s);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(m_key.get(), nullptr),
                                                                   &EVP_PKEY_CTX_free);
    const auto *in = reinterpret_cast<const unsigned char *>(plain.view().data());
    const size_t inLength = size_t(plain.size());
    size_t outLength = 0;
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_encrypt(ctx.get(), nullptr, &outLength, in, inLength) != 1)
        return e2eeError("paytrace.e2ee.encrypt", u"card data"_s, u"OpenSSL could not set up RSA encryption"_s);
    QByteArray out(qsizetype(outLength), '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &outLength, in, inLength) != 1)
        return e2eeError("paytrace.e2ee.encrypt", u"card data"_s, u"RSA encryption failed"_s);
    out.truncate(qsizetype(outLength));
    return QString::fromLatin1(out.toBase64());
}

Result<EncryptedCard> CardEncryptor::encryptCard(const SensitiveText &number, const SensitiveText &csc,
                                                 int expirationMonth, int expirationYear) const
{
    if (number.size() < 13 || number.size() > 19 || !allDigits(number.view()) || !luhnValid(number.view()))
        return e2eeError("paytrace.request.card_number", u"credit_card.number"_s,
                         u"the card number must be 13 to 19 digits with a valid check digit"_s);
    if (!csc.isEmpty() && (csc.size() < 3 || csc.size() > 4 || !allDigits(csc.view())))
        return e2eeError("paytrace.request.csc", u"csc"_s, u"the CSC must be 3 or 4 digits"_s);
    if (expirationMonth < 1 || expirationMonth > 12)
        return e2eeError("paytrace.request.expiration_month", u"credit_card.expiration_month"_s,
                         u"expiration month %1 is not 1 to 12"_s.arg(expirationMonth));
    if (expirationYear < 2000 || expirationYear > 2099)
        return e2eeError("paytrace.request.expiration_year", u"credit_card.expiration_year"_s,
                         u"expiration year %1 must have 4 digits (20xx)"_s.arg(expirationYear));
    EncryptedCard card;
    auto n = encrypt(number);
    if (!n)
        return n.error();
    card.encryptedNumber = n.value();
    if (!csc.isEmpty()) {
        auto c = encrypt(csc);
        if (!c)
            return c.error();
        card.encryptedCsc = c.value();
    }
    card.expirationMonth = expirationMonth;
    card.expirationYear = expirationYear;
    return card;
}

} // namespace pb::paytrace
