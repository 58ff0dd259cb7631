#pragma once

#include "datagen.h"
#include "httpserver.h"
#include "paytracestate.h"

#include <QJsonObject>
#include <QMutex>

namespace pb::sandbox {

class SandboxClock;

// PayTrace v1 JSON API over HTTP (paytrace.md): OAuth2 password grant, ping, exports, and the
// transaction and vault write endpoints. Thread-safe: every request and every accessor takes
// the one mutex, so tests may read the books from another thread while requests are served.
class PayTraceSimulator
{
public:
    static constexpr qint64 kTokenLifetime = 7200;

    PayTraceSimulator(const SandboxClock *clock, const SandboxCredentials &credentials, int closeHour);

    void load(const GeneratedData &data);
    // `path` is the request path without the "/paytrace" prefix, e.g. "/v1/ping".
    HttpResponse handle(const HttpRequest &request, QByteArrayView path);

    // Snapshots for tests and the demo.
    QList<PayTraceTransaction> transactions() const;
    std::optional<PayTraceTransaction> transaction(qint64 id) const;
    QList<PayTraceTransaction> transactionsForInvoice(const QString &invoiceId) const;
    QList<PayTraceBatch> batches() const;
    QList<LedgerEntry> ledger() const;
    QList<PayTraceCustomer> customers() const;
    // Closes the open batch now (like /v1/transactions/settle); the batch or nullopt if empty.
    std::optional<PayTraceBatch> settleNow();
    void revokeTokens();

    // The body a 429 gets (no public sample exists for PayTrace).
    static QByteArray rateLimitedBody();

private:
    HttpResponse token(const HttpRequest &request);
    HttpResponse exportByDateRange(const QJsonObject &body);
    HttpResponse exportById(const QJsonObject &body);
    HttpResponse sale(const QJsonObject &body, PayTraceKind kind, QByteArrayView source);
    HttpResponse capture(const QJsonObject &body);
    HttpResponse voidTransaction(const QJsonObject &body);
    HttpResponse refundForTransaction(const QJsonObject &body);
    HttpResponse refundKeyed(const QJsonObject &body);
    HttpResponse settle();
    HttpResponse customerCreate(const QJsonObject &body);
    HttpResponse customerUpdate(const QJsonObject &body);
    HttpResponse customerDelete(const QJsonObject &body);
    HttpResponse customerExport(const QJsonObject &body);
    HttpResponse batchExportOne(const QJsonObject &body);
    HttpResponse batchExport(const QJsonObject &body);
    HttpResponse batchTransactionList(const QJsonObject &body);

    void writeTransaction(class JsonWriter &w, const PayTraceTransaction &t, bool includeBin) const;
    HttpResponse exportEnvelope(const QList<const PayTraceTransaction *> &list, bool includeBin) const;

    const SandboxClock *m_clock;
    SandboxCredentials m_credentials;
    mutable QMutex m_mutex;
    // Mutable: readers first close the batches that the clock has passed.
    mutable PayTraceState m_state;
};

} // namespace pb::sandbox
