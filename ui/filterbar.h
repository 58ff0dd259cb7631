#pragma once

#include "sqlpagedmodel.h"

#include <QWidget>

class QComboBox;
class QDateEdit;
class QLineEdit;
class QMenu;
class QToolButton;

namespace pb::ui {

// The typed filters of a table page: a period (today, this week or a created date range), what
// the dashboard counts a row as (kind), linked to an order or not, status (several at once),
// currency and an amount range in that currency. It shows only the parts the model offers
// (SqlPagedModel::filterFields()) and emits filterChanged() with a complete, valid filter;
// while an amount is not valid money in the chosen currency it says why and emits nothing.
class FilterBar : public QWidget
{
    Q_OBJECT

public:
    FilterBar(const SqlPagedModel::FilterFields &fields, QWidget *parent = nullptr);

    SqlPagedModel::TypedFilter filter() const { return m_filter; }
    // Shows `filter` (a saved view) without emitting filterChanged().
    void setFilter(const SqlPagedModel::TypedFilter &filter);
    // Why the current input is not applied (e.g. "Minimum amount: ..."); empty when it is.
    QString inputError() const { return m_error; }

    QComboBox *periodBox() const { return m_period; }
    QComboBox *kindBox() const { return m_kind; }
    QComboBox *linkedBox() const { return m_linked; }
    QDateEdit *fromEdit() const { return m_from; }
    QDateEdit *toEdit() const { return m_to; }
    QToolButton *statusButton() const { return m_status; }
    QMenu *statusMenu() const { return m_statusMenu; }
    QComboBox *currencyBox() const { return m_currency; }
    QLineEdit *minAmountEdit() const { return m_min; }
    QLineEdit *maxAmountEdit() const { return m_max; }
    QToolButton *clearButton() const { return m_clear; }

Q_SIGNALS:
    void filterChanged(const pb::ui::SqlPagedModel::TypedFilter &filter);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void readInputs();
    void updateStatusText();
    void updatePeriodBox();
    void choosePeriod(int index);

    SqlPagedModel::FilterFields m_fields;
    SqlPagedModel::TypedFilter m_filter;
    QString m_error;
    bool m_updating = false;
    QComboBox *m_period = nullptr;
    QComboBox *m_kind = nullptr;
    QComboBox *m_linked = nullptr;
    QDateEdit *m_from = nullptr;
    QDateEdit *m_to = nullptr;
    QToolButton *m_status = nullptr;
    QMenu *m_statusMenu = nullptr;
    QComboBox *m_currency = nullptr;
    QLineEdit *m_min = nullptr;
    QLineEdit *m_max = nullptr;
    QToolButton *m_clear = nullptr;
};

} // namespace pb::ui
