#include "filterbar.h"

#include "money/money.h"

#include <QAction>
#include <QComboBox>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QTimeZone>
#include <QTimer>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// The earliest date stands for "no bound" (QDateEdit shows its special value text for it).
const QDate kAnyDate(2000, 1, 1);
constexpr int kInputDelayMs = 250;

qint64 localMidnightMs(const QDate &date)
{
    return QDateTime(date, QTime(0, 0)).toMSecsSinceEpoch();
}

QDate localDate(qint64 utcMs)
{
    return QDateTime::fromMSecsSinceEpoch(utcMs).date();
}

QDateEdit *makeDateEdit(QWidget *parent, const QString &name, const QString &accessible)
{
    auto *edit = new QDateEdit(parent);
    edit->setObjectName(name);
    edit->setCalendarPopup(true);
    edit->setMinimumDate(kAnyDate);
    edit->setMaximumDate(QDate(2099, 12, 31));
    edit->setSpecialValueText(FilterBar::tr("Any"));
    edit->setDisplayFormat(u"yyyy-MM-dd"_s);
    edit->setDate(kAnyDate);
    edit->setAccessibleName(accessible);
    return edit;
}

} // namespace

FilterBar::FilterBar(const SqlPagedModel::FilterFields &fields, QWidget *parent)
    : QWidget(parent)
    , m_fields(fields)
{
    setObjectName(u"filterBar"_s);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);

    auto *delay = new QTimer(this);
    delay->setSingleShot(true);
    delay->setInterval(kInputDelayMs);
    connect(delay, &QTimer::timeout, this, &FilterBar::readInputs);
    const auto schedule = [this, delay] {
        if (!m_updating)
            delay->start();
    };

    const auto addLabel = [&](const QString &text, QWidget *buddy) {
        auto *label = new QLabel(text, this);
        label->setBuddy(buddy);
        // QLabel sizes kerned text ("To" is 13 px) but draws it wider, clipping the last letter.
        QString shown = text;
        label->setMinimumWidth(label->fontMetrics().horizontalAdvance(shown.remove(u'&')) + 2);
        layout->addWidget(label);
        layout->addWidget(buddy);
    };

    // Period: named ranges that fill the date fields; editing a date shows "Custom".
    m_period = new QComboBox(this);
    m_period->setObjectName(u"periodFilterBox"_s);
    m_period->setAccessibleName(tr("Period"));
    m_period->setToolTip(tr("Created today, this week (since Monday) or between the dates beside"));
    m_period->addItem(tr("Any time"), QString());
    m_period->addItem(tr("Today"), u"today"_s);
    m_period->addItem(tr("This week"), u"week"_s);
    m_period->addItem(tr("Custom"), u"custom"_s);
    connect(m_period, &QComboBox::activated, this, &FilterBar::choosePeriod);

    m_from = makeDateEdit(this, u"fromDateEdit"_s, tr("Created from"));
    m_to = makeDateEdit(this, u"toDateEdit"_s, tr("Created until"));
    m_from->setToolTip(tr("First day to show (local time); the lowest date means any"));
    m_to->setToolTip(tr("Last day to show, inclusive (local time); the lowest date means any"));
    for (QDateEdit *edit : {m_from, m_to})
        connect(edit, &QDateEdit::dateChanged, this, [this, schedule] {
            updatePeriodBox();
            schedule();
        });
    m_from->installEventFilter(this);
    m_to->installEventFilter(this);
    if (!fields.dateSql.isEmpty()) {
        addLabel(tr("&Period"), m_period);
        addLabel(tr("&From"), m_from);
        addLabel(tr("&To"), m_to);
    } else {
        m_period->hide();
        m_from->hide();
        m_to->hide();
    }

    m_kind = new QComboBox(this);
    m_kind->setObjectName(u"kindFilterBox"_s);
    m_kind->setAccessibleName(tr("Kind"));
    m_kind->setToolTip(tr("Show only what the dashboard counts under that heading"));
    m_kind->addItem(tr("Any kind"), QString());
    for (const auto &kind : fields.kinds) {
        m_kind->addItem(kind.label, kind.code);
        m_kind->setItemData(m_kind->count() - 1, kind.tip, Qt::ToolTipRole);
    }
    connect(m_kind, &QComboBox::currentIndexChanged, this, schedule);
    if (!fields.kinds.isEmpty())
        addLabel(tr("&Kind"), m_kind);
    else
        m_kind->hide();

    m_linked = new QComboBox(this);
    m_linked->setObjectName(u"linkedFilterBox"_s);
    m_linked->setAccessibleName(tr("Link to an order"));
    m_linked->setToolTip(tr("Linked to a Magento order, or without one (e.g. terminal sales, orders not synced yet)"));
    m_linked->addItem(tr("Any"), QString());
    m_linked->addItem(tr("Linked"), u"linked"_s);
    m_linked->addItem(tr("No order"), u"unlinked"_s);
    connect(m_linked, &QComboBox::currentIndexChanged, this, schedule);
    if (!fields.linkedSql.isEmpty())
        addLabel(tr("&Link"), m_linked);
    else
        m_linked->hide();

    m_status = new QToolButton(this);
    m_status->setObjectName(u"statusFilterButton"_s);
    m_status->setPopupMode(QToolButton::InstantPopup);
    m_status->setAccessibleName(tr("Status filter"));
    m_status->setToolTip(tr("Show only rows with one of the ticked statuses"));
    m_statusMenu = new QMenu(m_status);
    for (const auto &[code, label] : fields.statuses) {
        QAction *action = m_statusMenu->addAction(label);
        action->setCheckable(true);
        action->setData(code);
        connect(action, &QAction::toggled, this, [this, schedule] {
            updateStatusText();
            schedule();
        });
    }
    m_status->setMenu(m_statusMenu);
    updateStatusText();
    if (!fields.statusSql.isEmpty() && !fields.statuses.isEmpty())
        layout->addWidget(m_status);
    else
        m_status->hide();

    m_currency = new QComboBox(this);
    m_currency->setObjectName(u"currencyFilterBox"_s);
    m_currency->setAccessibleName(tr("Currency filter"));
    m_currency->addItem(tr("Any currency"), QString());
    for (const QString &code : {u"USD"_s, u"EUR"_s, u"GBP"_s, u"CAD"_s, u"AUD"_s, u"CHF"_s, u"JPY"_s, u"KWD"_s})
        m_currency->addItem(code, code);
    connect(m_currency, &QComboBox::currentIndexChanged, this, [this, schedule] {
        const bool any = m_currency->currentData().toString().isEmpty();
        m_min->setEnabled(!any);
        m_max->setEnabled(!any);
        schedule();
    });

    m_min = new QLineEdit(this);
    m_min->setObjectName(u"minAmountEdit"_s);
    m_max = new QLineEdit(this);
    m_max->setObjectName(u"maxAmountEdit"_s);
    for (QLineEdit *edit : {m_min, m_max}) {
        // Amounts only mean something in one currency, so they wait for one to be chosen.
        edit->setEnabled(false);
        edit->setClearButtonEnabled(true);
        edit->setMaximumWidth(fontMetrics().horizontalAdvance(u"0000000.000"_s) + 32);
        connect(edit, &QLineEdit::textEdited, this, schedule);
    }
    m_min->setPlaceholderText(tr("min"));
    m_max->setPlaceholderText(tr("max"));
    m_min->setAccessibleName(tr("Minimum amount"));
    m_max->setAccessibleName(tr("Maximum amount"));
    m_min->setToolTip(tr("Lowest amount, in the chosen currency (e.g. 10.50)"));
    m_max->setToolTip(tr("Highest amount, in the chosen currency (e.g. 250)"));
    if (!fields.currencySql.isEmpty()) {
        addLabel(tr("C&urrency"), m_currency);
        if (!fields.amountSql.isEmpty()) {
            addLabel(tr("&Amount"), m_min);
            layout->addWidget(new QLabel(u"–"_s, this));
            layout->addWidget(m_max);
        } else {
            m_min->hide();
            m_max->hide();
        }
    } else {
        m_currency->hide();
        m_min->hide();
        m_max->hide();
    }

    m_clear = new QToolButton(this);
    m_clear->setObjectName(u"clearFiltersButton"_s);
    m_clear->setText(tr("Clear"));
    m_clear->setToolTip(tr("Remove the period, kind, link, status, currency and amount filters"));
    connect(m_clear, &QToolButton::clicked, this, [this] {
        setFilter({});
        Q_EMIT filterChanged(m_filter);
    });
    layout->addWidget(m_clear);
}

