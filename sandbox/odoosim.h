#pragma once

// Odoo simulator: the JSON-RPC external API (POST /odoo/jsonrpc) for what PayBridge's ERP sink
// uses, over the sandbox's port.
//
//   common.login(db, login, password)                  → uid, or false
//   common.authenticate(db, login, password, env)      → uid, or false
//   common.version()                                   → {"server_version": "16.0", ...}
//   object.execute_kw(db, uid, password, model, method, args, kwargs)
//       account.account       search_read
//       account.move          search_read, create (line_ids [(0, 0, {...})]), action_post
//       account.move.line     search_read
//
// Errors are JSON-RPC error objects as Odoo's dispatcher writes them (HTTP 200):
//   {"jsonrpc":"2.0","id":…,"error":{"code":200,"message":"Odoo Server Error",
//    "data":{"name":"odoo.exceptions.UserError","debug":"…","message":"…","arguments":[…],"context":{}}}}
// A move must balance (debits equal credits, in the company currency, USD, 2 decimals) at
// create and at action_post. Optionally (setUniqueRef) a second move with the same ref is refused.
//
// The ledger (every move with its lines) is served at GET /__admin/odoo/moves; POST
// /__admin/odoo/config {"unique_ref": bool} switches the duplicate-ref check.

#include "httpserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>

namespace pb::sandbox {

class OdooSimulator
{
public:
    struct Account
    {
        qint64 id = 0;
        QString code;
        QString name;
    };
    struct Line
    {
        qint64 id = 0;
        qint64 accountId = 0;
        QString name;
        qint64 debitCents = 0;
        qint64 creditCents = 0;
    };
    struct Move
    {
        qint64 id = 0;
        QString name; // "MISC/2024/00001" once posted, "/" while draft
        QString ref;
        QString date; // YYYY-MM-DD
        QString state = QStringLiteral("draft");
        QList<Line> lines;
    };

    explicit OdooSimulator(quint64 seed);

    QString database() const { return m_database; }
    QString username() const { return m_username; }
    QString password() const { return m_password; }

    // The seeded chart of accounts (code, name): what PayBridge's default accounts map to in
    // the tests and the demo.
    static QList<std::pair<QString, QString>> chart();

    // subPath: the path after "/odoo".
    HttpResponse handle(const HttpRequest &request, QByteArrayView subPath);
    // /__admin/odoo/...
    HttpResponse handleAdmin(const HttpRequest &request);

    QList<Move> moves() const;
    void setUniqueRef(bool on);

private:
    QJsonValue executeKw(const QJsonArray &args, QJsonObject *error);
    QJsonValue searchRead(const QString &model, const QJsonArray &args, const QJsonObject &kwargs, QJsonObject *error);
    QJsonValue createMoves(const QJsonArray &args, QJsonObject *error);
    QJsonValue actionPost(const QJsonArray &args, QJsonObject *error);
    QJsonObject accountJson(const Account &a) const;
    QJsonObject moveJson(const Move &m) const;
    QJsonObject lineJson(const Move &m, const Line &l) const;
    const Account *accountById(qint64 id) const;

    mutable QMutex m_mutex;
    QString m_database;
    QString m_username;
    QString m_password;
    QList<Account> m_accounts;
    QList<Move> m_moves;
    qint64 m_nextMoveId = 1;
    qint64 m_nextLineId = 1;
    int m_postedSequence = 0;
    bool m_uniqueRef = false;
    qint64 m_uid = 2; // Odoo's first real user after OdooBot
};

} // namespace pb::sandbox
