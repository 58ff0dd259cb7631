#include "odoosim.h"

#include <QDate>
#include <QJsonDocument>
#include <QMutexLocker>

#include <cmath>
#include <random>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

QString token(std::mt19937_64 &rng, int length)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QString out;
    for (int i = 0; i < length; ++i)
        out += QLatin1Char(alphabet[rng() % 36]);
    return out;
}

// Odoo's dispatcher turns every exception into this object (odoo/http.py serialize_exception).
QJsonObject odooError(const QString &exceptionName, const QString &message, int code = 200)
{
    QJsonObject data{{u"name"_s, exceptionName},
                     {u"debug"_s, QString(u"Traceback (most recent call last):\n  (sandbox)\n"_s + exceptionName + u": "_s + message + u'\n')},
                     {u"message"_s, message},
                     {u"arguments"_s, QJsonArray{message}},
                     {u"context"_s, QJsonObject()}};
    return QJsonObject{{u"code"_s, code},
                       {u"message"_s, code == 100 ? u"Odoo Session Expired"_s : u"Odoo Server Error"_s},
                       {u"data"_s, data}};
}

HttpResponse rpcReply(const QJsonValue &id, const QJsonValue &result, const QJsonObject &error)
{
    QJsonObject o{{u"jsonrpc"_s, u"2.0"_s}, {u"id"_s, id}};
    if (!error.isEmpty())
        o.insert(u"error"_s, error);
    else
        o.insert(u"result"_s, result);
    return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// Odoo rounds amounts to the currency's precision (USD: 0.01). More digits than that are
// refused here rather than silently rounded, so a client sending 0.005 is caught in tests.
bool toCents(const QJsonValue &v, qint64 *cents)
{
    if (v.isUndefined() || v.isNull()) {
        *cents = 0;
        return true;
    }
    if (!v.isDouble())
        return false;
    const double scaled = v.toDouble() * 100.0;
    const double rounded = std::round(scaled);
    if (!std::isfinite(scaled) || std::fabs(scaled - rounded) > 1e-6 || rounded < 0)
        return false;
    *cents = qint64(rounded);
    return true;
}

QString cents(qint64 c)
{
    return u"%1.%2"_s.arg(c / 100).arg(c % 100, 2, 10, QLatin1Char('0'));
}

// One domain leaf against a record. Many2one values ([id, "name"]) compare by id.
bool leafMatches(const QJsonObject &record, const QJsonArray &leaf)
{
    QJsonValue value = record.value(leaf.at(0).toString());
    if (value.isArray())
        value = value.toArray().at(0);
    const QString op = leaf.at(1).toString();
    const QJsonValue operand = leaf.at(2);
    if (op == u"="_s)
        return value == operand || (value.isDouble() && operand.isDouble() && value.toDouble() == operand.toDouble());
    if (op == u"!="_s)
        return value != operand;
    if (op == u"in"_s) {
        for (const QJsonValue &o : operand.toArray()) {
            if (value == o)
                return true;
        }
        return false;
    }
    return false;
}

} // namespace

OdooSimulator::OdooSimulator(quint64 seed)
{
    std::mt19937_64 rng(seed * 0x2545F4914F6CDD1DULL + 0x0D00);
    m_database = u"paybridge_"_s + token(rng, 6);
    m_username = u"erp-"_s + token(rng, 6) + u"@example.com"_s;
    m_password = token(rng, 24);
    qint64 id = 100;
    for (const auto &[code, name] : chart())
        m_accounts.append({id++, code, name});
}

QList<std::pair<QString, QString>> OdooSimulator::chart()
{
    return {{u"121000"_s, u"Account Receivable"_s},    {u"101701"_s, u"PayTrace Clearing"_s},
            {u"101401"_s, u"Bank"_s},                  {u"400000"_s, u"Product Sales"_s},
            {u"400100"_s, u"Sales Returns"_s},         {u"620100"_s, u"Chargebacks"_s},
            {u"620200"_s, u"Card Processing Fees"_s},  {u"620300"_s, u"Bad Debt"_s}};
}

