#pragma once

#include "access/accesspolicy.h"
#include "access/operator.h"

#include <QList>
#include <QSqlDatabase>
#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace pb::ui {

// Operators, their roles and the support refund limit of one store (admin only). Every change
// goes through access::OperatorDirectory / access::LimitStore on a worker thread with a writer
// connection of its own; they check the acting operator as the store has them and audit the
// change in the same transaction. A refusal is shown as the core worded it.
class OperatorsEditor : public QWidget
{
    Q_OBJECT

public:
    OperatorsEditor(const QString &databasePath, const QString &actor, QWidget *parent = nullptr);

    void reload();
    bool isBusy() const { return m_busy > 0; }
    const QList<access::Operator> &operators() const { return m_operators; }
    const access::Limits &limits() const { return m_limits; }
    QString messageText() const;

    QTableWidget *table() const { return m_table; }
    QLineEdit *accountEdit() const { return m_account; }
    QLineEdit *displayNameEdit() const { return m_displayName; }
    QPushButton *addButton() const { return m_add; }
    QLineEdit *limitEdit() const { return m_limitAmount; }
    QComboBox *limitCurrencyBox() const { return m_limitCurrency; }
    QPushButton *setLimitButton() const { return m_setLimit; }
    QPushButton *removeLimitButton() const { return m_removeLimit; }

    // What the checkbox columns hold.
    enum Column { Account, DisplayName, Finance, Support, Admin, Disabled, ColumnCount };

Q_SIGNALS:
    // A reload or a change finished (ok or refused); the table shows the store again.
    void settled();

private:
    void fill();
    void onItemChanged(int row, int column);
    void change(std::function<Status(QSqlDatabase &)> task, const QString &doneText);
    void addOperator();
    void setLimit(bool remove);
    void showMessage(const QString &text, bool error);

    QString m_databasePath;
    QString m_actor;
    QList<access::Operator> m_operators;
    access::Limits m_limits;
    int m_busy = 0;
    bool m_filling = false;

    QTableWidget *m_table = nullptr;
    QLineEdit *m_account = nullptr;
    QLineEdit *m_displayName = nullptr;
    QPushButton *m_add = nullptr;
    QLineEdit *m_limitAmount = nullptr;
    QComboBox *m_limitCurrency = nullptr;
    QLabel *m_limitCurrent = nullptr;
    QPushButton *m_setLimit = nullptr;
    QPushButton *m_removeLimit = nullptr;
    QLabel *m_message = nullptr;
};

} // namespace pb::ui