void FilterBar::setFilter(const SqlPagedModel::TypedFilter &filter)
{
    m_updating = true;
    m_filter = filter;
    m_error.clear();
    m_from->setDate(filter.fromMs ? localDate(*filter.fromMs) : kAnyDate);
    // `toMs` is the exclusive end: the last shown day is the one before it.
    m_to->setDate(filter.toMs ? localDate(*filter.toMs - 1) : kAnyDate);
    updatePeriodBox();
    m_kind->setCurrentIndex(qMax(0, m_kind->findData(filter.kind)));
    m_linked->setCurrentIndex(!filter.linked ? 0 : *filter.linked ? 1 : 2);
    for (QAction *action : m_statusMenu->actions())
        action->setChecked(filter.statuses.contains(action->data().toString()));
    updateStatusText();
    int index = m_currency->findData(filter.currency);
    if (index < 0) {
        m_currency->addItem(filter.currency, filter.currency);
        index = m_currency->count() - 1;
    }
    m_currency->setCurrentIndex(index);
    const auto currency = pb::Currency::fromCode(filter.currency);
    const auto amountText = [&](const std::optional<qint64> &minor) {
        return minor && currency ? pb::Money::fromMinor(*minor, *currency).toDecimalString() : QString();
    };
    m_min->setText(amountText(filter.minMinor));
    m_max->setText(amountText(filter.maxMinor));
    m_min->setEnabled(currency.has_value());
    m_max->setEnabled(currency.has_value());
    m_updating = false;
}

