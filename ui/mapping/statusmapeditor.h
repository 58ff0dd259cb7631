#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QLabel;
class QTableWidget;

namespace pb::ui::studio {

class MappingDraft;

// A status the store has: Magento's built-in ones, those seen on synced orders, those the
// profile declares (storeStatuses()).
struct StatusOption
{
    enum class Source { BuiltIn, Observed, Declared };
    QString status;
    QString state;
    QString label;
    int orders = 0;
    Source source = Source::BuiltIn;
    QString note; // why the pair deserves a look (a status seen in another state, a declared one unused)
};

// The status map: one row per payment event with the Magento state and status it sets, or
// "Leave alone". The states offered are those Magento allows for the event
// (MappingProfile::allowedStatesFor), the statuses those of that state the store has; a row the
// draft holds that Magento would refuse (an imported document) is marked with the reason.
class StatusMapEditor : public QWidget
{
    Q_OBJECT

public:
    explicit StatusMapEditor(MappingDraft *draft, QWidget *parent = nullptr);

    void setStatuses(const QList<StatusOption> &statuses);
    void setReadOnly(bool readOnly);
    QTableWidget *table() const { return m_table; }

    // The payment events in the order shown (status-map keys).
    static QStringList eventKeys();
    static QString eventLabel(const QString &key);
    // The states Magento allows an order to be in when `eventKey` happens.
    static QStringList allowedStates(const QString &eventKey);

    // Programmatic edits, as a person makes them with the combos (tests, keyboard). An empty
    // status leaves the order's status alone.
    bool choose(const QString &eventKey, const QString &state, const QString &status);
    QString problemText(const QString &eventKey) const;

private:
    void rebuild();
    void fillKnown();
    void fillStatusCombo(int row, const QString &state, const QString &current);
    void onStateChosen(int row);
    void onStatusChosen(int row);
    QString stateOf(const QString &status) const;
    const StatusOption *option(const QString &status) const;

    MappingDraft *m_draft;
    QList<StatusOption> m_statuses;
    QTableWidget *m_table = nullptr;
    QTableWidget *m_known = nullptr;
    QLabel *m_note = nullptr;
    bool m_readOnly = false;
    bool m_updating = false;
};

} // namespace pb::ui::studio