QList<OdooSimulator::Move> OdooSimulator::moves() const
{
    QMutexLocker lock(&m_mutex);
    return m_moves;
}

void OdooSimulator::setUniqueRef(bool on)
{
    QMutexLocker lock(&m_mutex);
    m_uniqueRef = on;
}

const OdooSimulator::Account *OdooSimulator::accountById(qint64 id) const
{
    for (const Account &a : m_accounts) {
        if (a.id == id)
            return &a;
    }
    return nullptr;
}

QJsonObject OdooSimulator::accountJson(const Account &a) const
{
    return {{u"id"_s, double(a.id)}, {u"code"_s, a.code}, {u"name"_s, a.name}, {u"display_name"_s, QString(a.code + u' ' + a.name)}};
}

QJsonObject OdooSimulator::moveJson(const Move &m) const
{
    QJsonArray lineIds;
    qint64 debit = 0;
    for (const Line &l : m.lines) {
        lineIds.append(double(l.id));
        debit += l.debitCents;
    }
    return {{u"id"_s, double(m.id)},       {u"name"_s, m.name},
            {u"ref"_s, m.ref},             {u"date"_s, m.date},
            {u"state"_s, m.state},         {u"move_type"_s, u"entry"_s},
            {u"line_ids"_s, lineIds},      {u"amount_total"_s, double(debit) / 100.0},
            {u"journal_id"_s, QJsonArray{1, u"Miscellaneous Operations"_s}}};
}

QJsonObject OdooSimulator::lineJson(const Move &m, const Line &l) const
{
    const Account *a = accountById(l.accountId);
    return {{u"id"_s, double(l.id)},
            {u"move_id"_s, QJsonArray{double(m.id), m.name}},
            {u"account_id"_s, QJsonArray{double(l.accountId), a ? QString(a->code + u' ' + a->name) : QString()}},
            {u"name"_s, l.name},
            {u"debit"_s, double(l.debitCents) / 100.0},
            {u"credit"_s, double(l.creditCents) / 100.0},
            {u"balance"_s, double(l.debitCents - l.creditCents) / 100.0}};
}

HttpResponse OdooSimulator::handle(const HttpRequest &request, QByteArrayView subPath)
{
    if (subPath != "/jsonrpc")
        return HttpResponse::json(404, QByteArrayLiteral("{\"message\":\"Not Found: the Odoo simulator serves /odoo/jsonrpc\"}"));
    if (request.method != "POST")
        return HttpResponse::json(405, QByteArrayLiteral("{\"message\":\"Method Not Allowed: use POST\"}"));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    if (!doc.isObject()) {
        // What Odoo's JSON request dispatcher answers for a body that is not JSON-RPC.
        return rpcReply(QJsonValue(), {}, odooError(u"werkzeug.exceptions.BadRequest"_s,
                                                    u"400 Bad Request: Invalid JSON data"_s));
    }
    const QJsonObject rpc = doc.object();
    const QJsonValue id = rpc.value(u"id"_s);
    const QJsonObject params = rpc.value(u"params"_s).toObject();
    const QString service = params.value(u"service"_s).toString();
    const QString method = params.value(u"method"_s).toString();
    const QJsonArray args = params.value(u"args"_s).toArray();

    QMutexLocker lock(&m_mutex);
    QJsonObject error;
    QJsonValue result;
    if (service == u"common"_s) {
        if (method == u"version"_s) {
            result = QJsonObject{{u"server_version"_s, u"16.0"_s}, {u"protocol_version"_s, 1}};
        } else if (method == u"login"_s || method == u"authenticate"_s) {
            if (args.size() < (method == u"login"_s ? 3 : 4)) {
                error = odooError(u"builtins.TypeError"_s,
                                  u"%1() missing required positional arguments"_s.arg(method));
            } else if (args.at(0).toString() != m_database) {
                error = odooError(u"psycopg2.OperationalError"_s,
                                  u"connection to server failed: FATAL:  database \"%1\" does not exist"_s.arg(args.at(0).toString()));
            } else {
                const bool ok = args.at(1).toString() == m_username && args.at(2).toString() == m_password;
                result = ok ? QJsonValue(double(m_uid)) : QJsonValue(false);
            }
        } else {
            error = odooError(u"builtins.NameError"_s, u"Method not available %1"_s.arg(method));
        }
    } else if (service == u"object"_s) {
        if (method == u"execute_kw"_s)
            result = executeKw(args, &error);
        else
            error = odooError(u"builtins.NameError"_s, u"Method not available %1"_s.arg(method));
    } else {
        error = odooError(u"builtins.Exception"_s, u"No such service: %1"_s.arg(service));
    }
    return rpcReply(id, result, error);
}