void FilterBar::readInputs()
{
    SqlPagedModel::TypedFilter f;
    if (!m_fields.dateSql.isEmpty()) {
        if (m_from->date() != kAnyDate)
            f.fromMs = localMidnightMs(m_from->date());
        if (m_to->date() != kAnyDate)
            f.toMs = localMidnightMs(m_to->date().addDays(1));
    }
    for (QAction *action : m_statusMenu->actions())
        if (action->isChecked())
            f.statuses << action->data().toString();
    f.currency = m_currency->currentData().toString();
    f.kind = m_kind->currentData().toString();
    if (const QString link = m_linked->currentData().toString(); !link.isEmpty())
        f.linked = link == u"linked";

    QString error;
    if (const auto currency = pb::Currency::fromCode(f.currency)) {
        const auto parse = [&](QLineEdit *edit, std::optional<qint64> &out) {
            const QString text = edit->text().trimmed();
            if (text.isEmpty())
                return;
            // Money parsing, never double: "10.5" is exact and "1.234" is refused for USD.
            const auto money = pb::Money::parse(text, *currency);
            if (!money) {
                if (error.isEmpty())
                    error = tr("%1: %2").arg(edit->accessibleName(), money.error().message);
                edit->setStyleSheet(u"QLineEdit { border: 1px solid #c0392b; }"_s);
                edit->setToolTip(money.error().message);
                return;
            }
            edit->setStyleSheet(QString());
            edit->setToolTip(edit == m_min ? tr("Lowest amount, in the chosen currency (e.g. 10.50)")
                                           : tr("Highest amount, in the chosen currency (e.g. 250)"));
            out = money->minor();
        };
        parse(m_min, f.minMinor);
        parse(m_max, f.maxMinor);
    }
    m_error = error;
    if (!error.isEmpty())
        return; // keep the last valid filter; the field shows what is wrong
    if (f == m_filter)
        return;
    m_filter = f;
    Q_EMIT filterChanged(m_filter);
}

void FilterBar::updateStatusText()
{
    QStringList chosen;
    for (QAction *action : m_statusMenu->actions())
        if (action->isChecked())
            chosen << action->text();
    if (chosen.isEmpty())
        m_status->setText(tr("Status: any"));
    else if (chosen.size() == 1)
        m_status->setText(tr("Status: %1").arg(chosen.constFirst()));
    else
        m_status->setText(tr("Status: %n chosen", nullptr, int(chosen.size())));
}

// The period that the date fields show: a named one when they match it, else "Custom".
void FilterBar::updatePeriodBox()
{
    const QDate from = m_from->date(), to = m_to->date();
    const QDate today = QDate::currentDate();
    const bool isToday = from == today && to == today;
    const bool isWeek = from == today.addDays(1 - today.dayOfWeek()) && to == today;
    // On a Monday today is the whole week: keep whichever of the two was chosen.
    const QString current = m_period->currentData().toString();
    QString period = u"custom"_s;
    if (from == kAnyDate && to == kAnyDate)
        period = QString();
    else if (isToday && isWeek && current == u"week")
        period = current;
    else if (isToday)
        period = u"today"_s;
    else if (isWeek)
        period = u"week"_s;
    m_period->setCurrentIndex(qMax(0, m_period->findData(period)));
}

void FilterBar::choosePeriod(int index)
{
    const QString period = m_period->itemData(index).toString();
    const QDate today = QDate::currentDate();
    if (period == u"custom") {
        m_from->setFocus(Qt::OtherFocusReason); // the dates are what a custom range is made of
        return;
    }
    const QDate from = period == u"today" ? today : period == u"week" ? today.addDays(1 - today.dayOfWeek()) : kAnyDate;
    const QDate to = period.isEmpty() ? kAnyDate : today;
    m_from->setDate(from);
    m_to->setDate(to);
    // setDate() reset the box through updatePeriodBox(); keep the choice when nothing changed.
    m_period->setCurrentIndex(index);
}

// Tab leaves a date field like any other field. QDateEdit would keep Tab to walk its sections,
// and while it shows "Any" it swallows Tab altogether: a keyboard trap in the filter row.
bool FilterBar::eventFilter(QObject *watched, QEvent *event)
{
    if ((watched == m_from || watched == m_to) && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool tab = key->key() == Qt::Key_Tab || key->key() == Qt::Key_Backtab;
        if (tab && !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier))) {
            const bool back = key->key() == Qt::Key_Backtab || key->modifiers().testFlag(Qt::ShiftModifier);
            auto *from = static_cast<QWidget *>(watched);
            QWidget *next = back ? from->previousInFocusChain() : from->nextInFocusChain();
            // Skip the editor's own line edit and whatever cannot take focus by Tab.
            while (next && next != from
                   && (from->isAncestorOf(next) || !next->isVisibleTo(window()) || !next->isEnabled()
                       || !(next->focusPolicy() & Qt::TabFocus)))
                next = back ? next->previousInFocusChain() : next->nextInFocusChain();
            if (next && next != from)
                next->setFocus(back ? Qt::BacktabFocusReason : Qt::TabFocusReason);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace pb::ui
