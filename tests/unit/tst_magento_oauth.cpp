// OAuth 1.0a signing. Expected signatures were computed outside this code base with
// `openssl dgst -sha1|-sha256 -hmac <key> -binary | base64` over base strings written by hand
// (the RFC 5849 §1.2 and Twitter "Creating a signature" examples, and a Magento-shaped request
// percent-encoded with Python's urllib.parse.quote).
#include "magento/oauth1.h"

#include <QTest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;
using pb::magento::OAuth1Credentials;
using pb::magento::OAuth1Signer;

namespace {

// Pulls name="value" pairs out of an OAuth header (values percent-decoded).
QMap<QString, QString> headerParams(const QByteArray &header)
{
    QMap<QString, QString> out;
    QByteArray rest = header;
    if (rest.startsWith("OAuth "))
        rest = rest.mid(6);
    for (const QByteArray &part : rest.split(',')) {
        const QByteArray p = part.trimmed();
        const qsizetype eq = p.indexOf('=');
        if (eq <= 0)
            continue;
        QByteArray v = p.mid(eq + 1);
        if (v.startsWith('"') && v.endsWith('"'))
            v = v.mid(1, v.size() - 2);
        out.insert(QString::fromLatin1(p.left(eq)), QUrl::fromPercentEncoding(v));
    }
    return out;
}

} // namespace

class TestMagentoOAuth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void encoding_data();
    void encoding();
    void normalizedUrl_data();
    void normalizedUrl();
    void rfc5849Example();
    void twitterExampleWithFormBody();
    void magentoSha256();
    void headerShape();
    void freshNonce();
};

void TestMagentoOAuth::encoding_data()
{
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    QTest::newRow("unreserved") << u"AZaz09-._~"_s << u"AZaz09-._~"_s;
    QTest::newRow("space") << u"a b"_s << u"a%20b"_s;
    QTest::newRow("plus") << u"a+b"_s << u"a%2Bb"_s;
    QTest::newRow("reserved") << u"=&/?:[]!*'()"_s << u"%3D%26%2F%3F%3A%5B%5D%21%2A%27%28%29"_s;
    QTest::newRow("percent") << u"100%"_s << u"100%25"_s;
    QTest::newRow("utf8") << u"\u00e9\u20ac"_s << u"%C3%A9%E2%82%AC"_s;
}

void TestMagentoOAuth::encoding()
{
    QFETCH(QString, in);
    QFETCH(QString, out);
    QCOMPARE(OAuth1Signer::percentEncode(in), out);
}

void TestMagentoOAuth::normalizedUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("normalized");
    QTest::newRow("https 443") << u"https://Shop.Example.COM:443/rest/V1/orders?x=1#f"_s << u"https://shop.example.com/rest/V1/orders"_s;
    QTest::newRow("http 80") << u"http://shop.example.com:80/rest"_s << u"http://shop.example.com/rest"_s;
    QTest::newRow("other port kept") << u"http://127.0.0.1:8080/magento/rest/V1/orders"_s << u"http://127.0.0.1:8080/magento/rest/V1/orders"_s;
    QTest::newRow("https on 80 kept") << u"https://h:80/p"_s << u"https://h:80/p"_s;
    QTest::newRow("empty path") << u"https://h"_s << u"https://h/"_s;
}

void TestMagentoOAuth::normalizedUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, normalized);
    QCOMPARE(OAuth1Signer::normalizedUrl(QUrl(url)), normalized);
}

void TestMagentoOAuth::rfc5849Example()
{
    // RFC 5849 §1.2. The RFC prints "MdpQcU8iPSUjWoN5UDK1hzD/Lvo=" for this request, which does
    // not match its own base string; the value below is HMAC-SHA1 of that base string by openssl.
    const QUrl url(u"http://photos.example.net/photos?file=vacation.jpg&size=original"_s);
    const pb::magento::QueryItems params{{u"oauth_consumer_key"_s, u"dpf43f3p2l4k3l03"_s},
                                         {u"oauth_token"_s, u"nnch734d00sl2jdk"_s},
                                         {u"oauth_signature_method"_s, u"HMAC-SHA1"_s},
                                         {u"oauth_timestamp"_s, u"137131202"_s},
                                         {u"oauth_nonce"_s, u"chapoH"_s},
                                         {u"file"_s, u"vacation.jpg"_s},
                                         {u"size"_s, u"original"_s}};
    const QString base = OAuth1Signer::baseString("get", url, params);
    QCOMPARE(base, u"GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"_s);
    QCOMPARE(OAuth1Signer::sign(OAuth1Signer::Method::HmacSha1, base, u"kd94hf93k423kf44"_s, u"pfkkdhi9sl3r4s00"_s),
             QByteArrayLiteral("MdpQcU8iPSUjWoN/UDMsK2sui9I="));

    // The same through the header builder.
    OAuth1Credentials cred{u"dpf43f3p2l4k3l03"_s, u"kd94hf93k423kf44"_s, u"nnch734d00sl2jdk"_s, u"pfkkdhi9sl3r4s00"_s};
    const QByteArray header = OAuth1Signer::authorizationHeader("GET", url, cred, OAuth1Signer::Method::HmacSha1,
                                                                {u"chapoH"_s, 137131202, false});
    QCOMPARE(headerParams(header).value(u"oauth_signature"_s), u"MdpQcU8iPSUjWoN/UDMsK2sui9I="_s);
}