QJsonValue OdooSimulator::executeKw(const QJsonArray &args, QJsonObject *error)
{
    if (args.size() < 6) {
        *error = odooError(u"builtins.TypeError"_s, u"execute_kw() missing required positional arguments"_s);
        return {};
    }
    if (args.at(0).toString() != m_database) {
        *error = odooError(u"psycopg2.OperationalError"_s,
                           u"connection to server failed: FATAL:  database \"%1\" does not exist"_s.arg(args.at(0).toString()));
        return {};
    }
    if (args.at(1).toDouble() != double(m_uid) || args.at(2).toString() != m_password) {
        *error = odooError(u"odoo.exceptions.AccessDenied"_s, u"Access Denied"_s);
        return {};
    }
    const QString model = args.at(3).toString();
    const QString method = args.at(4).toString();
    const QJsonArray callArgs = args.at(5).toArray();
    const QJsonObject kwargs = args.size() > 6 ? args.at(6).toObject() : QJsonObject();
    if (model != u"account.account"_s && model != u"account.move"_s && model != u"account.move.line"_s) {
        *error = odooError(u"builtins.KeyError"_s, u"'%1'"_s.arg(model));
        return {};
    }
    if (method == u"search_read"_s)
        return searchRead(model, callArgs, kwargs, error);
    if (model == u"account.move"_s && method == u"create"_s)
        return createMoves(callArgs, error);
    if (model == u"account.move"_s && method == u"action_post"_s)
        return actionPost(callArgs, error);
    *error = odooError(u"builtins.AttributeError"_s,
                       u"The method '%1' does not exist on the model '%2'"_s.arg(method, model));
    return {};
}

QJsonValue OdooSimulator::searchRead(const QString &model, const QJsonArray &args, const QJsonObject &kwargs,
                                     QJsonObject *error)
{
    const QJsonArray domain = args.isEmpty() ? kwargs.value(u"domain"_s).toArray() : args.at(0).toArray();
    const QJsonArray fields = args.size() > 1 ? args.at(1).toArray() : kwargs.value(u"fields"_s).toArray();
    for (const QJsonValue &leaf : domain) {
        const QJsonArray l = leaf.toArray();
        const QString op = l.at(1).toString();
        if (l.size() != 3 || (op != u"="_s && op != u"!="_s && op != u"in"_s)) {
            *error = odooError(u"builtins.ValueError"_s,
                               u"Invalid leaf %1"_s.arg(QString::fromUtf8(QJsonDocument(l).toJson(QJsonDocument::Compact))));
            return {};
        }
    }
    QList<QJsonObject> records;
    if (model == u"account.account"_s) {
        for (const Account &a : std::as_const(m_accounts))
            records.append(accountJson(a));
    } else if (model == u"account.move"_s) {
        for (const Move &m : std::as_const(m_moves))
            records.append(moveJson(m));
    } else {
        for (const Move &m : std::as_const(m_moves)) {
            for (const Line &l : m.lines)
                records.append(lineJson(m, l));
        }
    }
    QJsonArray out;
    for (const QJsonObject &r : std::as_const(records)) {
        bool all = true;
        for (const QJsonValue &leaf : domain)
            all = all && leafMatches(r, leaf.toArray());
        if (!all)
            continue;
        if (fields.isEmpty()) {
            out.append(r);
            continue;
        }
        QJsonObject picked{{u"id"_s, r.value(u"id"_s)}};
        for (const QJsonValue &f : fields) {
            if (!r.contains(f.toString())) {
                *error = odooError(u"builtins.ValueError"_s, u"Invalid field '%1' on model '%2'"_s.arg(f.toString(), model));
                return {};
            }
            picked.insert(f.toString(), r.value(f.toString()));
        }
        out.append(picked);
    }
    return out;
}

