#include "mappingdraft.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUndoCommand>
#include <QUndoStack>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

constexpr int kEditCommandId = 0x6d61; // "ma": edits that may merge

// One edit: the values before and after at each path. Undo puts the "before" values back.
class DraftEdit : public QUndoCommand
{
public:
    DraftEdit(MappingDraft *draft, QList<MappingDraft::Change> after, QList<MappingDraft::Change> before,
              const QString &text, QString mergeKey)
        : QUndoCommand(text)
        , m_draft(draft)
        , m_after(std::move(after))
        , m_before(std::move(before))
        , m_mergeKey(std::move(mergeKey))
    {
    }

    void redo() override { m_draft->apply(m_after); }
    void undo() override
    {
        QList<MappingDraft::Change> reversed(m_before.crbegin(), m_before.crend());
        m_draft->apply(reversed);
    }
    int id() const override { return m_mergeKey.isEmpty() ? -1 : kEditCommandId; }
    bool mergeWith(const QUndoCommand *other) override
    {
        const auto *o = static_cast<const DraftEdit *>(other);
        if (o->m_mergeKey != m_mergeKey)
            return false;
        m_after = o->m_after; // same paths: the newest values win, the oldest "before" stays
        return true;
    }

private:
    MappingDraft *m_draft;
    QList<MappingDraft::Change> m_after;
    QList<MappingDraft::Change> m_before;
    QString m_mergeKey;
};

} // namespace

MappingDraft::MappingDraft(QObject *parent)
    : QObject(parent)
    , m_undo(new QUndoStack(this))
    , m_validated(makeError(u"mapping.draft"_s, {}, u"no mapping loaded yet"_s))
{
}

QJsonValue MappingDraft::valueAt(const QJsonObject &root, const QString &path)
{
    if (path.isEmpty())
        return root;
    const QStringList keys = path.split(u'.');
    QJsonValue v = root;
    for (const QString &k : keys) {
        if (!v.isObject())
            return QJsonValue(QJsonValue::Undefined);
        v = v.toObject().value(k);
    }
    return v;
}

void MappingDraft::setAt(QJsonObject &root, const QString &path, const QJsonValue &value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        if (value.isUndefined())
            root.remove(path);
        else
            root.insert(path, value);
        return;
    }
    const QString head = path.left(dot);
    QJsonObject child = root.value(head).toObject();
    setAt(child, path.mid(dot + 1), value);
    root.insert(head, child);
}

QJsonValue MappingDraft::value(const QString &path) const
{
    return valueAt(m_doc, path);
}

void MappingDraft::load(const QByteArray &document, int baseVersion)
{
    m_undo->clear();
    m_base = QJsonDocument::fromJson(document).object();
    m_doc = m_base;
    m_baseVersion = baseVersion;
    m_loaded = true;
    revalidate();
    Q_EMIT changed({});
}

void MappingDraft::replaceAll(const QJsonObject &document, const QString &text)
{
    set({{QString(), document}}, text);
}

void MappingDraft::set(const QString &path, const QJsonValue &value, const QString &text, const QString &mergeKey)
{
    set(QList<Change>{{path, value}}, text, mergeKey);
}

void MappingDraft::set(const QList<Change> &changes, const QString &text, const QString &mergeKey)
{
    QList<Change> before;
    QList<Change> after;
    for (const Change &c : changes) {
        const QJsonValue old = valueAt(m_doc, c.first);
        if (old == c.second)
            continue;
        before << Change{c.first, old};
        after << c;
    }
    if (after.isEmpty())
        return; // nothing changes: no empty step on the undo stack
    m_undo->push(new DraftEdit(this, after, before, text, mergeKey));
}

void MappingDraft::apply(const QList<Change> &changes)
{
    QStringList paths;
    for (const Change &c : changes) {
        if (c.first.isEmpty())
            m_doc = c.second.toObject();
        else
            setAt(m_doc, c.first, c.second);
        paths << c.first;
    }
    revalidate();
    Q_EMIT changed(paths.contains(QString()) ? QStringList() : paths);
}

QByteArray MappingDraft::document() const
{
    return QJsonDocument(m_doc).toJson(QJsonDocument::Indented);
}

QByteArray MappingDraft::baseDocument() const
{
    return QJsonDocument(m_base).toJson(QJsonDocument::Indented);
}

void MappingDraft::revalidate()
{
    m_validated = pb::mapping::MappingProfile::fromJson(document());
    const bool modified = isModified();
    if (modified != m_wasModified) {
        m_wasModified = modified;
        Q_EMIT modifiedChanged(modified);
    }
}

} // namespace pb::ui::studio