void TestMagentoOAuth::twitterExampleWithFormBody()
{
    // Twitter developer documentation, "Creating a signature" (form body signed, version sent).
    const QUrl url(u"https://api.twitter.com/1.1/statuses/update.json?include_entities=true"_s);
    OAuth1Credentials cred{u"xvz1evFS4wEEPTGEFPHBog"_s, u"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"_s,
                           u"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"_s,
                           u"LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"_s};
    const QByteArray header = OAuth1Signer::authorizationHeader(
        "POST", url, cred, OAuth1Signer::Method::HmacSha1,
        {u"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"_s, 1318622958, true},
        {{u"status"_s, u"Hello Ladies + Gentlemen, a signed OAuth request!"_s}});
    const auto p = headerParams(header);
    QCOMPARE(p.value(u"oauth_signature"_s), u"hCtSmYh+iHYCEqBWrE7C7hYmtUk="_s);
    QCOMPARE(p.value(u"oauth_version"_s), u"1.0"_s);
    QVERIFY(!p.contains(u"status"_s)); // body parameters are signed, not sent in the header
}

void TestMagentoOAuth::magentoSha256()
{
    // Brackets and a space in the query, explicit default port, upper-case host, secrets with
    // reserved characters; HMAC-SHA256 as Magento 2.4.4+ requires.
    const QUrl url(u"https://Shop.Example.com:443/rest/default/V1/orders?searchCriteria%5BpageSize%5D=5&searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bvalue%5D=2024-05-01%2012%3A00%3A00"_s);
    OAuth1Credentials cred{u"ck1"_s, u"cs+1/="_s, u"tok"_s, u"ts&2"_s};
    const QByteArray header = OAuth1Signer::authorizationHeader("GET", url, cred, OAuth1Signer::Method::HmacSha256,
                                                                {u"n0nce~"_s, 1700000000, false});
    const auto p = headerParams(header);
    QCOMPARE(p.value(u"oauth_signature_method"_s), u"HMAC-SHA256"_s);
    QCOMPARE(p.value(u"oauth_signature"_s), u"oNDhvhBUIRhl7DM0lNeG0uX4EBHzg4OUtSfra6F6yRA="_s);
}

void TestMagentoOAuth::headerShape()
{
    OAuth1Credentials cred{u"ck"_s, u"cs"_s, u"tok"_s, u"ts"_s};
    const QByteArray header = OAuth1Signer::authorizationHeader("GET", QUrl(u"https://h/rest/V1/orders"_s), cred,
                                                                OAuth1Signer::Method::HmacSha256, {u"a b"_s, 5, false});
    QVERIFY(header.startsWith("OAuth "));
    QVERIFY(header.contains("oauth_nonce=\"a%20b\""));
    QVERIFY(header.contains("oauth_token=\"tok\""));
    QVERIFY(header.contains("oauth_consumer_key=\"ck\""));
    QVERIFY(!header.contains("oauth_version"));
    QVERIFY(!header.contains("cs")); // secrets never leave
    QVERIFY(!header.contains("\"ts\""));
    const auto p = headerParams(header);
    QCOMPARE(p.size(), 6);
    // Signature values are percent-encoded inside the quotes ('+', '/', '=').
    const QByteArray sig = header.mid(header.indexOf("oauth_signature=\""));
    QVERIFY(!sig.contains('+') && !sig.mid(17).contains('/'));
}

void TestMagentoOAuth::freshNonce()
{
    QSet<QString> nonces;
    for (int i = 0; i < 1000; ++i)
        nonces.insert(OAuth1Signer::newNonce());
    QCOMPARE(nonces.size(), 1000);
    QCOMPARE(OAuth1Signer::newNonce().size(), 32);
}

QTEST_GUILESS_MAIN(TestMagentoOAuth)
#include "tst_magento_oauth.moc"