QJsonValue OdooSimulator::createMoves(const QJsonArray &args, QJsonObject *error)
{
    // create(vals) returns an id; create([vals, ...]) returns a list of ids.
    const bool single = args.at(0).isObject();
    const QJsonArray list = single ? QJsonArray{args.at(0)} : args.at(0).toArray();
    if (list.isEmpty()) {
        *error = odooError(u"builtins.TypeError"_s, u"create() needs a values dictionary or a list of them"_s);
        return {};
    }
    QList<Move> created;
    qint64 nextMove = m_nextMoveId;
    qint64 nextLine = m_nextLineId;
    for (const QJsonValue &v : list) {
        const QJsonObject vals = v.toObject();
        Move m;
        m.id = nextMove++;
        m.name = u"/"_s;
        m.ref = vals.value(u"ref"_s).toString();
        m.date = vals.value(u"date"_s).toString();
        if (QDate::fromString(m.date, Qt::ISODate).isNull()) {
            *error = odooError(u"builtins.ValueError"_s,
                               u"time data '%1' does not match format '%Y-%m-%d'"_s.arg(m.date));
            return {};
        }
        const QString moveType = vals.value(u"move_type"_s).toString(u"entry"_s);
        if (moveType != u"entry"_s) {
            *error = odooError(u"odoo.exceptions.UserError"_s, u"The simulator only creates journal entries (move_type 'entry')"_s);
            return {};
        }
        if (m_uniqueRef && !m.ref.isEmpty()) {
            bool duplicate = false;
            for (const Move &o : std::as_const(m_moves))
                duplicate = duplicate || o.ref == m.ref;
            for (const Move &o : std::as_const(created))
                duplicate = duplicate || o.ref == m.ref;
            if (duplicate) {
                *error = odooError(u"odoo.exceptions.ValidationError"_s,
                                   u"Duplicated reference %1: a journal entry with this reference already exists."_s.arg(m.ref));
                return {};
            }
        }
        for (const QJsonValue &cmd : vals.value(u"line_ids"_s).toArray()) {
            const QJsonArray c = cmd.toArray();
            if (c.size() != 3 || c.at(0).toInt(-1) != 0 || !c.at(2).isObject()) {
                *error = odooError(u"builtins.ValueError"_s, u"line_ids: only (0, 0, values) commands are supported"_s);
                return {};
            }
            const QJsonObject lv = c.at(2).toObject();
            Line l;
            l.id = nextLine++;
            l.accountId = qint64(lv.value(u"account_id"_s).toDouble());
            l.name = lv.value(u"name"_s).toString();
            if (!accountById(l.accountId)) {
                *error = odooError(u"odoo.exceptions.MissingError"_s,
                                   u"Record does not exist or has been deleted.\n(Record: account.account(%1,), User: %2)"_s
                                       .arg(l.accountId)
                                       .arg(m_uid));
                return {};
            }
            if (!toCents(lv.value(u"debit"_s), &l.debitCents) || !toCents(lv.value(u"credit"_s), &l.creditCents)) {
                *error = odooError(u"odoo.exceptions.ValidationError"_s,
                                   u"Line '%1': debit and credit must be non-negative amounts with at most 2 decimals"_s.arg(l.name));
                return {};
            }
            if (l.debitCents && l.creditCents) {
                *error = odooError(u"odoo.exceptions.ValidationError"_s,
                                   u"Wrong credit or debit value in accounting entry!"_s);
                return {};
            }
            m.lines.append(l);
        }
        qint64 debit = 0, credit = 0;
        for (const Line &l : std::as_const(m.lines)) {
            debit += l.debitCents;
            credit += l.creditCents;
        }
        if (debit != credit) {
            *error = odooError(u"odoo.exceptions.UserError"_s,
                               u"Cannot create unbalanced journal entry. Ids: [%1]\nDifferences debit - credit: [%2]"_s
                                   .arg(m.id)
                                   .arg(cents(debit - credit)));
            return {};
        }
        created.append(m);
    }
    m_moves.append(created);
    m_nextMoveId = nextMove;
    m_nextLineId = nextLine;
    if (single)
        return double(created.first().id);
    QJsonArray ids;
    for (const Move &m : std::as_const(created))
        ids.append(double(m.id));
    return ids;
}

