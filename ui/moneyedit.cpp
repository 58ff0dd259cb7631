#include "moneyedit.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QValidator>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Accepts exactly the texts Money::parse can read for a positive amount in one currency, and
// their unfinished prefixes ("", "12."). Refuses everything else as it is typed.
class MoneyValidator : public QValidator
{
public:
    explicit MoneyValidator(QObject *parent) : QValidator(parent) {}

    void setExponent(int exponent) { m_exponent = exponent; }

    State validate(QString &input, int &) const override
    {
        if (input.isEmpty())
            return Intermediate;
        qsizetype point = -1;
        for (qsizetype i = 0; i < input.size(); ++i) {
            const QChar c = input.at(i);
            if (c == u'.') {
                if (point >= 0 || m_exponent == 0)
                    return Invalid;
                point = i;
            } else if (c < u'0' || c > u'9') {
                return Invalid;
            }
        }
        if (point >= 0 && input.size() - point - 1 > m_exponent)
            return Invalid; // more decimals than the currency's minor unit
        // Nineteen integer digits cannot be held as int64 minor units; Money::parse says so.
        if ((point < 0 ? input.size() : point) > 15)
            return Invalid;
        if (point == 0 || point == input.size() - 1)
            return Intermediate; // ".5" is not Money syntax; "12." is half typed
        return Acceptable;
    }

private:
    int m_exponent = 2;
};

} // namespace

MoneyEdit::MoneyEdit(QWidget *parent)
    : QWidget(parent)
    , m_currency(Currency::usd())
{
    m_edit = new QLineEdit(this);
    m_edit->setObjectName(u"moneyLineEdit"_s);
    m_edit->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_edit->setInputMethodHints(Qt::ImhFormattedNumbersOnly);
    m_edit->setValidator(new MoneyValidator(m_edit));
    m_edit->setAccessibleName(tr("Amount"));

    m_code = new QLabel(this);
    m_code->setObjectName(u"currencyLabel"_s);
    m_code->setTextFormat(Qt::PlainText);
    m_code->setBuddy(m_edit);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_code);
    setFocusProxy(m_edit);

    connect(m_edit, &QLineEdit::textChanged, this, &MoneyEdit::amountEdited);
    setCurrency(m_currency);
}

void MoneyEdit::setCurrency(const Currency &currency)
{
    m_currency = currency;
    static_cast<MoneyValidator *>(const_cast<QValidator *>(m_edit->validator()))->setExponent(currency.exponent());
    m_code->setText(currency.code());
    m_edit->setAccessibleDescription(
        currency.exponent() == 0
            ? tr("Amount in %1, whole units only").arg(currency.code())
            : tr("Amount in %1, with up to %n decimal(s)", nullptr, currency.exponent()).arg(currency.code()));
    m_edit->setPlaceholderText(Money::zero(currency).toDecimalString());
    // Text typed for another currency may have too many decimals now.
    QString text = m_edit->text();
    int pos = 0;
    if (m_edit->validator()->validate(text, pos) == QValidator::Invalid)
        m_edit->clear();
}

void MoneyEdit::setAmount(const Money &amount)
{
    if (!(amount.currency() == m_currency))
        setCurrency(amount.currency());
    m_edit->setText(amount.abs().toDecimalString());
}

void MoneyEdit::clear()
{
    m_edit->clear();
}

void MoneyEdit::setMaximum(const std::optional<Money> &maximum)
{
    m_maximum = maximum;
}

QString MoneyEdit::text() const
{
    return m_edit->text();
}

void MoneyEdit::setReadOnly(bool readOnly)
{
    m_edit->setReadOnly(readOnly);
}

Result<Money> MoneyEdit::amount() const
{
    const QString text = m_edit->text();
    if (text.isEmpty())
        return makeError(u"amount.empty"_s, u"amount"_s, tr("Enter an amount in %1.").arg(m_currency.code()));
    auto parsed = Money::parse(text, m_currency);
    if (!parsed) {
        if (parsed.error().code == u"money.precision")
            return makeError(parsed.error().code, u"amount"_s,
                             tr("%1 has at most %n decimal(s).", nullptr, m_currency.exponent())
                                 .arg(m_currency.code()));
        return makeError(parsed.error().code, u"amount"_s,
                         tr("“%1” is not an amount in %2 (%3).")
                             .arg(text, m_currency.code(), parsed.error().message));
    }
    if (parsed->isZero() || parsed->isNegative())
        return makeError(u"amount.not_positive"_s, u"amount"_s, tr("The amount must be more than zero."));
    if (m_maximum && m_maximum->isValid()) {
        const auto order = parsed->compare(*m_maximum);
        if (order && *order == std::strong_ordering::greater)
            return makeError(u"amount.above_maximum"_s, u"amount"_s,
                             tr("The amount is more than the %1 that is left.").arg(m_maximum->toString()));
    }
    return parsed;
}

} // namespace pb::ui
