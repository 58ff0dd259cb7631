#pragma once

#include "erp/journalsink.h"

#include <QHash>
#include <QJsonValue>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

namespace pb::net {
class HttpTransport;
}

namespace pb::erp {

struct OdooConfig
{
    QUrl url;          // the instance's base URL; calls go to <url>/jsonrpc
    QString database;
    QString username;
    QString password;  // or API key; from the keychain ("odoo.password"), never a profile field
    QString companyCurrency = QStringLiteral("USD"); // moves are booked in it; others are refused
    QMap<QString, QString> accountCodes; // PayBridge account name → Odoo account code
    int timeoutMs = 30000;
};

// One account of the Odoo company's chart (account.account).
struct OdooAccount
{
    qint64 id = 0;
    QString code;
    QString name;
};

// Posts journal entries to Odoo as account.move records over the JSON-RPC external API
// (POST <url>/jsonrpc, service "common" authenticate, service "object" execute_kw):
//   1. common.authenticate(db, login, password, {}) → uid (cached for the sink's life);
//   2. account.account search_read [("code","in",codes)] → ids (cached);
//   3. per entry: account.move search_read [("ref","=",ref)]; when found it is already posted
//      (a draft found there is ours from an interrupted post: it is posted now and counted as
//      posted); otherwise create {ref, date, move_type "entry", line_ids [(0,0,{account_id,
//      name, debit, credit})]} and action_post.
// Entries go one at a time, in order; the first failure ends the call with that error (the
// entries before it are posted, and a retry finds them by ref).
//
// Amounts are written into the request as JSON numbers from the exact decimal text
// ("110.00"), never through a double on our side. Only entries in the company currency are
// accepted (an Odoo multi-currency move needs currency_id/amount_currency and a rate).
//
// Errors: network failures before sending, 5xx, 429 → erp.transient; a lost answer to
// create/action_post → erp.in_doubt; JSON-RPC error objects, failed login, unknown account
// codes, invalid entries → erp.permanent. `done` is always called later from the event loop.
class OdooSink final : public QObject, public JournalSink
{
    Q_OBJECT
public:
    // `transport` is used, not owned, and must outlive the sink (and live in its thread).
    OdooSink(OdooConfig config, net::HttpTransport *transport, QObject *parent = nullptr);
    ~OdooSink() override;

    void post(const QList<JournalEntry> &entries, QObject *context,
              std::function<void(const Result<PostResult> &)> done) override;
    void lookup(const QString &externalRef, QObject *context,
                std::function<void(const Result<std::optional<JournalEntry>> &)> done) override;

    // The whole chart of accounts (account.account search_read, fields code and name), ordered
    // by code, logging in first when needed: what the mapping studio offers for the account map
    // (erp/accountcatalog.h). `done` as for post(): once, later, never after `context` is gone.
    void chartOfAccounts(QObject *context, std::function<void(const Result<QList<OdooAccount>> &)> done);

    // The JSON-RPC request body (exposed for tests): `argsJson` is the already-encoded args array.
    static QByteArray requestBody(QByteArrayView service, QByteArrayView method, const QByteArray &argsJson, qint64 id);
    static QByteArray jsonString(const QString &s);

private:
    struct PostOp;
    using ValueCallback = std::function<void(const Result<QJsonValue> &)>;

    void call(QByteArrayView service, QByteArrayView method, const QByteArray &argsJson, bool write, QObject *context,
              ValueCallback cb);
    void executeKw(const QString &model, const QString &method, const QByteArray &argsJson, bool write,
                   QObject *context, ValueCallback cb);
    void ensureReady(const QStringList &codes, QObject *context, std::function<void(const Status &)> cb);
    void nextEntry(const std::shared_ptr<PostOp> &op);
    QByteArray moveValues(const JournalEntry &entry) const;
    void readMove(const QString &ref, QObject *context,
                  std::function<void(const Result<std::optional<JournalEntry>> &, qint64 moveId, bool draft)> cb);

    OdooConfig m_config;
    QPointer<net::HttpTransport> m_transport;
    qint64 m_uid = 0;
    qint64 m_nextId = 1;
    QHash<QString, qint64> m_accountIds;    // code → id
    QHash<qint64, QString> m_accountByCodeId; // id → PayBridge account name
};

} // namespace pb::erp