QJsonValue OdooSimulator::actionPost(const QJsonArray &args, QJsonObject *error)
{
    const QJsonArray ids = args.at(0).isArray() ? args.at(0).toArray() : QJsonArray{args.at(0)};
    QList<qsizetype> targets;
    for (const QJsonValue &v : ids) {
        qsizetype found = -1;
        for (qsizetype i = 0; i < m_moves.size(); ++i) {
            if (double(m_moves.at(i).id) == v.toDouble())
                found = i;
        }
        if (found < 0) {
            *error = odooError(u"odoo.exceptions.MissingError"_s,
                               u"Record does not exist or has been deleted.\n(Record: account.move(%1,), User: %2)"_s
                                   .arg(qint64(v.toDouble()))
                                   .arg(m_uid));
            return {};
        }
        if (m_moves.at(found).state == u"posted"_s) {
            *error = odooError(u"odoo.exceptions.UserError"_s, u"The entry %1 (id %2) is already posted."_s
                                                                   .arg(m_moves.at(found).name)
                                                                   .arg(m_moves.at(found).id));
            return {};
        }
        targets.append(found);
    }
    for (qsizetype i : std::as_const(targets)) {
        Move &m = m_moves[i];
        m.state = u"posted"_s;
        m.name = u"MISC/%1/%2"_s.arg(m.date.left(4)).arg(++m_postedSequence, 5, 10, QLatin1Char('0'));
    }
    return false; // Odoo's action_post returns False (None marshalled) on success
}

HttpResponse OdooSimulator::handleAdmin(const HttpRequest &request)
{
    if (request.path == "/__admin/odoo/moves") {
        if (request.method != "GET")
            return HttpResponse::json(405, QByteArrayLiteral("{\"error\":\"use GET\"}"));
        QMutexLocker lock(&m_mutex);
        QJsonArray out;
        for (const Move &m : std::as_const(m_moves)) {
            QJsonArray lines;
            for (const Line &l : m.lines) {
                const Account *a = accountById(l.accountId);
                lines.append(QJsonObject{{u"account_code"_s, a ? a->code : QString()},
                                         {u"name"_s, l.name},
                                         {u"debit"_s, cents(l.debitCents)},
                                         {u"credit"_s, cents(l.creditCents)}});
            }
            out.append(QJsonObject{{u"id"_s, double(m.id)}, {u"name"_s, m.name}, {u"ref"_s, m.ref},
                                   {u"date"_s, m.date}, {u"state"_s, m.state}, {u"lines"_s, lines}});
        }
        return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"moves"_s, out}}).toJson(QJsonDocument::Compact));
    }
    if (request.path == "/__admin/odoo/config") {
        if (request.method != "POST")
            return HttpResponse::json(405, QByteArrayLiteral("{\"error\":\"use POST\"}"));
        const QJsonObject o = QJsonDocument::fromJson(request.body).object();
        if (!o.value(u"unique_ref"_s).isBool())
            return HttpResponse::json(400, QByteArrayLiteral("{\"error\":\"unique_ref: expected true or false\"}"));
        setUniqueRef(o.value(u"unique_ref"_s).toBool());
        return HttpResponse::json(200, QByteArrayLiteral("{\"ok\":true}"));
    }
    return HttpResponse::json(404, QByteArrayLiteral("{\"error\":\"unknown /__admin/odoo path\"}"));
}

} // namespace pb::sandbox
