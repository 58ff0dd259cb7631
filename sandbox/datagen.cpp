#include "datagen.h"

#include "simutil.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <random>
#include <vector>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

// mt19937_64 is fully specified by the standard; the standard distributions are not, so the
// helpers below map raw draws themselves to keep data identical across standard libraries.
class Rng
{
public:
    explicit Rng(quint64 seed) : m_engine(seed) {}
    quint64 next() { return m_engine(); }
    qint64 range(qint64 lo, qint64 hi) // inclusive
    {
        if (hi <= lo)
            return lo;
        return lo + qint64(next() % quint64(hi - lo + 1));
    }
    bool percent(int p) { return range(0, 99) < p; }
    template<typename T, size_t N>
    const T &pick(const T (&array)[N]) { return array[size_t(range(0, qint64(N) - 1))]; }
    QString alnum(int length, bool lowerOnly)
    {
        static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        QString s;
        s.reserve(length);
        for (int i = 0; i < length; ++i)
            s.append(QLatin1Char(lowerOnly ? lower[range(0, 35)] : upper[range(0, 35)]));
        return s;
    }
    QString hex(int length)
    {
        static const char digits[] = "0123456789abcdef";
        QString s;
        for (int i = 0; i < length; ++i)
            s.append(QLatin1Char(digits[range(0, 15)]));
        return s;
    }

private:
    std::mt19937_64 m_engine;
};

