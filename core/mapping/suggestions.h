#pragma once

#include "mapping/mappingprofile.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <atomic>

namespace pb::mapping {

// A proposed link key with the evidence for it, measured over the synced payments.
struct LinkSuggestion
{
    LinkKey key;         // pair + transform chain (fallback copied from the active profile)
    int matched = 0;     // payments whose key finds exactly one order
    int considered = 0;  // payments considered
    int permille() const { return considered > 0 ? int(qint64(matched) * 1000 / considered) : 0; }
    QString evidence;    // "PayTrace invoice_id equals Magento increment_id for 98.7 % of 3,000 transactions"
    QStringList examples; // up to 3: "#000123 → 000000123 → order 000000123"
};

// What one (PayTrace field, Magento field) pair sees in the store, as plain data.
struct PairSample
{
    QString paytraceField;
    QString magentoField;
    QStringList values;                      // the field of every payment considered ("" when absent)
    QHash<QString, QStringList> orderValues; // the Magento field's value → increment ids of orders carrying it
};

// Transform chains worth trying for a pair, derived from the values actually seen: none; trim;
// case; stripping a leading or trailing text many values carry ("#", "INV-", "ORD"); zero-padding
// to the Magento field's most common width; taking the first run of digits. Simplest first.
QList<TransformChain> candidateChains(const PairSample &sample);

// How a chain does on a sample: the share of values whose key finds exactly one order.
// Entity ids must be plain decimal text, as the Linker reads them.
LinkSuggestion scoreChain(const PairSample &sample, const TransformChain &chain, const LinkFallback &fallback);

// Every pair's candidate chains scored and ranked by that share, the simpler chain first on
// ties; chains that find no order are left out. Returns the first `limit`. Stops early (and
// returns what it has) when `cancel` becomes true.
QList<LinkSuggestion> rankSuggestions(const QList<PairSample> &samples, const LinkFallback &fallback, int limit,
                                      const std::atomic_bool *cancel = nullptr);

// "after stripping '#' and zero-padding to 9 digits"; "" for an empty chain.
QString describeChain(const TransformChain &chain);

} // namespace pb::mapping
