#include "paytraceuntidy.h"

#include "simutil.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <random>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

// Raw draws mapped by hand, as in datagen.cpp, so data is identical across standard libraries.
class Dice
{
public:
    explicit Dice(quint64 seed) : m_engine(seed) {}
    qint64 range(qint64 lo, qint64 hi)
    {
        return hi <= lo ? lo : lo + qint64(m_engine() % quint64(hi - lo + 1));
    }
    bool percent(int p) { return range(0, 99) < p; }
    template<typename T>
    const T &weighted(const QList<std::pair<T, int>> &table)
    {
        int total = 0;
        for (const auto &e : table)
            total += e.second;
        qint64 roll = range(0, total - 1);
        for (const auto &e : table) {
            if (roll < e.second)
                return e.first;
            roll -= e.second;
        }
        return table.last().first;
    }

private:
    std::mt19937_64 m_engine;
};

// Weighted AVS answers (docs/paytrace.md §4.5; "0" as the 2017 sandbox sent, "" as seen in NARCH).
const QList<std::pair<QString, int>> &avsTable()
{
    static const QList<std::pair<QString, int>> table = {
        {u"Full Exact Match"_s, 52}, {u"Zip Match Only"_s, 10}, {u"Address Match Only"_s, 6},
        {u"No Match"_s, 10}, {u"Address Unavailable"_s, 4}, {u"Issuer System Unavailable"_s, 3},
        {u"Service Not Supported"_s, 3}, {u"Non-US Issuer does not participate"_s, 2},
        {u"Not a Mail/Phone Order"_s, 2}, {u"Address and ZIP code match (International only)"_s, 1},
        {u"Address not verified (International only)"_s, 1}, {u"0"_s, 3}, {QString(), 3},
    };
    return table;
}

const QList<std::pair<QString, int>> &cscTable()
{
    static const QList<std::pair<QString, int>> table = {
        {u"Match"_s, 70}, {u"No Match"_s, 6}, {u"Not Processed"_s, 6}, {u"Not Present"_s, 8},
        {u"Issuer Does Not Support CSC"_s, 3}, {QString(), 7},
    };
    return table;
}

// The processor text that goes with an approval; padded as PayTrace pads it.
QString approvalText(const QString &avs)
{
    if (avs == u"Full Exact Match")
        return u"  EXACT MATCH - Approved and completed"_s;
    if (avs == u"Zip Match Only")
        return u"  ZIP MATCH - Approved and completed"_s;
    if (avs == u"Address Match Only")
        return u"  ADDRESS MATCH - Approved and completed"_s;
    if (avs == u"No Match")
        return u"  NO  MATCH - Approved and completed"_s;
    return u"  APPROVED - Approved and completed"_s;
}

const QStringList kDeclineTexts = {
    u"    DECLINE - Do not honor"_s, u"    DECLINE      - Do not honor"_s, // both recorded
    u"    DECLINE - Insufficient funds"_s, u"    PICK UP CARD - Lost or stolen"_s,
};

QString approvalCode(Dice &dice)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    QString code;
    for (int i = 0; i < 6; ++i)
        code.append(QLatin1Char(chars[dice.range(0, 35)]));
    return code;
}

// The increment id as a clerk might key it: two neighbouring digits swapped, or one left out;
// never another order's number.
QString typo(Dice &dice, const QString &incrementId, const QSet<QString> &taken)
{
    qsizetype firstSignificant = 0;
    while (firstSignificant < incrementId.size() - 1 && incrementId[firstSignificant] == u'0')
        ++firstSignificant;
    if (dice.percent(50)) {
        QList<qsizetype> swaps;
        for (qsizetype i = std::max<qsizetype>(0, firstSignificant - 1); i + 1 < incrementId.size(); ++i) {
            if (incrementId[i] != incrementId[i + 1])
                swaps.append(i);
        }
        if (!swaps.isEmpty()) {
            QString t = incrementId;
            const qsizetype i = swaps[dice.range(0, swaps.size() - 1)];
            std::swap(t[i], t[i + 1]);
            if (!taken.contains(t))
                return t;
        }
    }
    QString t = incrementId;
    t.remove(dice.range(firstSignificant, incrementId.size() - 1), 1);
    return t; // one digit shorter than every increment id
}

} // namespace

