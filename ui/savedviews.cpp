#include "savedviews.h"

#include <QSettings>

using namespace Qt::StringLiterals;

namespace pb::ui {

QVariantList SavedViews::read(QSettings &settings) const
{
    return settings.value(m_group + u"/views"_s).toList();
}

void SavedViews::write(QSettings &settings, const QVariantList &views) const
{
    if (views.isEmpty())
        settings.remove(m_group + u"/views"_s);
    else
        settings.setValue(m_group + u"/views"_s, views);
}

QStringList SavedViews::names(QSettings &settings) const
{
    QStringList out;
    for (const QVariant &v : read(settings))
        out << v.toMap().value(u"name"_s).toString();
    return out;
}

std::optional<SavedView> SavedViews::load(QSettings &settings, const QString &name) const
{
    for (const QVariant &v : read(settings)) {
        const QVariantMap map = v.toMap();
        if (map.value(u"name"_s).toString() != name)
            continue;
        SavedView view;
        view.name = name;
        view.text = map.value(u"text"_s).toString();
        view.filter = SqlPagedModel::TypedFilter::fromMap(map.value(u"filter"_s).toMap());
        view.sortColumn = map.value(u"sortColumn"_s).toInt();
        view.sortOrder = map.value(u"sortOrder"_s).toInt() == Qt::DescendingOrder ? Qt::DescendingOrder
                                                                                  : Qt::AscendingOrder;
        view.headerState = map.value(u"header"_s).toByteArray();
        return view;
    }
    return std::nullopt;
}

void SavedViews::save(QSettings &settings, const SavedView &view) const
{
    QVariantMap map;
    map.insert(u"name"_s, view.name);
    map.insert(u"text"_s, view.text);
    map.insert(u"filter"_s, view.filter.toMap());
    map.insert(u"sortColumn"_s, view.sortColumn);
    map.insert(u"sortOrder"_s, int(view.sortOrder));
    map.insert(u"header"_s, view.headerState);
    QVariantList views = read(settings);
    bool replaced = false;
    for (QVariant &v : views) {
        if (v.toMap().value(u"name"_s).toString() == view.name) {
            v = map;
            replaced = true;
        }
    }
    if (!replaced)
        views << map;
    write(settings, views);
}

bool SavedViews::remove(QSettings &settings, const QString &name) const
{
    QVariantList views = read(settings);
    const qsizetype before = views.size();
    views.removeIf([&](const QVariant &v) { return v.toMap().value(u"name"_s).toString() == name; });
    if (views.size() == before)
        return false;
    write(settings, views);
    return true;
}

} // namespace pb::ui
