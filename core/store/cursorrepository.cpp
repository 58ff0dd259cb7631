#include "store/cursorrepository.h"

#include "store/sqlsupport.h"

using namespace Qt::StringLiterals;

namespace pb::store {

Result<std::optional<QString>> CursorRepository::get(const QString &name) const
{
    auto query = detail::prepare(m_db, u"SELECT value FROM sync_cursors WHERE name = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, name);
    if (Status s = detail::exec(q, u"cannot read cursor "_s + name); !s)
        return s.error();
    if (!q.next())
        return std::optional<QString>();
    return std::optional<QString>(q.value(0).toString());
}

Status CursorRepository::set(const QString &name, const QString &value, const QDateTime &updatedAt)
{
    if (name.isEmpty())
        return makeError(u"store.invalid_record"_s, QString(), u"a cursor needs a name"_s);
    auto query = detail::prepare(m_db, uR"(
INSERT INTO sync_cursors (name, value, updated_at) VALUES (?, COALESCE(?, ''), ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, name);
    q.bindValue(1, value);
    q.bindValue(2, detail::timeToSql(updatedAt.isValid() ? updatedAt : QDateTime::currentDateTimeUtc()));
    return detail::exec(q, u"cannot store cursor "_s + name);
}

} // namespace pb::store