qint64 pow10(int n)
{
    qint64 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

struct City
{
    QStringView city;
    QStringView region;
    QStringView regionCode; // empty: none
    int regionId;           // 0: none
    QStringView postPrefix;
    int taxBp;
};

struct Market
{
    QStringView currency;
    QStringView country;
    int weight;
    qint64 rateE4; // units of this currency per 1 USD, x 10^4
    const City *cities;
    int cityCount;
    QStringView phonePrefix;
    QStringView symbol;
};

const City kUsCities[] = {
    {u"Los Angeles", u"California", u"CA", 12, u"900", 950},
    {u"San Francisco", u"California", u"CA", 12, u"941", 863},
    {u"Seattle", u"Washington", u"WA", 62, u"981", 1025},
    {u"Portland", u"Oregon", u"OR", 49, u"972", 0},
    {u"Austin", u"Texas", u"TX", 57, u"787", 825},
    {u"New York", u"New York", u"NY", 43, u"100", 888},
    {u"Chicago", u"Illinois", u"IL", 23, u"606", 1025},
    {u"Denver", u"Colorado", u"CO", 13, u"802", 881},
    {u"Boston", u"Massachusetts", u"MA", 32, u"021", 625},
    {u"Miami", u"Florida", u"FL", 18, u"331", 700},
    {u"Phoenix", u"Arizona", u"AZ", 4, u"850", 860},
    {u"Atlanta", u"Georgia", u"GA", 19, u"303", 890},
    {u"Philadelphia", u"Pennsylvania", u"PA", 51, u"191", 800},
    {u"Minneapolis", u"Minnesota", u"MN", 34, u"554", 903},
    {u"Las Vegas", u"Nevada", u"NV", 39, u"891", 838},
};
const City kCaCities[] = {
    {u"Toronto", u"Ontario", u"ON", 74, u"M5V", 0},
    {u"Vancouver", u"British Columbia", u"BC", 67, u"V6B", 0},
    {u"Montreal", u"Quebec", u"QC", 76, u"H2X", 0},
};
const City kDeCities[] = {
    {u"Berlin", u"Berlin", u"", 0, u"101", 0},
    {u"Munich", u"Bayern", u"", 0, u"803", 0},
};
const City kFrCities[] = {
    {u"Paris", u"Paris", u"", 0, u"750", 0},
    {u"Lyon", u"Rhone", u"", 0, u"690", 0},
};
const City kGbCities[] = {
    {u"London", u"London", u"", 0, u"SW1A", 0},
    {u"Manchester", u"Greater Manchester", u"", 0, u"M1", 0},
};
const City kAuCities[] = {
    {u"Sydney", u"New South Wales", u"NSW", 0, u"20", 0},
    {u"Melbourne", u"Victoria", u"VIC", 0, u"30", 0},
};
const City kJpCities[] = {
    {u"Tokyo", u"Tokyo", u"", 0, u"100", 0},
    {u"Osaka", u"Osaka", u"", 0, u"530", 0},
};

const Market kMarkets[] = {
    {u"USD", u"US", 85, 10000, kUsCities, int(std::size(kUsCities)), u"(555) ", u"$"},
    {u"CAD", u"CA", 5, 13642, kCaCities, int(std::size(kCaCities)), u"+1 416 555 ", u"CA$"},
    {u"EUR", u"DE", 2, 9215, kDeCities, int(std::size(kDeCities)), u"+49 30 5550 ", u"\u20ac"},
    {u"EUR", u"FR", 2, 9215, kFrCities, int(std::size(kFrCities)), u"+33 1 5550 ", u"\u20ac"},
    {u"GBP", u"GB", 3, 7893, kGbCities, int(std::size(kGbCities)), u"+44 20 7946 ", u"\u00a3"},
    {u"AUD", u"AU", 2, 15310, kAuCities, int(std::size(kAuCities)), u"+61 2 5550 ", u"A$"},
    {u"JPY", u"JP", 1, 1498200, kJpCities, int(std::size(kJpCities)), u"+81 3 5550 ", u"\u00a5"},
};

struct Product
{
    QStringView sku;
    QStringView name;
    qint64 priceUsdCents;
    qint64 productId;
    qint64 weightGrams;
    bool isVirtual;
};

const Product kCatalog[] = {
    {u"PB-TOTE-NAT", u"Canvas Market Tote", 2400, 101, 400, false},
    {u"PB-SOCK-MER-M", u"Merino Trail Socks M", 1850, 102, 150, false},
    {u"PB-SOCK-MER-L", u"Merino Trail Socks L", 1850, 103, 150, false},
    {u"PB-MUG-ENM", u"Enamel Camp Mug", 1599, 104, 300, false},
    {u"PB-BOTTLE-750", u"Insulated Bottle 750 ml", 3495, 105, 450, false},
    {u"PB-JKT-RAIN-S", u"Packable Rain Jacket S", 11900, 106, 380, false},
    {u"PB-JKT-RAIN-M", u"Packable Rain Jacket M", 11900, 107, 390, false},
    {u"PB-TEE-ORG-M", u"Organic Cotton Tee M", 2900, 108, 200, false},
    {u"PB-TEE-ORG-L", u"Organic Cotton Tee L", 2900, 109, 210, false},
    {u"PB-CAP-WAX", u"Waxed Canvas Cap", 3200, 110, 120, false},
    {u"PB-LAMP-USB", u"Rechargeable Camp Lantern", 4588, 111, 500, false},
    {u"PB-BLNK-WOOL", u"Wool Picnic Blanket", 8900, 112, 1400, false},
    {u"PB-KNIFE-FLD", u"Folding Pocket Knife", 5200, 113, 110, false},
    {u"PB-MAP-NP", u"National Parks Map Set", 1999, 114, 250, false},
    {u"PB-GIFT-50", u"Gift Card 50", 5000, 115, 0, true},
    {u"PB-EBOOK-TRAIL", u"Trail Cooking (e-book)", 1299, 116, 0, true},
    {u"PB-PACK-28L", u"Daypack 28 L", 9800, 117, 900, false},
    {u"PB-STOVE-MINI", u"Mini Backpacking Stove", 3999, 118, 95, false},
    {u"PB-TENT-2P", u"Two-Person Tent", 27900, 119, 2100, false},
    {u"PB-GLOVE-FLC", u"Fleece Gloves", 2250, 120, 90, false},
};

const QStringView kFirstNames[] = {
    u"Olivia", u"Liam", u"Emma", u"Noah", u"Ava", u"Mateo", u"Sophia", u"Lucas", u"Mia", u"Ethan",
    u"Isabella", u"Aiden", u"Amara", u"Kenji", u"Chloe", u"Diego", u"Fatima", u"Henrik", u"Grace",
    u"Ravi", u"Zoe", u"Tomasz", u"Leila", u"Owen", u"Nadia", u"Samuel", u"Hana", u"Marco", u"Ines",
    u"Jonas", u"Priya", u"Caleb", u"Elena", u"Felix", u"Maya", u"Andr\u00e9", u"Chiara", u"Malik",
};
const QStringView kLastNames[] = {
    u"Nguyen", u"Smith", u"Garcia", u"Johnson", u"M\u00fcller", u"Brown", u"Okafor", u"Tanaka",
    u"Williams", u"Rossi", u"Kowalski", u"Martin", u"Hern\u00e1ndez", u"O'Brien", u"Dubois",
    u"Patel", u"Andersen", u"Kim", u"Lopez", u"Schmidt", u"Cohen", u"Silva", u"Walker", u"Ito",
    u"Novak", u"Haddad", u"Fischer", u"Clarke", u"Moreau", u"Jensen",
};
const QStringView kStreets[] = {
    u"Main St", u"Oak Ave", u"Maple Dr", u"Cedar Ln", u"Pine St", u"Elm St", u"Harbor Blvd",
    u"Sunset Blvd", u"Lake Shore Dr", u"Mission St", u"Broadway", u"Park Ave", u"Market St",
    u"Hillcrest Rd", u"River Rd", u"Willow Way", u"Station Rd", u"High St", u"Queen St",
};

struct CardBrand
{
    QStringView brand;
    QStringView magentoType;
    QStringView bin;
    int weight;
};
const CardBrand kBrands[] = {
    {u"VISA", u"VI", u"401200", 55},
    {u"MASTERCARD", u"MC", u"549974", 30},
    {u"AMEX", u"AE", u"371449", 8},
    {u"DISCOVER", u"DI", u"601100", 7},
};

struct Customer
{
    qint64 id = 0; // 0: guest
    QString first;
    QString last;
    QString email;
    MagentoAddress address;
    int market = 0;
    qint64 groupId = 0;
    QString vaultId;
    PayTraceCard card;
    int brand = 0;
};

enum class Scenario {
    SaleShipped,
    SaleUnshipped,
    AuthCaptured,
    AuthOpen,
    DeclinedThenApproved,
    DeclinedCanceled,
    AuthVoided,
    SaleVoided,
    RefundFull,
    RefundPartial,
    PaymentReview,
    Holded,
    // offline methods
    OfflinePending,
    OfflineProcessing,
    OfflineComplete,
    OfflineCanceled,
    OfflineClosed,
    OfflineHolded,
};

struct Weighted
{
    Scenario scenario;
    int weight;
};
const Weighted kPayTraceScenarios[] = {
    {Scenario::SaleShipped, 28},    {Scenario::SaleUnshipped, 8},  {Scenario::AuthCaptured, 15},
    {Scenario::AuthOpen, 7},        {Scenario::DeclinedThenApproved, 7},
    {Scenario::DeclinedCanceled, 2}, {Scenario::AuthVoided, 5},    {Scenario::SaleVoided, 2},
    {Scenario::RefundFull, 6},      {Scenario::RefundPartial, 5},  {Scenario::PaymentReview, 3},
    {Scenario::Holded, 3},
};
const Weighted kOfflineScenarios[] = {
    {Scenario::OfflinePending, 30}, {Scenario::OfflineProcessing, 20},
    {Scenario::OfflineComplete, 28}, {Scenario::OfflineCanceled, 10},
    {Scenario::OfflineClosed, 6},   {Scenario::OfflineHolded, 6},
};

template<size_t N>
Scenario pickScenario(Rng &rng, const Weighted (&table)[N])
{
    int total = 0;
    for (const auto &w : table)
        total += w.weight;
    qint64 roll = rng.range(0, total - 1);
    for (const auto &w : table) {
        if (roll < w.weight)
            return w.scenario;
        roll -= w.weight;
    }
    return table[0].scenario;
}

int pickMarket(Rng &rng)
{
    int total = 0;
    for (const auto &m : kMarkets)
        total += m.weight;
    qint64 roll = rng.range(0, total - 1);
    for (int i = 0; i < int(std::size(kMarkets)); ++i) {
        if (roll < kMarkets[i].weight)
            return i;
        roll -= kMarkets[i].weight;
    }
    return 0;
}

int pickBrand(Rng &rng)
{
    qint64 roll = rng.range(0, 99);
    for (int i = 0; i < int(std::size(kBrands)); ++i) {
        if (roll < kBrands[i].weight)
            return i;
        roll -= kBrands[i].weight;
    }
    return 0;
}

QString postcodeFor(Rng &rng, const Market &market, const City &city)
{
    const QString prefix = city.postPrefix.toString();
    if (market.country == u"US")
        return prefix + QString::number(rng.range(0, 99)).rightJustified(2, u'0');
    if (market.country == u"CA")
        return prefix + u' ' + QString::number(rng.range(1, 9)) + QChar(char16_t(u'A' + rng.range(0, 25)))
            + QString::number(rng.range(1, 9));
    if (market.country == u"GB")
        return prefix + u' ' + QString::number(rng.range(1, 9)) + QChar(char16_t(u'A' + rng.range(0, 25)))
            + QChar(char16_t(u'A' + rng.range(0, 25)));
    if (market.country == u"JP")
        return prefix + u'-' + QString::number(rng.range(0, 9999)).rightJustified(4, u'0');
    if (market.country == u"AU")
        return prefix + QString::number(rng.range(0, 99)).rightJustified(2, u'0');
    return prefix + QString::number(rng.range(0, 99)).rightJustified(2, u'0');
}

Customer makeCustomer(Rng &rng, qint64 id, int marketIndex)
{
    const Market &market = kMarkets[marketIndex];
    const City &city = market.cities[rng.range(0, market.cityCount - 1)];
    Customer c;
    c.id = id;
    c.market = marketIndex;
    c.first = rng.pick(kFirstNames).toString();
    c.last = rng.pick(kLastNames).toString();
    static const QStringView domains[] = {u"example.com", u"example.net", u"example.org"};
    QString local = (c.first + u'.' + c.last).toLower();
    local.remove(u'\'');
    // Keep e-mail addresses ASCII: strip accents the simple way.
    local = local.normalized(QString::NormalizationForm_D);
    QString ascii;
    for (QChar ch : std::as_const(local)) {
        if (ch.unicode() < 0x80)
            ascii.append(ch);
    }
    c.email = ascii + QString::number(rng.range(1, 999)) + u'@' + rng.pick(domains).toString();
    c.groupId = id == 0 ? 0 : 1;
    MagentoAddress &a = c.address;
    a.firstname = c.first;
    a.lastname = c.last;
    a.street = QStringList{QString::number(rng.range(10, 9899)) + u' ' + rng.pick(kStreets).toString()};
    if (rng.percent(15))
        a.street.append(u"Apt "_s + QString::number(rng.range(1, 40)));
    if (rng.percent(10))
        a.company = c.last + u" Outfitters"_s;
    a.city = city.city.toString();
    a.region = city.region.toString();
    a.regionCode = city.regionCode.toString();
    a.regionId = city.regionId;
    a.postcode = postcodeFor(rng, market, city);
    a.countryId = market.country.toString();
    a.telephone = market.phonePrefix.toString() + QString::number(rng.range(100, 999)) + u'-'
        + QString::number(rng.range(1000, 9999));
    a.email = c.email;
    c.brand = pickBrand(rng);
    c.card.brand = kBrands[c.brand].brand.toString();
    c.card.bin = kBrands[c.brand].bin.toString();
    c.card.last4 = QString::number(rng.range(0, 9999)).rightJustified(4, u'0');
    c.card.expirationMonth = int(rng.range(1, 12));
    c.card.expirationYear = 0; // set relative to the order date
    return c;
}

int cityTaxBp(const MagentoAddress &address)
{
    for (const City &city : kUsCities) {
        if (address.countryId == u"US" && city.city == address.city)
            return city.taxBp;
    }
    return 0;
}

PayTraceAddress paytraceAddress(const MagentoAddress &a)
{
    PayTraceAddress p;
    p.name = a.firstname + u' ' + a.lastname;
    p.streetAddress = a.street.value(0);
    p.streetAddress2 = a.street.value(1);
    p.city = a.city;
    p.state = a.regionCode;
    p.zip = a.postcode;
    p.country = a.countryId;
    return p;
}

int yearOf(qint64 utcSecs)
{
    int y, m, d;
    civilFromDays(floorDiv(utcSecs, 86400), &y, &m, &d);
    return y;
}

// A pending history entry; %TX% in the comment is replaced by a transaction id once ids exist.
struct Event
{
    qint64 at = 0;
    QString status;
    QString comment;
    int txRef = -1;
    int notify = 0;
    bool history = true;
};

// ---- the PayTrace vault (issue 15) ---------------------------------------------------------------

// Untidy text as merchants' staff type it into the PayTrace virtual terminal.
QString padded(Rng &rng, const QString &text, int percent)
{
    if (text.isEmpty() || !rng.percent(percent))
        return text;
    if (rng.percent(50))
        return text + u' ';
    return u' ' + text + u"  "_s;
}

QString untidyPhone(Rng &rng, const QString &phone)
{
    QString digits;
    for (QChar c : phone) {
        if (c.isDigit())
            digits.append(c);
    }
    if (digits.size() != 10)
        return phone;
    switch (rng.range(0, 9)) {
    case 0: return {};
    case 1: return digits;
    case 2: return digits.left(3) + u'.' + digits.mid(3, 3) + u'.' + digits.right(4);
    case 3: return u"+1 "_s + digits.left(3) + u'-' + digits.mid(3, 3) + u'-' + digits.right(4);
    case 4: return u' ' + digits.left(3) + u'-' + digits.mid(3, 3) + u'-' + digits.right(4) + u' ';
    default: return phone;
    }
}

// The same address with other capitals or stray spaces: still the customer's, but not byte-equal.
QString emailVariant(Rng &rng, const QString &email)
{
    switch (rng.range(0, 2)) {
    case 0: return email.toUpper();
    case 1: return u' ' + email.left(1).toUpper() + email.mid(1) + u' ';
    default: return email.section(u'@', 0, 0) + u'@' + email.section(u'@', 1).toUpper();
    }
}

// Month `offset` months after (year, month).
void addMonths(int year, int month, int offset, int *outYear, int *outMonth)
{
    const int index = year * 12 + (month - 1) + offset;
    *outYear = index / 12;
    *outMonth = index % 12 + 1;
}

// Vault profiles as a merchant's account holds them, from a stream of their own so the orders stay
// what the seed gave before: about a third of the Magento customers who ordered have a profile
// (the card on file); some carry the link as the Magento attribute, some use the "mage-<id>" id
// template, the rest are matchable by e-mail only (sometimes in other capitals or with spaces), a
// few by nothing (another e-mail). Some profiles have no Magento customer at all (phone orders).
// Expiry: about one card in twelve has expired, one expires this month and one next month, the
// rest later; the first profile never has an expired card (tests charge it).
void addVault(GeneratedData *out, const std::vector<std::vector<Customer>> &pools,
              const QHash<qint64, QList<int>> &ordersOf, quint64 seed, qint64 now)
{
    Rng rng(seed * 0xBF58476D1CE4E5B9ULL + 0x7F4A7C15ULL);
    int nowYear, nowMonth, nowDay;
    civilFromDays(floorDiv(now, 86400), &nowYear, &nowMonth, &nowDay);

    QHash<qint64, const Customer *> poolById;
    for (const auto &pool : pools) {
        for (const Customer &c : pool)
            poolById.insert(c.id, &c);
    }
    QList<qint64> magentoIds = ordersOf.keys();
    std::sort(magentoIds.begin(), magentoIds.end());
    // The customer record's e-mail is the newest order's (MagentoSales::seed).
    const auto currentEmail = [&](qint64 id) { return out->orders[ordersOf.value(id).last()].customerEmail; };

    struct Owned
    {
        int profile;       // index into out->customers
        qint64 magentoId;  // 0: no Magento customer
    };
    QList<Owned> linked;
    QSet<QString> usedIds;
    QSet<qint64> haveProfile;
    for (int i = 0; i < int(out->customers.size()); ++i) {
        usedIds.insert(out->customers[i].customerId);
        const qint64 owner = out->customers[i].customerId.toLongLong() - 1733400000;
        if (ordersOf.contains(owner)) {
            linked.append({i, owner});
            haveProfile.insert(owner);
        }
    }
    // Selection sampling: exactly `needed` more of the customers without a profile.
    QList<qint64> candidates;
    for (qint64 id : std::as_const(magentoIds)) {
        if (!haveProfile.contains(id))
            candidates.append(id);
    }
    qsizetype needed = std::max<qsizetype>(0, magentoIds.size() / 3 - linked.size());
    for (qsizetype k = 0; k < candidates.size() && needed > 0; ++k) {
        if (rng.range(0, candidates.size() - k - 1) >= needed)
            continue;
        --needed;
        const qint64 id = candidates[k];
        const Customer *c = poolById.value(id);
        if (!c)
            continue;
        PayTraceCustomer v;
        v.customerId = rng.percent(20) ? u"mage-"_s + QString::number(id) : QString::number(1733400000 + id);
        if (usedIds.contains(v.customerId))
            continue;
        usedIds.insert(v.customerId);
        v.card = c->card;
        v.billing = paytraceAddress(c->address);
        v.shipping = v.billing;
        v.email = currentEmail(id);
        v.phone = c->address.telephone;
        v.createdAt = now - 30 * 86400 - 86400 * rng.range(1, 600);
        linked.append({int(out->customers.size()), id});
        out->customers.append(v);
    }

    // Link classes, spread over the profiles in a seeded order.
    QList<int> order(linked.size());
    for (int k = 0; k < linked.size(); ++k)
        order[k] = k;
    for (int k = int(order.size()) - 1; k > 0; --k)
        std::swap(order[k], order[int(rng.range(0, k))]);
    for (int rank = 0; rank < order.size(); ++rank) {
        const Owned &o = linked[order[rank]];
        PayTraceCustomer &v = out->customers[o.profile];
        const QString email = currentEmail(o.magentoId);
        const bool templated = v.customerId.startsWith(u"mage-"_s);
        switch (rank % 10) {
        case 0: case 1: case 2: // linked through the Magento attribute
            v.email = email;
            out->customerVaultLinks.append({o.magentoId, v.customerId});
            break;
        case 3: // linked, but the vault kept an older e-mail
            v.email = email.section(u'@', 0, 0) + u"@oldmail.example"_s;
            out->customerVaultLinks.append({o.magentoId, v.customerId});
            break;
        case 4: case 5: // the same e-mail typed differently
            v.email = emailVariant(rng, email);
            break;
        case 9: // nothing to match by, unless the id follows the template
            if (!templated) {
                v.email = email.section(u'@', 0, 0) + u"@work.example"_s;
                break;
            }
            [[fallthrough]];
        default:
            v.email = email;
            break;
        }
    }
    std::sort(out->customerVaultLinks.begin(), out->customerVaultLinks.end());

    // Phone-order customers: profiles with no Magento customer.
    const int orphans = std::max<int>(2, int(linked.size() / 5));
    static const QStringView names[] = {u"Harold Finch", u"Maria Gomez", u"Tom Becker", u"Aiko Tanaka",
                                        u"Ruth Okafor", u"Sam Lindqvist", u"Peter Novak", u"Lena Fischer"};
    for (int k = 0; k < orphans; ++k) {
        PayTraceCustomer v;
        v.customerId = k % 2 == 0 ? u"PHONE-"_s + QString::number(100 + k) : QString::number(1733500000 + rng.range(1000, 9999) * 10 + k);
        if (usedIds.contains(v.customerId))
            continue;
        usedIds.insert(v.customerId);
        const QString name = rng.pick(names).toString();
        const int brand = int(rng.range(0, 3));
        v.card.brand = kBrands[brand].brand.toString();
        v.card.bin = kBrands[brand].bin.toString();
        v.card.last4 = QString::number(rng.range(0, 9999)).rightJustified(4, u'0');
        v.billing.name = name;
        v.billing.streetAddress = QString::number(rng.range(10, 9899)) + u' ' + rng.pick(kStreets).toString();
        v.billing.city = u"Portland"_s;
        v.billing.state = u"OR"_s;
        v.billing.zip = u"972"_s + QString::number(rng.range(0, 99)).rightJustified(2, u'0');
        v.billing.country = u"US"_s;
        v.shipping = v.billing;
        v.email = rng.percent(50) ? QString() : name.toLower().replace(u' ', u'.') + u"@phone.example"_s;
        v.phone = u"(503) "_s + QString::number(rng.range(200, 999)) + u'-' + QString::number(rng.range(1000, 9999));
        v.createdAt = now - 30 * 86400 - 86400 * rng.range(1, 900);
        out->customers.append(v);
    }

    // Expiry relative to the sandbox clock, and the untidy fields real exports have.
    for (int i = 0; i < int(out->customers.size()); ++i) {
        PayTraceCustomer &v = out->customers[i];
        int category = i % 12;           // 0 expired, 1 this month, 2 next month, else later
        if (i == 0 && category == 0)
            category = 3;
        int y = 0, m = 0;
        if (category == 0)
            addMonths(nowYear, nowMonth, -int(rng.range(1, 14)), &y, &m);
        else if (category == 1)
            addMonths(nowYear, nowMonth, 0, &y, &m);
        else if (category == 2)
            addMonths(nowYear, nowMonth, 1, &y, &m);
        else
            addMonths(nowYear, nowMonth, int(rng.range(2, 48)), &y, &m);
        v.card.expirationYear = y;
        v.card.expirationMonth = m;
        v.billing.name = padded(rng, v.billing.name, 15);
        v.billing.streetAddress = padded(rng, v.billing.streetAddress, 10);
        if (rng.percent(8))
            v.billing.zip = v.billing.zip + u'-' + QString::number(rng.range(0, 9999)).rightJustified(4, u'0');
        if (rng.percent(5))
            v.billing.state = v.billing.state.toLower();
        if (rng.percent(10))
            v.billing.country.clear();
        v.phone = untidyPhone(rng, v.phone);
    }

    // Some earlier sales of the new profiles' customers were charged by customer id.
    QHash<QString, QString> vaultOfInvoice;
    for (const Owned &o : std::as_const(linked)) {
        const PayTraceCustomer &v = out->customers[o.profile];
        if (rng.percent(50)) {
            for (int idx : ordersOf.value(o.magentoId))
                vaultOfInvoice.insert(out->orders[idx].incrementId, v.customerId);
        }
    }
    for (PayTraceTransaction &t : out->transactions) {
        if (t.customerId.isEmpty() && t.kind != PayTraceKind::Refund) {
            const auto it = vaultOfInvoice.constFind(t.invoiceId);
            if (it != vaultOfInvoice.cend())
                t.customerId = *it;
        }
    }
}

} // namespace

