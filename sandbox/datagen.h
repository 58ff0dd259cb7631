#pragma once

#include "datamodel.h"

namespace pb::sandbox {

// The Magento customer attribute that holds the PayTrace vault customer_id.
inline const QString kVaultAttributeCode = QStringLiteral("paytrace_customer_id");

struct SandboxCredentials
{
    QString paytraceUsername;
    QString paytracePassword;
    QString magentoConsumerKey;
    QString magentoConsumerSecret;
    QString magentoAccessToken;
    QString magentoAccessTokenSecret;
};

// Credentials derived from the seed (a separate stream from the data, so they do not change
// with the order count).
SandboxCredentials generateCredentials(quint64 seed);

struct GeneratorOptions
{
    int orders = 200;
    quint64 seed = 1;
    qint64 nowSecs = 0;           // sandbox time at generation: data spans the 30 days before
    int batchCloseHour = 20;      // Pacific local hour at which PayTrace closes the batch
    QString paytraceUsername;     // created.by of every transaction
};

struct GeneratedData
{
    QList<MagentoOrder> orders;             // by entity_id (creation order)
    QList<PayTraceTransaction> transactions; // by transaction id (creation order), unsettled:
                                             // PayTraceState settles them when it loads them
    QList<PayTraceCustomer> customers;       // vault profiles (vaultgen.h describes the mix)
    // Magento customers that already carry their vault link: (customer id, vault customer_id)
    // as the value of the custom attribute kVaultAttributeCode.
    QList<std::pair<qint64, QString>> customerVaultLinks;
    qint64 firstBatchNumber = 0;
    qint64 nextTransactionId = 0;
    qint64 sharedUpdatedAt = 0;              // the updated_at many orders share (mass action)
};

// Deterministic: the same options give byte-identical data.
GeneratedData generateData(const GeneratorOptions &options);

} // namespace pb::sandbox
