#pragma once

#include "money/money.h"
#include "util/result.h"

#include <QString>
#include <QWidget>

#include <optional>

class QLabel;
class QLineEdit;

namespace pb::ui {

// An amount in one given currency, typed as exact decimal text ("25", "25.5", "25.50";
// "1500" for JPY, "0.125" for KWD) and read through pb::Money::parse, never through a double.
// Keys that would make the text something Money cannot hold — letters, a second point, a
// sign, more decimals than the currency has — are refused as they are typed. The currency
// code is shown beside the text.
class MoneyEdit : public QWidget
{
    Q_OBJECT

public:
    explicit MoneyEdit(QWidget *parent = nullptr);

    void setCurrency(const Currency &currency);
    const Currency &currency() const { return m_currency; }

    // Shows `amount` (in the editor's currency) as plain decimal text.
    void setAmount(const Money &amount);
    void clear();
    // Optional upper bound ("at most the remaining USD 25.00"); unset means no bound.
    void setMaximum(const std::optional<Money> &maximum);

    // The amount typed, or why it is not one (translated, for the person who typed it):
    // empty, zero, above the maximum, or not an amount in this currency.
    Result<Money> amount() const;
    bool hasAcceptableAmount() const { return amount().ok(); }
    QString text() const;

    QLineEdit *lineEdit() const { return m_edit; }
    void setReadOnly(bool readOnly);

Q_SIGNALS:
    // The text changed; amount() may or may not be valid now.
    void amountEdited();

private:
    Currency m_currency;
    std::optional<Money> m_maximum;
    QLineEdit *m_edit = nullptr;
    QLabel *m_code = nullptr;
};

} // namespace pb::ui