SandboxCredentials generateCredentials(quint64 seed)
{
    Rng rng(seed * 0xD1B54A32D192ED03ULL + 0xC0FFEE);
    SandboxCredentials c;
    c.paytraceUsername = u"sandbox_api_"_s + rng.alnum(6, true);
    c.paytracePassword = rng.alnum(20, false);
    c.magentoConsumerKey = rng.alnum(32, true);
    c.magentoConsumerSecret = rng.alnum(32, true);
    c.magentoAccessToken = rng.alnum(32, true);
    c.magentoAccessTokenSecret = rng.alnum(32, true);
    return c;
}

GeneratedData generateData(const GeneratorOptions &options)
{
    Rng rng(options.seed * 0x9E3779B97F4A7C15ULL + 0x5A4DB0C5ULL);
    GeneratedData out;
    const int count = std::max(0, options.orders);
    const qint64 now = options.nowSecs;
    const qint64 latest = now - 60; // nothing happens in the last minute before start
    const qint64 span = 30 * 86400;
    const int closeHour = options.batchCloseHour;
    const QString fromIp = u"203.0.113."_s + QString::number(10 + options.seed % 200);

    std::vector<qint64> createdTimes(static_cast<size_t>(count));
    for (auto &t : createdTimes)
        t = now - span + rng.range(0, span - 15 * 60);
    std::sort(createdTimes.begin(), createdTimes.end());

    // Registered customers per market; about a third of orders come from guests.
    std::vector<std::vector<Customer>> pools(std::size(kMarkets));
    qint64 nextCustomerId = 1;
    for (int m = 0; m < int(std::size(kMarkets)); ++m) {
        const int size = std::max(2, count * kMarkets[m].weight / 100 / 3 + 1);
        for (int k = 0; k < size; ++k) {
            Customer c = makeCustomer(rng, nextCustomerId++, m);
            if (kMarkets[m].currency == u"USD" && rng.percent(20))
                c.vaultId = QString::number(1733400000 + c.id);
            pools[size_t(m)].push_back(c);
        }
    }
    for (const auto &pool : pools) {
        for (const Customer &c : pool) {
            if (c.vaultId.isEmpty())
                continue;
            PayTraceCustomer v;
            v.customerId = c.vaultId;
            v.card = c.card;
            v.card.expirationYear = yearOf(now) + 3;
            v.billing = paytraceAddress(c.address);
            v.shipping = v.billing;
            v.email = c.email;
            v.phone = c.address.telephone;
            v.createdAt = now - span - 86400 * rng.range(1, 300);
            out.customers.append(v);
        }
    }

    std::vector<PayTraceTransaction> txs; // temporary: index = provisional id
    struct OrderRefs
    {
        int lastTx = -1;
        QList<Event> events;
    };
    std::vector<OrderRefs> refs(static_cast<size_t>(count));

    qint64 nextItemId = 1;
    qint64 nextAddressId = 1;
    qint64 nextPaymentId = 1;
    // What real stores add (issue 13) is drawn from its own stream, so the tidy base of every
    // order (customer, lines, story) stays what the seed gave before.
    Rng mess(options.seed * 0xA24BAED4963EE407ULL + 0x9FB21C65ULL);
    for (int i = 0; i < count; ++i) {
        const qint64 created = createdTimes[size_t(i)];
        const int marketIndex = pickMarket(rng);
        const Market &market = kMarkets[marketIndex];
        const bool viaPayTrace = market.currency == u"USD";
        Customer customer;
        const auto &pool = pools[size_t(marketIndex)];
        if (rng.percent(35) || pool.empty())
            customer = makeCustomer(rng, 0, marketIndex);
        else
            customer = pool[size_t(rng.range(0, qint64(pool.size()) - 1))];
        if (customer.id == 0)
            customer.card.expirationMonth = int(rng.range(1, 12));
        customer.card.expirationYear = yearOf(created) + int(rng.range(1, 5));

        MagentoOrder o;
        o.entityId = i + 1;
        o.incrementId = QString::number(o.entityId).rightJustified(9, u'0');
        o.quoteId = 1000 + o.entityId * 3 + rng.range(0, 2);
        o.protectCode = rng.hex(6);
        o.orderCurrencyCode = market.currency.toString();
        o.baseCurrencyCode = u"USD"_s;
        o.exponent = currencyExponent(o.orderCurrencyCode);
        o.baseExponent = 2;
        o.baseToOrderRateE4 = market.rateE4;
        // Card orders shown in a display currency over the USD base; the card is charged the base
        // amount. Fixed positions so every data set of 20+ orders has some.
        if (viaPayTrace && (i % 20 == 3 || i % 20 == 11 || i % 40 == 27)) {
            const int display = i % 40 == 27 ? 6 : (i % 20 == 3 ? 2 : 4); // JPY, EUR, GBP
            o.orderCurrencyCode = kMarkets[display].currency.toString();
            o.baseToOrderRateE4 = kMarkets[display].rateE4;
            o.exponent = currencyExponent(o.orderCurrencyCode);
            // Magento rounds converted prices to 2 decimals whatever the currency: fractional yen.
            if (i == 27)
                o.exponent = 2;
        }
        // Catalog prices entered with tax: item prices keep 4 decimals (decimal(20,4)).
        const bool taxInclusive = viaPayTrace && o.orderCurrencyCode == u"USD" && i % 10 == 5
            && cityTaxBp(customer.address) > 0;
        if (taxInclusive)
            o.exponent = o.baseExponent = 4;
        o.decimalText = i % 16 == 6;
        o.customerEmail = customer.email;
        o.customerFirstname = customer.first;
        o.customerLastname = customer.last;
        o.customerId = customer.id;
        o.customerGroupId = customer.groupId;
        o.createdAt = created;
        o.remoteIp = u"198.51.100."_s + QString::number(rng.range(2, 254));
        o.shippingMethod = u"flatrate_flatrate"_s;
        o.shippingDescription = u"Flat Rate - Fixed"_s;

        const auto toOrderCurrency = [&](qint64 usdCents) {
            return mulDivRound(usdCents, o.baseToOrderRateE4 * pow10(o.exponent), 10000 * 100);
        };
        const auto toBase = [&](qint64 minor) {
            return mulDivRound(minor, pow10(o.baseExponent - o.exponent) * 10000, o.baseToOrderRateE4);
        };

        // Lines: 1-4 distinct products.
        const int lines = int(rng.range(1, 100) <= 55 ? 1 : rng.range(2, 4));
        std::vector<int> chosen;
        while (int(chosen.size()) < lines) {
            const int p = int(rng.range(0, qint64(std::size(kCatalog)) - 1));
            if (std::find(chosen.begin(), chosen.end(), p) == chosen.end())
                chosen.push_back(p);
        }
        const bool coupon = rng.percent(12) && !taxInclusive;
        const int taxBp = viaPayTrace ? cityTaxBp(customer.address) : 0;
        bool allVirtual = true;
        qint64 weight = 0;
        for (int p : chosen) {
            const Product &product = kCatalog[p];
            MagentoOrderItem item;
            item.itemId = nextItemId++;
            item.productId = product.productId;
            item.sku = product.sku.toString();
            item.name = product.name.toString();
            item.isVirtual = product.isVirtual;
            item.productType = product.isVirtual ? u"virtual"_s : u"simple"_s;
            if (product.sku == u"PB-EBOOK-TRAIL")
                item.productType = u"downloadable"_s;
            // Configurable (size variants) and fixed-price bundle lines: the parent row has the
            // price, child rows follow with price 0.
            const qint64 kindRoll = product.isVirtual ? 99 : mess.range(0, 99);
            const bool configurable = kindRoll < 22;
            const bool bundle = kindRoll >= 22 && kindRoll < 32;
            qint64 catalogCents = product.priceUsdCents;
            const Product &extra = kCatalog[(p + 3) % 14]; // the bundle's second product
            if (configurable) {
                item.productType = u"configurable"_s;
                item.sku = product.sku.toString().section(u'-', 0, 2);
                item.productId = product.productId + 500;
                item.productOption = R"({"extension_attributes":{"configurable_item_options":[{"option_id":"93","option_value":)"
                    + QByteArray::number(160 + product.productId % 7) + "}]}}";
            } else if (bundle) {
                item.productType = u"bundle"_s;
                item.sku = u"PB-KIT-"_s + QString::number(product.productId);
                item.name = product.name.toString() + u" Kit"_s;
                item.productId = product.productId + 800;
                catalogCents = (product.priceUsdCents + extra.priceUsdCents) * 9 / 10;
                item.productOption = R"({"extension_attributes":{"bundle_options":[{"option_id":1,"option_qty":1,"option_selections":[)"
                    + QByteArray::number(product.productId) + "]},{\"option_id\":2,\"option_qty\":1,\"option_selections\":["
                    + QByteArray::number(extra.productId) + "]}]}}";
            }
            item.weightGrams = product.weightGrams;
            item.qtyOrdered = rng.percent(75) ? 1 : rng.range(2, 3);
            item.price = toOrderCurrency(catalogCents);
            item.originalPrice = item.price;
            item.basePrice = toBase(item.price);
            item.rowTotal = item.price * item.qtyOrdered;
            item.baseRowTotal = toBase(item.rowTotal);
            if (taxInclusive) {
                // Price incl. tax is the catalog price; the net price keeps 4 decimals, the row
                // and tax are rounded to cents as Magento's totals are.
                const qint64 incl = catalogCents * 100;
                item.price = mulDivRound(incl, 10000, 10000 + taxBp);
                item.originalPrice = item.price;
                item.basePrice = item.price;
                const qint64 rowIncl = incl * item.qtyOrdered;
                const qint64 rowTax = mulDivRound(rowIncl, taxBp, (10000 + taxBp) * 100) * 100;
                item.rowTotal = item.baseRowTotal = rowIncl - rowTax;
            }
            if (coupon) {
                item.discountPercentBp = 1000;
                item.discountAmount = mulDivRound(item.rowTotal, 10, 100);
                item.baseDiscountAmount = toBase(item.discountAmount);
            }
            item.taxPercentBp = taxBp;
            item.taxAmount = mulDivRound(item.rowTotal - item.discountAmount, taxBp, 10000);
            item.baseTaxAmount = toBase(item.taxAmount);
            item.priceInclTax = item.price + mulDivRound(item.price, taxBp, 10000);
            if (taxInclusive) {
                item.taxAmount = item.baseTaxAmount = catalogCents * 100 * item.qtyOrdered - item.rowTotal;
                item.priceInclTax = catalogCents * 100;
            }
            item.rowTotalInclTax = item.rowTotal + item.taxAmount;
            allVirtual = allVirtual && product.isVirtual;
            weight += product.weightGrams * item.qtyOrdered;
            o.subtotal += item.rowTotal;
            o.taxAmount += item.taxAmount;
            o.discountAmount -= item.discountAmount;
            o.totalQtyOrdered += item.qtyOrdered;
            o.items.append(item);
            const auto child = [&](const Product &part) {
                MagentoOrderItem c;
                c.itemId = nextItemId++;
                c.parentItemId = item.itemId;
                c.productId = part.productId;
                c.sku = part.sku.toString();
                c.name = part.name.toString();
                c.weightGrams = part.weightGrams;
                c.qtyOrdered = item.qtyOrdered;
                c.taxPercentBp = taxBp;
                o.items.append(c);
            };
            if (configurable)
                child(product);
            if (bundle) {
                child(product);
                child(extra);
            }
        }
        o.weightGrams = weight;
        // Flat rate: 5.00 USD per order, free from 150.00 USD, none for virtual-only orders.
        const qint64 usdEquivalent = mulDivRound(o.subtotal, 10000 * 100, o.baseToOrderRateE4 * pow10(o.exponent));
        o.shippingAmount = (allVirtual || usdEquivalent >= 15000) ? 0 : toOrderCurrency(500);
        if (allVirtual) {
            o.shippingMethod.clear();
            o.shippingDescription.clear();
        }
        o.grandTotal = o.subtotal + o.shippingAmount + o.taxAmount + o.discountAmount;
        o.baseSubtotal = toBase(o.subtotal);
        o.baseTaxAmount = toBase(o.taxAmount);
        o.baseShippingAmount = toBase(o.shippingAmount);
        o.baseDiscountAmount = -toBase(-o.discountAmount);
        o.baseGrandTotal = o.baseSubtotal + o.baseShippingAmount + o.baseTaxAmount + o.baseDiscountAmount;
        o.totalDue = o.grandTotal;
        o.baseTotalDue = o.baseGrandTotal;

        // Some guest checkouts leave the order's customer name empty: it is on the billing address only.
        if (customer.id == 0 && mess.percent(50)) {
            o.customerFirstname.clear();
            o.customerLastname.clear();
        }
        o.billingAddress = customer.address;
        o.billingAddress.entityId = nextAddressId++;
        o.billingAddress.parentId = o.entityId;
        o.billingAddress.addressType = u"billing"_s;
        o.shippingAddress = o.billingAddress;
        o.shippingAddress.entityId = nextAddressId++;
        o.shippingAddress.addressType = u"shipping"_s;

        MagentoPayment &pay = o.payment;
        pay.entityId = nextPaymentId++;
        pay.parentId = o.entityId;
        pay.amountOrdered = o.grandTotal;
        pay.baseAmountOrdered = o.baseGrandTotal;
        pay.shippingAmount = o.shippingAmount;
        pay.baseShippingAmount = o.baseShippingAmount;

        OrderRefs &ref = refs[size_t(i)];
        const QString symbol = market.symbol.toString();
        const auto price = [&](qint64 minor) -> QString {
            const int shown = std::min(o.exponent, 2);
            return symbol + QString::fromLatin1(decimalFixed(mulDivRound(minor, pow10(shown), pow10(o.exponent)), shown));
        };
        // The card is charged in the base currency (USD cents), which the payment comments show.
        const auto cents = [&](qint64 orderMinor) {
            const qint64 base = orderMinor == o.grandTotal ? o.baseGrandTotal : toBase(orderMinor);
            return mulDivRound(base, 100, pow10(o.baseExponent));
        };
        const auto charged = [&](qint64 orderMinor) -> QString { return u"$"_s + QString::fromLatin1(decimalFixed(cents(orderMinor), 2)); };

        // Totals transitions.
        const auto invoice = [&]() {
            o.totalInvoiced = o.grandTotal;
            o.baseTotalInvoiced = o.baseGrandTotal;
            o.totalPaid = o.grandTotal;
            o.baseTotalPaid = o.baseGrandTotal;
            o.totalDue = 0;
            o.baseTotalDue = 0;
            pay.amountPaid = o.grandTotal;
            pay.baseAmountPaid = o.baseGrandTotal;
            for (auto &item : o.items)
                item.qtyInvoiced = item.qtyOrdered;
        };
        const auto ship = [&]() {
            for (auto &item : o.items)
                item.qtyShipped = item.qtyOrdered;
        };
        const auto cancel = [&]() {
            o.totalCanceled = o.grandTotal;
            o.baseTotalCanceled = o.baseGrandTotal;
            pay.amountCanceled = o.grandTotal;
            o.totalDue = 0;
            o.baseTotalDue = 0;
            for (auto &item : o.items)
                item.qtyCanceled = item.qtyOrdered - item.qtyInvoiced;
        };
        const auto refund = [&](qint64 amount, bool online, int wholeItem) {
            // The same base amount the gateway refunded: a full credit memo gives back exactly
            // the base total charged, as Magento computes it from base prices.
            const qint64 base = amount == o.grandTotal ? o.baseGrandTotal : toBase(amount);
            o.totalRefunded = o.totalRefunded.value_or(0) + amount;
            o.baseTotalRefunded = o.baseTotalRefunded.value_or(0) + base;
            if (online)
                o.totalOnlineRefunded = o.totalOnlineRefunded.value_or(0) + amount;
            else
                o.totalOfflineRefunded = o.totalOfflineRefunded.value_or(0) + amount;
            pay.amountRefunded = pay.amountRefunded.value_or(0) + amount;
            pay.baseAmountRefunded = pay.baseAmountRefunded.value_or(0) + base;
            for (int k = 0; k < o.items.size(); ++k) {
                if (wholeItem < 0 || wholeItem == k) {
                    o.items[k].qtyRefunded = o.items[k].qtyOrdered;
                    o.items[k].amountRefunded = o.items[k].rowTotal - o.items[k].discountAmount;
                }
            }
        };

        // PayTrace transaction factory.
        const auto newTx = [&](PayTraceKind kind, qint64 at, qint64 amount, bool approved) -> int {
            PayTraceTransaction t;
            t.kind = kind;
            t.approved = approved;
            t.amount = amount;
            t.invoiceId = o.incrementId;
            t.description = u"Order #"_s + o.incrementId;
            t.customerId = customer.vaultId;
            t.customerReferenceId = o.incrementId;
            if (rng.percent(30))
                t.receiptEmailedTo = customer.email;
            t.taxAmount = kind == PayTraceKind::Refund ? 0 : mulDivRound(o.baseTaxAmount, 100, pow10(o.baseExponent));
            t.card = customer.card;
            t.billing = paytraceAddress(o.billingAddress);
            t.shipping = paytraceAddress(o.shippingAddress);
            t.createdAt = at;
            t.createdBy = options.paytraceUsername;
            t.fromIp = fromIp;
            if (kind == PayTraceKind::Refund) {
                t.approvalCode.clear();
            } else if (approved) {
                t.approvalCode = rng.alnum(6, false);
                static const struct { QStringView avs; QStringView message; } avs[] = {
                    {u"Full Exact Match", u"  EXACT MATCH - Approved and completed"},
                    {u"Full Exact Match", u"  EXACT MATCH - Approved and completed"},
                    {u"Full Exact Match", u"  EXACT MATCH - Approved and completed"},
                    {u"Zip Match Only", u"  ZIP MATCH - Approved and completed"},
                    {u"Address Match Only", u"  ADDRESS MATCH - Approved and completed"},
                    {u"No Match", u"  NO  MATCH - Approved and completed"},
                };
                const auto &a = rng.pick(avs);
                t.avsResponse = a.avs.toString();
                t.approvalMessage = a.message.toString();
                t.cscResponse = t.card.brand == u"AMEX" ? QString() : (rng.percent(95) ? u"Match"_s : u"No Match"_s);
            } else {
                static const QStringView declines[] = {
                    u"    DECLINE - Do not honor", u"    DECLINE      - Do not honor",
                    u"    DECLINE - Insufficient funds",
                };
                t.approvalMessage = rng.pick(declines).toString();
                t.avsResponse = u"No Match"_s;
            }
            txs.push_back(t);
            return int(txs.size()) - 1;
        };

        Scenario scenario = viaPayTrace ? pickScenario(rng, kPayTraceScenarios) : pickScenario(rng, kOfflineScenarios);
        const qint64 age = now - created;
        const qint64 payAt = created + rng.range(2, 20);
        // Fall back when the order is too young (or too old) for the story.
        // Open authorizations are recent (they expire); a payment review can sit for weeks.
        if ((scenario == Scenario::AuthOpen && age > 7 * 86400) || (scenario == Scenario::PaymentReview && age > 20 * 86400))
            scenario = Scenario::AuthCaptured;
        const qint64 firstClose = nextPacificClose(payAt, closeHour);
        const qint64 refundAt = firstClose + rng.range(3600, 5 * 86400);
        if ((scenario == Scenario::RefundFull || scenario == Scenario::RefundPartial) && refundAt > latest)
            scenario = Scenario::SaleShipped;
        const qint64 captureAt = payAt + rng.range(3600, 48 * 3600);
        if (scenario == Scenario::AuthCaptured && captureAt > latest)
            scenario = Scenario::AuthOpen;
        const qint64 retryAt = payAt + rng.range(120, 25 * 60);
        if (scenario == Scenario::DeclinedThenApproved && retryAt > latest)
            scenario = Scenario::DeclinedCanceled;
        const qint64 shipAt = [&] {
            const qint64 base = scenario == Scenario::AuthCaptured ? captureAt : payAt;
            return base + rng.range(2 * 3600, 72 * 3600);
        }();
        if (scenario == Scenario::SaleShipped && shipAt > latest)
            scenario = Scenario::SaleUnshipped;

        if (viaPayTrace) {
            pay.method = u"paytrace"_s;
            pay.ccLast4 = customer.card.last4;
            pay.ccType = kBrands[customer.brand].magentoType.toString();
            pay.ccOwner = o.billingAddress.firstname + u' ' + o.billingAddress.lastname;
            pay.ccExpMonth = customer.card.expirationMonth;
            pay.ccExpYear = customer.card.expirationYear;
            pay.additionalInformation = QStringList{u"Credit Card (PayTrace)"_s};
        } else {
            const bool bank = rng.percent(50);
            pay.method = bank ? u"banktransfer"_s : u"checkmo"_s;
            pay.additionalInformation = bank ? QStringList{u"Bank Transfer Payment"_s, QString()}
                                             : QStringList{u"Check / Money order"_s};
        }

        QString state = u"processing"_s;
        QString status = u"processing"_s;
        const auto event = [&](qint64 at, const QString &st, const QString &comment, int tx = -1, int notify = 0) {
            ref.events.append(Event{at, st, comment, tx, notify, true});
        };
        const auto touch = [&](qint64 at) { ref.events.append(Event{at, {}, {}, -1, 0, false}); };
        const auto settleRefund = [&](int saleTx, qint64 at, qint64 amount) {
            const int r = newTx(PayTraceKind::Refund, at, amount, true);
            txs[size_t(r)].parentId = saleTx; // provisional index, mapped to the id below
            txs[size_t(saleTx)].refundedAmount += amount;
            return r;
        };

        switch (scenario) {
        case Scenario::SaleShipped:
        case Scenario::SaleUnshipped:
        case Scenario::Holded:
        case Scenario::RefundFull:
        case Scenario::RefundPartial: {
            const int tx = newTx(PayTraceKind::Sale, payAt, cents(o.grandTotal), true);
            ref.lastTx = tx;
            invoice();
            event(payAt, u"processing"_s, u"Captured amount of "_s + charged(o.grandTotal) + u" online. Transaction ID: \"%TX%\""_s, tx, 1);
            if (scenario == Scenario::Holded) {
                const qint64 holdAt = payAt + rng.range(600, 4 * 3600);
                if (holdAt <= latest) {
                    state = u"holded"_s;
                    status = u"holded"_s;
                    event(holdAt, status, {});
                }
                break;
            }
            if (scenario == Scenario::SaleUnshipped)
                break;
            const qint64 shippedAt = std::min(shipAt, latest);
            ship();
            touch(shippedAt);
            state = status = allVirtual ? u"complete"_s : u"complete"_s;
            if (scenario == Scenario::RefundFull || scenario == Scenario::RefundPartial) {
                const qint64 at = std::max(refundAt, shippedAt + 60);
                if (at > latest)
                    break;
                qint64 amount = o.grandTotal;
                int wholeItem = -1;
                if (scenario == Scenario::RefundPartial) {
                    if (o.items.size() > 1) {
                        const auto &item = o.items.first();
                        amount = item.rowTotal - item.discountAmount + item.taxAmount;
                        wholeItem = 0;
                    } else {
                        amount = mulDivRound(o.grandTotal, rng.range(20, 50), 100);
                        if (o.exponent > 2) // refunds are whole cents
                            amount = amount / pow10(o.exponent - 2) * pow10(o.exponent - 2);
                        wholeItem = -2; // adjustment only: no item quantities
                    }
                }
                const int r = settleRefund(tx, at, cents(amount));
                refund(amount, true, wholeItem);
                if (scenario == Scenario::RefundFull) {
                    state = status = u"closed"_s;
                }
                event(at, status, u"We refunded "_s + charged(amount) + u" online. Transaction ID: \"%TX%\""_s, r, 1);
            }
            break;
        }
        case Scenario::AuthCaptured:
        case Scenario::AuthOpen:
        case Scenario::PaymentReview: {
            const int tx = newTx(PayTraceKind::Authorization, payAt, cents(o.grandTotal), true);
            ref.lastTx = tx;
            pay.amountAuthorized = o.grandTotal;
            pay.baseAmountAuthorized = o.baseGrandTotal;
            if (scenario == Scenario::PaymentReview) {
                state = u"payment_review"_s;
                status = rng.percent(50) ? u"fraud"_s : u"payment_review"_s;
                event(payAt, status, u"Authorized amount of "_s + charged(o.grandTotal)
                          + u". Transaction ID: \"%TX%\". Order is suspended as its authorizing amount "
                            "is awaiting review."_s, tx);
                break;
            }
            event(payAt, u"processing"_s, u"Authorized amount of "_s + charged(o.grandTotal) + u". Transaction ID: \"%TX%\""_s, tx, 1);
            if (scenario == Scenario::AuthOpen)
                break;
            txs[size_t(tx)].capturedAmount = cents(o.grandTotal);
            txs[size_t(tx)].capturedAt = captureAt;
            invoice();
            event(captureAt, u"processing"_s, u"Captured amount of "_s + charged(o.grandTotal) + u" online. Transaction ID: \"%TX%\""_s, tx);
            if (shipAt <= latest) {
                ship();
                touch(shipAt);
                state = status = u"complete"_s;
            }
            break;
        }
        case Scenario::DeclinedThenApproved: {
            newTx(PayTraceKind::Sale, payAt, cents(o.grandTotal), false);
            const int tx = newTx(PayTraceKind::Sale, retryAt, cents(o.grandTotal), true);
            ref.lastTx = tx;
            invoice();
            event(payAt, u"pending"_s, u"Payment declined by the gateway: Do not honor. The customer was asked to try again."_s);
            event(retryAt, u"processing"_s, u"Captured amount of "_s + charged(o.grandTotal) + u" online. Transaction ID: \"%TX%\""_s, tx, 1);
            const qint64 shippedAt = retryAt + rng.range(2 * 3600, 72 * 3600);
            if (shippedAt <= latest) {
                ship();
                touch(shippedAt);
                state = status = u"complete"_s;
            }
            break;
        }
        case Scenario::DeclinedCanceled: {
            newTx(PayTraceKind::Sale, payAt, cents(o.grandTotal), false);
            event(payAt, u"pending"_s, u"Payment declined by the gateway: Do not honor."_s);
            const qint64 cancelAt = std::min(latest, payAt + rng.range(3600, 48 * 3600));
            cancel();
            state = status = u"canceled"_s;
            event(cancelAt, status, u"Canceled: the customer did not complete payment."_s);
            break;
        }
        case Scenario::AuthVoided: {
            const int tx = newTx(PayTraceKind::Authorization, payAt, cents(o.grandTotal), true);
            ref.lastTx = tx;
            pay.amountAuthorized = o.grandTotal;
            pay.baseAmountAuthorized = o.baseGrandTotal;
            event(payAt, u"processing"_s, u"Authorized amount of "_s + charged(o.grandTotal) + u". Transaction ID: \"%TX%\""_s, tx, 1);
            const qint64 voidAt = std::min(latest, payAt + rng.range(600, 24 * 3600));
            txs[size_t(tx)].voided = true;
            txs[size_t(tx)].voidedAt = voidAt;
            cancel();
            state = status = u"canceled"_s;
            event(voidAt, status, u"Voided authorization. Transaction ID: \"%TX%\""_s, tx);
            break;
        }
        case Scenario::SaleVoided: {
            const int tx = newTx(PayTraceKind::Sale, payAt, cents(o.grandTotal), true);
            ref.lastTx = tx;
            invoice();
            event(payAt, u"processing"_s, u"Captured amount of "_s + charged(o.grandTotal) + u" online. Transaction ID: \"%TX%\""_s, tx, 1);
            // A void must land before the batch closes.
            const qint64 voidAt = std::min({latest, firstClose - 60, payAt + rng.range(300, 6 * 3600)});
            txs[size_t(tx)].voided = true;
            txs[size_t(tx)].voidedAt = std::max(payAt + 1, voidAt);
            o.totalPaid = 0;
            o.baseTotalPaid = 0;
            pay.amountPaid.reset();
            pay.baseAmountPaid.reset();
            o.totalInvoiced.reset();
            o.baseTotalInvoiced.reset();
            for (auto &item : o.items)
                item.qtyInvoiced = 0;
            cancel();
            state = status = u"canceled"_s;
            event(txs[size_t(tx)].voidedAt, status, u"Voided capture. Transaction ID: \"%TX%\""_s, tx);
            break;
        }
        case Scenario::OfflinePending:
            state = u"new"_s;
            status = u"pending"_s;
            break;
        case Scenario::OfflineHolded: {
            const qint64 holdAt = std::min(latest, created + rng.range(600, 86400));
            state = status = u"holded"_s;
            event(holdAt, status, u"On hold: waiting for the customer to confirm the delivery address."_s);
            break;
        }
        case Scenario::OfflineCanceled: {
            const qint64 cancelAt = std::min(latest, created + rng.range(86400, 7 * 86400));
            cancel();
            state = status = u"canceled"_s;
            event(cancelAt, status, u"Canceled: payment was not received."_s);
            break;
        }
        case Scenario::OfflineProcessing:
        case Scenario::OfflineComplete:
        case Scenario::OfflineClosed: {
            const qint64 paidAt = created + rng.range(3600, 72 * 3600);
            if (paidAt > latest) {
                state = u"new"_s;
                status = u"pending"_s;
                break;
            }
            invoice();
            event(paidAt, u"processing"_s, u"Payment received: "_s + price(o.grandTotal) + u"."_s);
            if (scenario == Scenario::OfflineProcessing)
                break;
            const qint64 shippedAt = paidAt + rng.range(3600, 72 * 3600);
            if (shippedAt > latest)
                break;
            ship();
            touch(shippedAt);
            state = status = u"complete"_s;
            if (scenario == Scenario::OfflineClosed) {
                const qint64 at = shippedAt + rng.range(86400, 6 * 86400);
                if (at > latest)
                    break;
                refund(o.grandTotal, false, -1);
                state = status = u"closed"_s;
                event(at, status, u"We refunded "_s + price(o.grandTotal) + u" offline."_s, -1, 1);
            }
            break;
        }
        }
        if (state == u"new") {
            // The initial status entry of an order placed with an offline method.
            ref.events.prepend(Event{created, u"pending"_s, {}, -1, 0, true});
        }
        o.state = state;
        o.status = status;
        if (state == u"holded") {
            const bool paid = o.totalPaid.value_or(0) > 0;
            o.holdBeforeState = paid ? u"processing"_s : u"new"_s;
            o.holdBeforeStatus = paid ? u"processing"_s : u"pending"_s;
        }
        out.orders.append(o);
    }

    // Transaction ids grow with time, with gaps (other merchants share the id space).
    std::vector<int> byTime(txs.size());
    for (size_t k = 0; k < byTime.size(); ++k)
        byTime[k] = int(k);
    std::stable_sort(byTime.begin(), byTime.end(), [&](int a, int b) { return txs[size_t(a)].createdAt < txs[size_t(b)].createdAt; });
    std::vector<qint64> idOf(txs.size());
    qint64 nextId = 390000000 + qint64(options.seed % 1000) * 100000 + rng.range(0, 9999);
    for (int k : byTime) {
        idOf[size_t(k)] = nextId;
        nextId += rng.range(1, 9);
    }
    out.nextTransactionId = nextId + rng.range(1, 9);
    for (int k : byTime) {
        PayTraceTransaction t = txs[size_t(k)];
        t.id = idOf[size_t(k)];
        if (t.kind == PayTraceKind::Refund)
            t.parentId = idOf[size_t(t.parentId)];
        out.transactions.append(t);
    }

    // Resolve history entries and updated_at now that transaction ids are final.
    qint64 nextHistoryId = 1;
    for (int i = 0; i < count; ++i) {
        MagentoOrder &o = out.orders[i];
        OrderRefs &ref = refs[size_t(i)];
        // Some payment modules never store the gateway id on the payment: only the comments name it.
        if (ref.lastTx >= 0 && i % 12 != 8)
            o.payment.lastTransId = QString::number(idOf[size_t(ref.lastTx)]);
        std::stable_sort(ref.events.begin(), ref.events.end(), [](const Event &a, const Event &b) { return a.at < b.at; });
        qint64 updated = o.createdAt;
        for (const Event &e : std::as_const(ref.events)) {
            updated = std::max(updated, e.at);
            if (!e.history)
                continue;
            MagentoStatusHistory h;
            h.entityId = nextHistoryId++;
            h.parentId = o.entityId;
            h.status = e.status;
            h.comment = e.comment;
            if (e.txRef >= 0)
                h.comment.replace(u"%TX%"_s, QString::number(idOf[size_t(e.txRef)]));
            h.createdAt = e.at;
            h.isCustomerNotified = e.notify;
            o.statusHistories.prepend(h); // newest first
        }
        o.updatedAt = updated;
    }

    // Registered customers who changed their e-mail: their older orders keep the address they had
    // then; the newest order (and the customer entity) has the current one.
    QHash<qint64, QList<int>> ordersOf;
    for (int i = 0; i < count; ++i) {
        if (out.orders[i].customerId != 0)
            ordersOf[out.orders[i].customerId].append(i);
    }
    QList<qint64> customerIds = ordersOf.keys();
    std::sort(customerIds.begin(), customerIds.end());
    for (qint64 id : std::as_const(customerIds)) {
        const QList<int> &list = ordersOf[id];
        if (list.size() < 2 || !mess.percent(30))
            continue;
        const QString current = out.orders[list.last()].customerEmail;
        const QString former = current.section(u'@', 0, 0).section(u'.', 0, 0) + u".old@mail.example"_s;
        for (qsizetype k = 0; k + 1 < list.size(); ++k) {
            MagentoOrder &o = out.orders[list[k]];
            o.customerEmail = former;
            o.billingAddress.email = former;
            o.shippingAddress.email = former;
        }
    }

    // A mass action touched many orders in the same second: pollers must tie-break on entity_id.
    out.sharedUpdatedAt = floorDiv(now - 2 * 86400, 3600) * 3600 + 17 * 60 + 5;
    std::vector<int> candidates;
    for (int i = 0; i < count; ++i) {
        if (out.orders[i].updatedAt < out.sharedUpdatedAt)
            candidates.push_back(i);
    }
    const int shared = std::min<int>(int(candidates.size()), std::max(3, count / 10));
    for (int k = 0; k < shared; ++k) {
        const int j = k + int(rng.range(0, qint64(candidates.size()) - 1 - k));
        std::swap(candidates[size_t(k)], candidates[size_t(j)]);
        out.orders[candidates[size_t(k)]].updatedAt = out.sharedUpdatedAt;
    }

    // Custom statuses, as merchants use them (magentosales.h kCustomStatuses), from a third
    // stream and after everything else, so what the seed gave before stays as it was. No order
    // of the mass action is touched: it keeps the shared updated_at. The first candidate of each
    // kind always gets its status, so even a small store shows all three.
    Rng custom(options.seed * 0x94D049BB133111EBULL + 0x2545F491ULL);
    bool awaitingSeen = false, receivedSeen = false, readySeen = false, newKept = false;
    const auto pick = [&custom](bool *seen, int percent) {
        const bool take = !*seen || custom.percent(percent);
        *seen = true;
        return take;
    };
    for (int i = 0; i < count; ++i) {
        MagentoOrder &o = out.orders[i];
        if (o.updatedAt == out.sharedUpdatedAt)
            continue;
        const bool offline = o.payment.method != u"paytrace";
        if (o.state == u"new" && (o.payment.method != u"banktransfer" || !newKept)) {
            newKept = true; // a store always has orders in "new"; tests pick them to invoice
            continue;
        }
        if (o.state == u"new") {
            // A bank transfer the store waits for: pending_payment with its own status.
            if (!pick(&awaitingSeen, 40))
                continue;
            o.state = u"pending_payment"_s;
            o.status = u"awaiting_payment"_s;
            for (MagentoStatusHistory &h : o.statusHistories)
                h.status = o.status; // the order's only entry: how it was placed
            continue;
        }
        if (offline && o.state == u"processing") {
            // Staff mark the money as arrived with "Payment Received" instead of "Processing".
            if (!pick(&receivedSeen, 50))
                continue;
            for (MagentoStatusHistory &h : o.statusHistories) {
                if (h.comment.startsWith(u"Payment received: "))
                    h.status = u"payment_received"_s;
            }
            o.status = u"payment_received"_s;
            continue;
        }
        if (offline)
            continue;
        const bool paidUnshipped = o.state == u"processing" && o.status == u"processing" && o.totalPaid == o.grandTotal
                                   && std::any_of(o.items.cbegin(), o.items.cend(), [](const MagentoOrderItem &item) {
                                          return item.qtyShipped < item.qtyOrdered;
                                      });
        if (!paidUnshipped)
            continue;
        // Packed and waiting for the carrier: a later comment sets "Ready to Ship".
        const qint64 at = o.updatedAt + custom.range(600, 8 * 3600);
        if (at > latest || !pick(&readySeen, 20))
            continue;
        MagentoStatusHistory h;
        h.entityId = nextHistoryId++;
        h.parentId = o.entityId;
        h.status = u"ready_to_ship"_s;
        h.comment = u"Packed; waiting for the carrier."_s;
        h.createdAt = at;
        o.statusHistories.prepend(h);
        o.status = h.status;
        o.updatedAt = at;
    }

    addVault(&out, pools, ordersOf, options.seed, now);

    out.firstBatchNumber = 1000 + qint64(options.seed % 9000);
    return out;
}

} // namespace pb::sandbox
