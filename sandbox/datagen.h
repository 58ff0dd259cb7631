#pragma once

#include "datamodel.h"

namespace pb::sandbox {

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
    QList<PayTraceCustomer> customers;       // vault profiles referenced by transactions
    qint64 firstBatchNumber = 0;
    qint64 nextTransactionId = 0;
    qint64 sharedUpdatedAt = 0;              // the updated_at many orders share (mass action)
};

// Deterministic: the same options give byte-identical data.
GeneratedData generateData(const GeneratorOptions &options);

} // namespace pb::sandbox
