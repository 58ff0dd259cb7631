#pragma once

#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QString>

#include <utility>

class QUndoStack;

namespace pb::ui::studio {

// The mapping document being edited on the Mapping page. It is kept as JSON, not as a
// MappingProfile, so a draft that does not validate yet (a status of the wrong state brought in
// by an import, an account name half typed) can still be shown, undone and corrected; every
// edit is a command on the undo stack. Paths are dotted keys ("statusMap.approved",
// "erpAccounts.perCurrency.CAD.sales"); arrays are replaced whole ("linkKey.transforms").
class MappingDraft : public QObject
{
    Q_OBJECT

public:
    using Change = std::pair<QString, QJsonValue>; // path, new value (undefined removes the key)

    explicit MappingDraft(QObject *parent = nullptr);

    QUndoStack *undoStack() const { return m_undo; }

    // Starts over from a stored document (the active version): clears the undo history.
    void load(const QByteArray &document, int baseVersion);
    // Replaces the whole draft (an import), as one undoable edit.
    void replaceAll(const QJsonObject &document, const QString &text);
    // One undoable edit of one or several values. `mergeKey` non-empty: consecutive edits with
    // the same key become one step (a spin box stepping through values).
    void set(const QList<Change> &changes, const QString &text, const QString &mergeKey = {});
    void set(const QString &path, const QJsonValue &value, const QString &text, const QString &mergeKey = {});

    const QJsonObject &json() const { return m_doc; }
    QJsonValue value(const QString &path) const;
    QString string(const QString &path) const { return value(path).toString(); }
    // The draft as the document Save stores (indented JSON).
    QByteArray document() const;
    QByteArray baseDocument() const;
    int baseVersion() const { return m_baseVersion; }
    bool isLoaded() const { return m_loaded; }
    // Differs from the document it was loaded from (undoing back to it is "unmodified" again).
    bool isModified() const { return m_doc != m_base; }

    // The draft read by MappingProfile::fromJson: the profile, or the first error with its key.
    const Result<pb::mapping::MappingProfile> &validated() const { return m_validated; }

    // Applies without the undo stack (for the commands).
    void apply(const QList<Change> &changes);

    static QJsonValue valueAt(const QJsonObject &root, const QString &path);
    static void setAt(QJsonObject &root, const QString &path, const QJsonValue &value);

Q_SIGNALS:
    // After every change of the draft (edit, undo, redo, load). `paths` empty: everything.
    void changed(const QStringList &paths);
    void modifiedChanged(bool modified);

private:
    void revalidate();

    QUndoStack *m_undo = nullptr;
    QJsonObject m_doc;
    QJsonObject m_base;
    int m_baseVersion = 0;
    bool m_loaded = false;
    bool m_wasModified = false;
    Result<pb::mapping::MappingProfile> m_validated;
};

} // namespace pb::ui::studio
