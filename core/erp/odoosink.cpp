#include "erp/odoosink.h"

#include "net/errorclass.h"
#include "net/httptransport.h"
#include "net/jsonread.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

Error permanent(const QString &field, const QString &message)
{
    return makeError(kErrPermanent.toString(), field, message);
}

QByteArray idList(const QList<qint64> &ids)
{
    QByteArray out = "[";
    for (qsizetype i = 0; i < ids.size(); ++i)
        out += (i ? "," : "") + QByteArray::number(ids.at(i));
    return out + ']';
}

} // namespace

struct OdooSink::PostOp
{
    QList<JournalEntry> entries;
    qsizetype index = 0;
    PostResult result;
    QPointer<QObject> context;
    std::function<void(const Result<PostResult> &)> done;

    void fail(const Error &e)
    {
        Error out = e;
        if (!result.posted.isEmpty() || !result.alreadyPosted.isEmpty())
            out.message += u" (entries before it: %1 posted, %2 already posted)"_s.arg(result.posted.size())
                               .arg(result.alreadyPosted.size());
        if (context)
            done(out);
    }
};

OdooSink::OdooSink(OdooConfig config, net::HttpTransport *transport, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_transport(transport)
{
}

OdooSink::~OdooSink() = default;

QByteArray OdooSink::jsonString(const QString &s)
{
    const QByteArray array = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray OdooSink::requestBody(QByteArrayView service, QByteArrayView method, const QByteArray &argsJson, qint64 id)
{
    return "{\"jsonrpc\":\"2.0\",\"method\":\"call\",\"params\":{\"service\":\"" + service.toByteArray()
        + "\",\"method\":\"" + method.toByteArray() + "\",\"args\":" + argsJson + "},\"id\":" + QByteArray::number(id)
        + '}';
}

void OdooSink::call(QByteArrayView service, QByteArrayView method, const QByteArray &argsJson, bool write,
                    QObject *context, ValueCallback cb)
{
    const QString what = u"Odoo %1.%2"_s.arg(QString::fromLatin1(service), QString::fromLatin1(method));
    if (!m_transport) {
        // Still asynchronous, as documented: never call back inside post()/lookup().
        QMetaObject::invokeMethod(context, [cb, what] { cb(permanent(what, u"the sink has no HTTP transport"_s)); },
                                  Qt::QueuedConnection);
        return;
    }
    net::HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    QUrl url = m_config.url;
    url.setPath(url.path().endsWith(u'/') ? url.path() + u"jsonrpc"_s : url.path() + u"/jsonrpc"_s);
    request.url = url;
    request.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")},
                       {QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    request.timeoutMs = m_config.timeoutMs;
    request.effect = write ? net::Effect::Write : net::Effect::Read;
    const QByteArray body = requestBody(service, method, argsJson, m_nextId++);
    QPointer<OdooSink> self(this);
    m_transport->send(request, body, context, [self, cb, what, write](const net::HttpResponse &r) {
        if (!self)
            return;
        if (!r.isHttpSuccess()) {
            const net::Classification c = net::classify(r);
            const QString detail = r.error != net::NetworkError::None
                ? net::networkErrorName(r.error) + (r.errorText.isEmpty() ? QString() : u" ("_s + r.errorText + u')')
                : u"HTTP %1"_s.arg(r.status);
            QStringView code = kErrPermanent;
            if (c.errorClass == net::ErrorClass::Transient || c.errorClass == net::ErrorClass::RateLimited)
                code = kErrTransient;
            else if (c.errorClass == net::ErrorClass::InDoubt)
                code = kErrInDoubt;
            cb(makeError(code.toString(), what, u"%1 failed: %2 [%3]"_s.arg(what, detail, net::errorClassName(c.errorClass))));
            return;
        }
        Result<QJsonObject> o = net::json::parseObject(r.body, what);
        if (!o) {
            // A garbled answer to a write may hide an applied write.
            cb(makeError((write ? kErrInDoubt : kErrTransient).toString(), what,
                         u"%1: the answer is not JSON-RPC: %2"_s.arg(what, o.error().message)));
            return;
        }
        if (o->contains(u"error"_s)) {
            const QJsonObject err = o->value(u"error"_s).toObject();
            const QJsonObject data = err.value(u"data"_s).toObject();
            const QString name = data.value(u"name"_s).toString();
            const QString message = data.value(u"message"_s).toString(err.value(u"message"_s).toString());
            cb(permanent(what, u"%1 refused: %2%3"_s.arg(what, message, name.isEmpty() ? QString() : u" ("_s + name + u')')));
            return;
        }
        if (!o->contains(u"result"_s)) {
            cb(makeError((write ? kErrInDoubt : kErrTransient).toString(), what,
                         u"%1: the answer has neither result nor error"_s.arg(what)));
            return;
        }
        cb(o->value(u"result"_s));
    });
}

void OdooSink::executeKw(const QString &model, const QString &method, const QByteArray &argsJson, bool write,
                         QObject *context, ValueCallback cb)
{
    const QByteArray args = '[' + jsonString(m_config.database) + ',' + QByteArray::number(m_uid) + ','
        + jsonString(m_config.password) + ',' + jsonString(model) + ',' + jsonString(method) + ',' + argsJson + ']';
    call("object", "execute_kw", args, write, context, std::move(cb));
}

void OdooSink::ensureReady(const QStringList &codes, QObject *context, std::function<void(const Status &)> cb)
{
    QPointer<OdooSink> self(this);
    if (m_uid == 0) {
        const QByteArray args = '[' + jsonString(m_config.database) + ',' + jsonString(m_config.username) + ','
            + jsonString(m_config.password) + ",{}]";
        call("common", "authenticate", args, false, context, [self, codes, context, cb](const Result<QJsonValue> &r) {
            if (!self)
                return;
            if (!r)
                return cb(r.error());
            const qint64 uid = r->isDouble() ? qint64(r->toDouble()) : 0;
            if (uid <= 0)
                return cb(permanent(u"odoo.username"_s, u"Odoo refused the login for user '%1' on database '%2' "
                                                        "(check the user name, database and the odoo.password secret)"_s
                                                            .arg(self->m_config.username, self->m_config.database)));
            self->m_uid = uid;
            self->ensureReady(codes, context, cb);
        });
        return;
    }
    QStringList missing;
    for (const QString &code : std::as_const(m_config.accountCodes)) {
        if (!m_accountIds.contains(code) && !missing.contains(code))
            missing.append(code);
    }
    const auto check = [self, codes, cb]() {
        for (const QString &code : codes) {
            if (!self->m_accountIds.contains(code)) {
                const QString account = self->m_config.accountCodes.key(code);
                return cb(permanent(u"odooAccounts"_s, u"Odoo has no account with code '%1' (for '%2')"_s.arg(code, account)));
            }
        }
        cb(Status());
    };
    if (missing.isEmpty())
        return check();
    QByteArray list = "[";
    for (qsizetype i = 0; i < missing.size(); ++i)
        list += (i ? "," : "") + jsonString(missing.at(i));
    list += ']';
    executeKw(u"account.account"_s, u"search_read"_s, "[[[\"code\",\"in\"," + list + "]],[\"id\",\"code\"]]", false,
              context, [self, check, cb](const Result<QJsonValue> &r) {
                  if (!self)
                      return;
                  if (!r)
                      return cb(r.error());
                  for (const QJsonValue &v : r->toArray()) {
                      const QJsonObject a = v.toObject();
                      const qint64 id = qint64(a.value(u"id"_s).toDouble());
                      const QString code = a.value(u"code"_s).toString();
                      self->m_accountIds.insert(code, id);
                      self->m_accountByCodeId.insert(id, self->m_config.accountCodes.key(code));
                  }
                  check();
              });
}

QByteArray OdooSink::moveValues(const JournalEntry &e) const
{
    QByteArray lines = "[";
    for (qsizetype i = 0; i < e.postings.size(); ++i) {
        const Posting &p = e.postings.at(i);
        const QByteArray amount = p.amount.abs().toDecimalString().toLatin1(); // exact decimal text
        const bool debit = !p.amount.isNegative();
        lines += (i ? "," : "") + QByteArrayLiteral("[0,0,{\"account_id\":")
            + QByteArray::number(m_accountIds.value(m_config.accountCodes.value(p.account))) + ",\"name\":"
            + jsonString(p.memo.isEmpty() ? e.description : p.memo) + ",\"debit\":" + (debit ? amount : "0")
            + ",\"credit\":" + (debit ? "0" : amount) + "}]";
    }
    lines += ']';
    return "{\"ref\":" + jsonString(e.externalRef) + ",\"date\":" + jsonString(e.date.toString(Qt::ISODate))
        + ",\"move_type\":\"entry\",\"line_ids\":" + lines + '}';
}

void OdooSink::readMove(const QString &ref, QObject *context,
                        std::function<void(const Result<std::optional<JournalEntry>> &, qint64, bool)> cb)
{
    QPointer<OdooSink> self(this);
    executeKw(u"account.move"_s, u"search_read"_s,
              "[[[\"ref\",\"=\"," + jsonString(ref) + "]],[\"id\",\"date\",\"ref\",\"state\"]]", false, context,
              [self, ref, context, cb](const Result<QJsonValue> &r) {
                  if (!self)
                      return;
                  if (!r)
                      return cb(r.error(), 0, false);
                  const QJsonArray found = r->toArray();
                  if (found.isEmpty())
                      return cb(std::optional<JournalEntry>(), 0, false);
                  const QJsonObject move = found.first().toObject();
                  const qint64 id = qint64(move.value(u"id"_s).toDouble());
                  const bool draft = move.value(u"state"_s).toString() == u"draft"_s;
                  const QDate date = QDate::fromString(move.value(u"date"_s).toString(), Qt::ISODate);
                  self->executeKw(
                      u"account.move.line"_s, u"search_read"_s,
                      "[[[\"move_id\",\"=\"," + QByteArray::number(id) + "]],[\"account_id\",\"name\",\"debit\",\"credit\"]]",
                      false, context, [self, ref, id, draft, date, cb](const Result<QJsonValue> &lr) {
                          if (!self)
                              return;
                          if (!lr)
                              return cb(lr.error(), id, draft);
                          const auto currency = Currency::fromCode(self->m_config.companyCurrency);
                          JournalEntry e;
                          e.date = date;
                          e.externalRef = ref;
                          const QJsonArray lines = lr->toArray();
                          for (qsizetype i = 0; i < lines.size(); ++i) {
                              const QJsonObject l = lines.at(i).toObject();
                              const QString field = u"account.move(%1).line_ids[%2]"_s.arg(id).arg(i);
                              const Result<Money> debit = Money::fromJson(l.value(u"debit"_s), *currency, field + u".debit"_s);
                              const Result<Money> credit = Money::fromJson(l.value(u"credit"_s), *currency, field + u".credit"_s);
                              if (!debit || !credit)
                                  return cb(permanent(field, (!debit ? debit : credit).error().message), id, draft);
                              const QJsonArray account = l.value(u"account_id"_s).toArray();
                              const qint64 accountId = qint64(account.at(0).toDouble());
                              QString name = self->m_accountByCodeId.value(accountId);
                              if (name.isEmpty())
                                  name = u"Odoo:"_s + account.at(1).toString(); // an account PayBridge does not map
                              const QString text = l.value(u"name"_s).toString();
                              if (e.description.isEmpty())
                                  e.description = text;
                              Result<Money> amount = debit->minus(*credit);
                              if (!amount)
                                  return cb(permanent(field, amount.error().message), id, draft);
                              e.postings.append({name, *amount, text == e.description ? QString() : text});
                          }
                          cb(std::optional<JournalEntry>(e), id, draft);
                      });
              });
}

void OdooSink::post(const QList<JournalEntry> &entries, QObject *context,
                    std::function<void(const Result<PostResult> &)> done)
{
    auto op = std::make_shared<PostOp>();
    op->entries = entries;
    op->context = context;
    op->done = std::move(done);

    // Validate everything before the first request: an invalid entry fails the whole call.
    QStringList codes;
    Status invalid;
    for (const JournalEntry &e : entries) {
        if (Status s = validate(e); !s) {
            invalid = classifiedError(kErrPermanent, s.error());
            break;
        }
        for (const Posting &p : e.postings) {
            if (p.amount.currency().code() != m_config.companyCurrency) {
                invalid = permanent(e.externalRef, u"%1 is in %2, but Odoo moves are booked in the company currency %3"_s
                                                       .arg(e.externalRef, p.amount.currency().code(), m_config.companyCurrency));
                break;
            }
            const QString code = m_config.accountCodes.value(p.account);
            if (code.isEmpty()) {
                invalid = permanent(u"odooAccounts"_s, u"no Odoo account code is configured for '%1' (entry %2)"_s
                                                           .arg(p.account, e.externalRef));
                break;
            }
            if (!codes.contains(code))
                codes.append(code);
        }
        if (!invalid)
            break;
    }
    if (!invalid || entries.isEmpty()) {
        const Result<PostResult> r = invalid ? Result<PostResult>(PostResult()) : Result<PostResult>(invalid.error());
        QMetaObject::invokeMethod(
            context, [op, r] { op->done(r); }, Qt::QueuedConnection);
        return;
    }
    QPointer<OdooSink> self(this);
    ensureReady(codes, context, [self, op](const Status &ready) {
        if (!self)
            return;
        if (!ready)
            return op->fail(ready.error());
        self->nextEntry(op);
    });
}

void OdooSink::nextEntry(const std::shared_ptr<PostOp> &op)
{
    if (!op->context)
        return;
    if (op->index >= op->entries.size())
        return op->done(op->result);
    const JournalEntry entry = op->entries.at(op->index);
    QPointer<OdooSink> self(this);
    QObject *context = op->context;
    const auto postMove = [self, op, context, entry](qint64 moveId) {
        self->executeKw(u"account.move"_s, u"action_post"_s, '[' + idList({moveId}) + ']', true, context,
                        [self, op, entry](const Result<QJsonValue> &r) {
                            if (!self)
                                return;
                            if (!r)
                                return op->fail(r.error());
                            op->result.posted.append(entry.externalRef);
                            ++op->index;
                            self->nextEntry(op);
                        });
    };
    readMove(entry.externalRef, context,
             [self, op, entry, context, postMove](const Result<std::optional<JournalEntry>> &held, qint64 moveId, bool draft) {
                 if (!self)
                     return;
                 if (!held)
                     return op->fail(held.error());
                 if (held->has_value()) {
                     if (draft) // created by an interrupted earlier post: finish it
                         return postMove(moveId);
                     op->result.alreadyPosted.append(entry.externalRef);
                     if (!samePostings(**held, entry))
                         op->result.conflicting.append(entry.externalRef);
                     ++op->index;
                     return self->nextEntry(op);
                 }
                 self->executeKw(u"account.move"_s, u"create"_s, "[[" + self->moveValues(entry) + "]]", true, context,
                                 [self, op, postMove](const Result<QJsonValue> &created) {
                                     if (!self)
                                         return;
                                     if (!created)
                                         return op->fail(created.error());
                                     const QJsonArray ids = created->toArray();
                                     const qint64 id = qint64((created->isArray() ? ids.at(0) : *created).toDouble());
                                     if (id <= 0)
                                         return op->fail(makeError(kErrInDoubt.toString(), u"account.move"_s,
                                                                   u"Odoo's create answered without a move id"_s));
                                     postMove(id);
                                 });
             });
}

void OdooSink::chartOfAccounts(QObject *context, std::function<void(const Result<QList<OdooAccount>> &)> done)
{
    QPointer<QObject> guard(context);
    QPointer<OdooSink> self(this);
    ensureReady({}, context, [self, context, guard, done](const Status &ready) {
        if (!self || !guard)
            return;
        if (!ready)
            return done(ready.error());
        self->executeKw(u"account.account"_s, u"search_read"_s, "[[],[\"code\",\"name\"]]", false, context,
                        [guard, done](const Result<QJsonValue> &r) {
                            if (!guard)
                                return;
                            if (!r)
                                return done(r.error());
                            if (!r->isArray())
                                return done(permanent(u"account.account"_s, u"Odoo's account list is not a list"_s));
                            QList<OdooAccount> out;
                            for (const QJsonValue &v : r->toArray()) {
                                const QJsonObject a = v.toObject();
                                out.append({qint64(a.value(u"id"_s).toDouble()), a.value(u"code"_s).toString(),
                                            a.value(u"name"_s).toString()});
                            }
                            std::sort(out.begin(), out.end(),
                                      [](const OdooAccount &x, const OdooAccount &y) { return x.code < y.code; });
                            done(out);
                        });
    });
}

void OdooSink::lookup(const QString &externalRef, QObject *context,
                      std::function<void(const Result<std::optional<JournalEntry>> &)> done)
{
    QPointer<QObject> guard(context);
    if (Status s = validateExternalRef(externalRef); !s) {
        const Error e = classifiedError(kErrPermanent, s.error());
        QMetaObject::invokeMethod(context, [done, e] { done(e); }, Qt::QueuedConnection);
        return;
    }
    QPointer<OdooSink> self(this);
    ensureReady({}, context, [self, externalRef, context, guard, done](const Status &ready) {
        if (!self || !guard)
            return;
        if (!ready)
            return done(ready.error());
        self->readMove(externalRef, context,
                       [guard, done](const Result<std::optional<JournalEntry>> &r, qint64, bool) {
                           if (guard)
                               done(r);
                       });
    });
}

} // namespace pb::erp