namespace {
QString fromRoll(const QList<std::pair<QString, int>> &table, qint64 roll)
{
    for (const auto &e : table) {
        if (roll < e.second)
            return e.first;
        roll -= e.second;
    }
    return table.first().first;
}
} // namespace

QString untidyAvs(qint64 roll)
{
    return fromRoll(avsTable(), roll);
}

QString untidyCsc(qint64 roll)
{
    return fromRoll(cscTable(), roll);
}

QString untidyApprovalText(const QString &avs)
{
    return approvalText(avs);
}

QStringList paytraceAvsAnswers()
{
    QStringList out;
    for (const auto &e : avsTable())
        out.append(e.first);
    return out;
}

QStringList paytraceCscAnswers()
{
    QStringList out;
    for (const auto &e : cscTable())
        out.append(e.first);
    return out;
}

UntidyCounts addUntidyPayTrace(GeneratedData *data, quint64 seed, qint64 nowSecs)
{
    Dice dice(seed * 0xA24BAED4963EE407ULL + 0x7E57AB1E);
    UntidyCounts counts;
    QList<PayTraceTransaction> &txs = data->transactions;
    const qint64 latest = nowSecs - 60;

    // AVS / CSC / processor texts of every kind on the API history.
    for (PayTraceTransaction &t : txs) {
        if (t.kind == PayTraceKind::Refund)
            continue;
        if (t.approved) {
            t.avsResponse = dice.weighted(avsTable());
            t.approvalMessage = approvalText(t.avsResponse);
            const QString csc = dice.weighted(cscTable());
            t.cscResponse = t.card.brand == u"AMEX" ? QString() : csc; // Amex: always empty (H-AVS)
        } else {
            t.avsResponse = dice.percent(70) ? u"No Match"_s : u"0"_s;
            t.cscResponse = dice.percent(60) ? QString() : u"Match"_s;
            t.approvalMessage = kDeclineTexts[dice.range(0, kDeclineTexts.size() - 1)];
        }
    }

    // Orders paid by one plain API sale: candidates for phone typos and second payments.
    QHash<QString, qsizetype> soleSale; // invoice -> index, or -1 when the invoice has more
    for (qsizetype i = 0; i < txs.size(); ++i) {
        const PayTraceTransaction &t = txs[i];
        if (t.invoiceId.isEmpty())
            continue;
        const bool plain = t.kind == PayTraceKind::Sale && t.approved && !t.voided && t.refundedAmount == 0;
        const auto it = soleSale.find(t.invoiceId);
        if (it == soleSale.end())
            soleSale.insert(t.invoiceId, plain ? i : -1);
        else
            *it = -1;
    }
    QSet<QString> taken;
    for (const MagentoOrder &o : std::as_const(data->orders))
        taken.insert(o.incrementId);
    QList<qsizetype> candidates;
    for (const MagentoOrder &o : std::as_const(data->orders)) {
        const qsizetype i = soleSale.value(o.incrementId, -1);
        if (i >= 0)
            candidates.append(i);
    }
    for (qsizetype k = candidates.size() - 1; k > 0; --k) // seeded shuffle
        std::swap(candidates[k], candidates[dice.range(0, k)]);

    const int perKind = std::max(data->orders.isEmpty() ? 0 : 1, int(data->orders.size() * 3 / 100));
    const auto staff = [&] { return kTerminalUsers[size_t(dice.range(0, qint64(std::size(kTerminalUsers)) - 1))].toString(); };

    // Phone orders: staff keyed the card in the virtual terminal and mistyped the order number.
    qsizetype next = 0;
    for (; next < candidates.size() && counts.typoInvoices < perKind; ++next) {
        PayTraceTransaction &t = txs[candidates[next]];
        const QString wrong = typo(dice, t.invoiceId, taken);
        t.invoiceId = wrong;
        t.customerReferenceId = dice.percent(50) ? wrong : QString();
        t.description = u"Phone order"_s;
        t.createdThrough = u"Virtual Terminal"_s;
        t.createdBy = staff();
        t.receiptEmailedTo.clear();
        ++counts.typoInvoices;
    }

    // New transactions take a free id between their neighbours in time (ids grow with time).
    std::vector<std::pair<qint64, qint64>> timeline; // (createdAt, id), ascending
    for (const PayTraceTransaction &t : std::as_const(txs))
        timeline.emplace_back(t.createdAt, t.id);
    std::sort(timeline.begin(), timeline.end());
    const auto freeId = [&](qint64 at) -> qint64 {
        const auto it = std::upper_bound(timeline.begin(), timeline.end(), std::pair{at, std::numeric_limits<qint64>::max()});
        const qint64 before = it == timeline.begin() ? data->nextTransactionId - 1000000 : std::prev(it)->second;
        const qint64 after = it == timeline.end() ? data->nextTransactionId : it->second;
        if (after - before < 2)
            return 0;
        const qint64 id = before + 1;
        timeline.insert(it, {at, id});
        return id;
    };

    // The customer charged twice for one order (a retry after a timeout, or staff keyed it too).
    for (; next < candidates.size() && counts.secondPayments < perKind; ++next) {
        const PayTraceTransaction first = txs[candidates[next]];
        const qint64 at = first.createdAt + dice.range(90, 3 * 3600);
        if (at > latest)
            continue;
        const qint64 id = freeId(at);
        if (!id)
            continue;
        PayTraceTransaction t = first;
        t.id = id;
        t.createdAt = at;
        t.settledAt = 0;
        t.batchNumber = 0;
        t.approvalCode = approvalCode(dice);
        if (dice.percent(50)) {
            t.createdThrough = u"Virtual Terminal"_s;
            t.createdBy = staff();
        }
        txs.append(t);
        ++counts.secondPayments;
    }

    // Counter and virtual-terminal sales: no invoice, often no address, a staff user.
    QList<PayTraceCard> cards;
    for (const PayTraceTransaction &t : std::as_const(txs)) {
        if (t.kind != PayTraceKind::Refund && cards.size() < 64)
            cards.append(t.card);
    }
    for (int attempt = 0; counts.terminalSales < perKind && attempt < perKind * 20 && !cards.isEmpty(); ++attempt) {
        // Business hours, Pacific.
        const qint64 day = pacificDayNumber(nowSecs) - dice.range(0, 29);
        const qint64 at = pacificLocalToUtc(day * 86400 + dice.range(9 * 3600, 18 * 3600));
        if (at > latest)
            continue;
        const qint64 id = freeId(at);
        if (!id)
            continue;
        PayTraceTransaction t;
        t.id = id;
        t.kind = PayTraceKind::Sale;
        t.card = cards[dice.range(0, cards.size() - 1)];
        t.card.last4 = QString::number(dice.range(0, 9999)).rightJustified(4, u'0');
        t.amount = dice.range(5, 400) * 100 + (dice.percent(60) ? dice.range(0, 99) : 0);
        t.createdAt = at;
        const bool swiped = dice.percent(50);
        t.createdThrough = swiped ? u"Swiped"_s : u"Virtual Terminal"_s;
        t.createdBy = staff();
        t.fromIp = u"192.0.2."_s + QString::number(dice.range(20, 40));
        if (!swiped) {
            t.billing.zip = QString::number(dice.range(90001, 96162));
            t.description = dice.percent(50) ? u"Walk-in"_s : QString();
        }
        t.approved = dice.percent(90);
        if (t.approved) {
            t.approvalCode = approvalCode(dice);
            t.avsResponse = swiped ? QString() : dice.weighted(avsTable());
            t.approvalMessage = approvalText(t.avsResponse);
            t.cscResponse = swiped ? QString() : dice.weighted(cscTable());
        } else {
            t.avsResponse = swiped ? QString() : u"No Match"_s;
            t.approvalMessage = kDeclineTexts[dice.range(0, kDeclineTexts.size() - 1)];
        }
        txs.append(t);
        ++counts.terminalSales;
    }
    std::sort(txs.begin(), txs.end(), [](const PayTraceTransaction &a, const PayTraceTransaction &b) { return a.id < b.id; });
    return counts;
}

} // namespace pb::sandbox
