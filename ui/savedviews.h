#pragma once

#include "sqlpagedmodel.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

class QSettings;

namespace pb::ui {

// A named table view: free text, typed filters, sort and the header (column order, widths,
// hidden columns).
struct SavedView
{
    QString name;
    QString text;
    SqlPagedModel::TypedFilter filter;
    int sortColumn = 0;
    Qt::SortOrder sortOrder = Qt::AscendingOrder;
    QByteArray headerState;
};

// The saved views of one page, kept in QSettings under "<group>/views" as a list (names are
// free text, so they are values, never settings keys). Nothing here is secret.
class SavedViews
{
public:
    explicit SavedViews(QString group) : m_group(std::move(group)) {}

    QStringList names(QSettings &settings) const;
    std::optional<SavedView> load(QSettings &settings, const QString &name) const;
    // Replaces a view of the same name.
    void save(QSettings &settings, const SavedView &view) const;
    bool remove(QSettings &settings, const QString &name) const;

private:
    QVariantList read(QSettings &settings) const;
    void write(QSettings &settings, const QVariantList &views) const;

    QString m_group;
};

} // namespace pb::ui
