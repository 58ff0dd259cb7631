#include "dashboardpage.h"

#include "displayformat.h"
#include "transactionconditions.h"
#include "money/money.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QScrollArea>
#include <QStyle>
#include <QToolButton>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Replaces the content widget of a group box (the figures are rebuilt on every read; they are
// a few dozen widgets).
void replaceContent(QGroupBox *box, QWidget *&content, QWidget *replacement)
{
    auto *layout = static_cast<QVBoxLayout *>(box->layout());
    if (content) {
        layout->removeWidget(content);
        content->deleteLater();
    }
    content = replacement;
    layout->addWidget(content);
}

QGroupBox *makeBox(const QString &title, const QString &objectName)
{
    auto *box = new QGroupBox(title);
    box->setObjectName(objectName);
    box->setAccessibleName(title);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(8, 8, 8, 8);
    return box;
}

QString when(const QDateTime &t)
{
    return t.isValid() ? Format::dateTime(t.toMSecsSinceEpoch()) : DashboardPage::tr("never");
}

} // namespace

DashboardPage::DashboardPage(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"dashboardPage"_s);
    setAccessibleName(tr("Dashboard"));

    auto *inner = new QWidget;
    inner->setObjectName(u"dashboardContent"_s);
    auto *grid = new QGridLayout(inner);
    grid->setContentsMargins(12, 12, 12, 12);
    grid->setSpacing(12);

    m_state = new QLabel;
    m_state->setObjectName(u"dashboardState"_s);
    m_state->setWordWrap(true);
    m_healthBox = makeBox(tr("Connections"), u"healthBox"_s);
    m_queueBox = makeBox(tr("Queue"), u"queueBox"_s);
    m_volumeBox = makeBox(tr("Gateway volumes"), u"volumeBox"_s);
    m_alertBox = makeBox(tr("Open alerts"), u"alertBox"_s);
    m_chartBox = makeBox(tr("Daily amounts"), u"chartBox"_s);

    // The chart's controls stay; only its series are replaced on each read.
    auto *chartControls = new QHBoxLayout;
    auto *currencyLabel = new QLabel(tr("C&urrency:"));
    m_chartCurrency = new QComboBox;
    m_chartCurrency->setObjectName(u"chartCurrency"_s);
    m_chartCurrency->setAccessibleName(tr("Chart currency"));
    currencyLabel->setBuddy(m_chartCurrency);
    auto *daysLabel = new QLabel(tr("&Period:"));
    m_chartDays = new QComboBox;
    m_chartDays->setObjectName(u"chartDays"_s);
    m_chartDays->setAccessibleName(tr("Chart period"));
    m_chartDays->addItem(tr("Last 14 days"), 14);
    m_chartDays->addItem(tr("Last 30 days"), 30);
    daysLabel->setBuddy(m_chartDays);
    chartControls->addWidget(currencyLabel);
    chartControls->addWidget(m_chartCurrency);
    chartControls->addSpacing(12);
    chartControls->addWidget(daysLabel);
    chartControls->addWidget(m_chartDays);
    chartControls->addStretch(1);
    static_cast<QVBoxLayout *>(m_chartBox->layout())->addLayout(chartControls);

    m_chart = new QChart;
    m_chart->setObjectName(u"dailyChart"_s);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chartView = new QChartView(m_chart);
    m_chartView->setObjectName(u"dailyChartView"_s);
    m_chartView->setAccessibleName(tr("Chart of daily captured, refunded and settled amounts"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(260);
    m_chartView->setFocusPolicy(Qt::NoFocus);
    static_cast<QVBoxLayout *>(m_chartBox->layout())->addWidget(m_chartView);

    connect(m_chartCurrency, &QComboBox::currentIndexChanged, this, [this] { fillChart(); });
    connect(m_chartDays, &QComboBox::currentIndexChanged, this, [this] {
        m_options.chartDays = m_chartDays->currentData().toInt();
        refresh();
    });

    grid->addWidget(m_state, 0, 0, 1, 2);
    grid->addWidget(m_healthBox, 1, 0);
    grid->addWidget(m_queueBox, 1, 1);
    grid->addWidget(m_alertBox, 2, 0, 1, 2);
    grid->addWidget(m_volumeBox, 3, 0, 1, 2);
    grid->addWidget(m_chartBox, 4, 0, 1, 2);
    grid->setColumnStretch(0, 3);
    grid->setColumnStretch(1, 2);
    grid->setRowStretch(5, 1);

    auto *scroll = new QScrollArea;
    scroll->setObjectName(u"dashboardScroll"_s);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(inner);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);

    m_options.chartDays = 14;
    rebuild();
}

DashboardPage::~DashboardPage()
{
    // A read in flight owns only copies (path, options); it finishes on the pool on its own.
    if (m_watcher)
        m_watcher->disconnect(this);
}

void DashboardPage::setDatabasePath(const QString &path)
{
    m_databasePath = path;
    refresh();
}

void DashboardPage::setOptions(const DashboardOptions &options)
{
    m_options = options;
    const int index = m_chartDays->findData(options.chartDays);
    if (index >= 0) {
        const QSignalBlocker block(m_chartDays);
        m_chartDays->setCurrentIndex(index);
    }
}

void DashboardPage::refresh()
{
    if (m_watcher) {
        m_reloadPending = true;
        return;
    }
    startLoad();
}

void DashboardPage::startLoad()
{
    m_reloadPending = false;
    if (m_databasePath.isEmpty() || !QFileInfo::exists(m_databasePath)) {
        m_hasData = false;
        m_data = DashboardData{};
        rebuild();
        Q_EMIT refreshed();
        return;
    }
    if (!m_hasData)
        m_state->setText(tr("Reading the store…"));
    m_watcher = new QFutureWatcher<std::shared_ptr<Result<DashboardData>>>(this);
    connect(m_watcher, &QFutureWatcherBase::finished, this, &DashboardPage::onLoaded);
    const QString path = m_databasePath;
    const DashboardOptions options = m_options;
    m_watcher->setFuture(QtConcurrent::run([path, options] {
        return std::make_shared<Result<DashboardData>>(loadDashboardFromFile(path, options));
    }));
}

void DashboardPage::onLoaded()
{
    const auto result = m_watcher->result();
    m_watcher->deleteLater();
    m_watcher = nullptr;
    if (result && result->ok()) {
        m_data = result->value();
        m_hasData = true;
        rebuild();
        Q_EMIT refreshed();
    } else {
        const QString message = result ? result->error().toString() : tr("the read was interrupted");
        m_state->setText(tr("The dashboard could not read the store: %1").arg(message));
        Q_EMIT loadFailed(message);
    }
    if (m_reloadPending)
        startLoad();
}

void DashboardPage::rebuild()
{
    // Keep the keyboard focus on the same figure across a rebuild.
    const QWidget *focused = QApplication::focusWidget();
    const QString focusName = focused && isAncestorOf(focused) ? focused->objectName() : QString();

    if (!m_hasData)
        m_state->setText(m_databasePath.isEmpty() || !QFileInfo::exists(m_databasePath)
                             ? tr("Nothing synced yet. Use Sync Now to fetch orders and transactions; the "
                                  "figures appear here.")
                             : tr("Reading the store…"));
    else
        m_state->setText(tr("Figures as of %1. Activate a number to see the records behind it.")
                             .arg(Format::dateTime(m_data.computedAt.toMSecsSinceEpoch())));
    fillHealth();
    fillQueue();
    fillAlerts();
    fillVolumes();

    const QString current = m_chartCurrency->currentText();
    {
        const QSignalBlocker block(m_chartCurrency);
        m_chartCurrency->clear();
        // The currency with the most captured in the period first, then by code.
        QList<std::pair<qint64, QString>> ranked;
        for (auto it = m_data.chart.cbegin(); it != m_data.chart.cend(); ++it) {
            qint64 total = 0;
            for (const auto &d : it.value())
                total += d.captured;
            ranked.append({-total, it.key()});
        }
        std::sort(ranked.begin(), ranked.end());
        for (const auto &r : ranked)
            m_chartCurrency->addItem(r.second);
        const int keep = m_chartCurrency->findText(current);
        m_chartCurrency->setCurrentIndex(keep >= 0 ? keep : 0);
    }
    m_chartCurrency->setEnabled(m_chartCurrency->count() > 1);
    fillChart();

    if (!focusName.isEmpty())
        if (auto *w = findChild<QWidget *>(focusName))
            w->setFocus();
}

QWidget *DashboardPage::figureButton(const QString &objectName, const QString &text, const QString &accessible,
                                     const QString &page, const QString &filter,
                                     const SqlPagedModel::TypedFilter &typed)
{
    auto *b = new QToolButton;
    b->setObjectName(objectName);
    b->setText(text);
    b->setAccessibleName(accessible);
    b->setToolTip(tr("%1 — show the records").arg(accessible));
    b->setAutoRaise(true);
    b->setFocusPolicy(Qt::StrongFocus);
    b->setCursor(Qt::PointingHandCursor);
    QFont f = b->font();
    f.setBold(true);
    b->setFont(f);
    connect(b, &QToolButton::clicked, this, [this, page, filter, typed] { Q_EMIT openTable(page, filter, typed); });
    return b;
}

void DashboardPage::fillHealth()
{
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(24);
    const QStringList rows{tr("Status"), tr("Last successful sync"), tr("Errors (recent runs)"), tr("Latency"),
                           tr("Rate limit")};
    for (int r = 0; r < rows.size(); ++r) {
        auto *label = new QLabel(rows[r]);
        label->setEnabled(false); // muted, like a form label
        grid->addWidget(label, r + 1, 0);
    }
    const QList<ConnectionHealth> health = m_hasData ? m_data.health : QList<ConnectionHealth>{
        ConnectionHealth{u"PayTrace"_s, {}, 0, 0, {}, {}, -1, 0, {}},
        ConnectionHealth{u"Magento"_s, {}, 0, 0, {}, {}, -1, 0, {}}};
    int col = 1;
    for (const ConnectionHealth &h : health) {
        auto *name = new QLabel(u"<b>%1</b>"_s.arg(h.system.toHtmlEscaped()));
        grid->addWidget(name, 0, col);
        const bool failing = h.lastErrorAt.isValid() && (!h.lastSuccess.isValid() || h.lastErrorAt > h.lastSuccess);
        QString status;
        if (h.recentRuns == 0)
            status = tr("not synced yet");
        else if (failing)
            status = tr("failing: %1").arg(h.lastError);
        else
            status = tr("working");
        auto *statusLabel = new QLabel(status);
        statusLabel->setObjectName(u"health.%1.status"_s.arg(h.system.toLower()));
        statusLabel->setWordWrap(true);
        statusLabel->setAccessibleName(tr("%1 status: %2").arg(h.system, status));
        if (failing)
            statusLabel->setStyleSheet(u"color: #b3261e;"_s);
        grid->addWidget(statusLabel, 1, col);
        grid->addWidget(new QLabel(when(h.lastSuccess)), 2, col);
        const QString errors = h.recentRuns == 0
            ? tr("no runs yet")
            : tr("%1 of %2 (%3%)").arg(h.recentFailures).arg(h.recentRuns).arg(qRound(h.errorRate() * 100));
        auto *errorsLabel = new QLabel(errors);
        errorsLabel->setObjectName(u"health.%1.errors"_s.arg(h.system.toLower()));
        grid->addWidget(errorsLabel, 3, col);
        grid->addWidget(new QLabel(h.averageLatencyMs >= 0
                                       ? tr("%1 ms (mean of %n send(s))", nullptr, h.latencySamples).arg(h.averageLatencyMs)
                                       : tr("not measured yet")),
                        4, col);
        grid->addWidget(new QLabel(h.rateLimitedAt.isValid() ? tr("slowed down at %1").arg(when(h.rateLimitedAt))
                                                             : tr("not limited")),
                        5, col);
        grid->setColumnStretch(col, 1);
        ++col;
    }
    replaceContent(m_healthBox, m_healthContent, w);
}

void DashboardPage::fillQueue()
{
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(0, 0, 0, 0);
    const struct
    {
        const char *key;
        QString label;
        qint64 value;
        QString explain;
    } items[] = {
        {"pending", tr("Pending"), m_data.queue.pending, tr("planned, sending or waiting to retry")},
        {"in_doubt", tr("In doubt"), m_data.queue.inDoubt, tr("effect unknown; checked or waiting for a person")},
        {"dead", tr("Dead letters"), m_data.queue.dead, tr("failed for good; replay or discard")},
    };
    int row = 0;
    for (const auto &item : items) {
        const QString key = QString::fromLatin1(item.key);
        grid->addWidget(new QLabel(item.label), row, 0);
        grid->addWidget(figureButton(u"queue.%1"_s.arg(key), Format::count(item.value),
                                     tr("%1: %2").arg(item.label, Format::count(item.value)), u"queue"_s, key),
                        row, 1);
        auto *explain = new QLabel(item.explain);
        explain->setEnabled(false);
        grid->addWidget(explain, row, 2);
        ++row;
    }
    grid->setColumnStretch(2, 1);
    replaceContent(m_queueBox, m_queueContent, w);
}

void DashboardPage::fillVolumes()
{
    auto *w = new QWidget;
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(16);
    // The Transactions page filters by the same kinds (and SQL) the figures count by.
    const QList<TransactionConditions::Kind> kinds = TransactionConditions::kinds();
    Q_ASSERT(kinds.size() == 5);
    grid->addWidget(new QLabel(u"<b>%1</b>"_s.arg(tr("Period"))), 0, 0);
    grid->addWidget(new QLabel(u"<b>%1</b>"_s.arg(tr("Currency"))), 0, 1);
    for (int k = 0; k < 5; ++k)
        grid->addWidget(new QLabel(u"<b>%1</b>"_s.arg(kinds[k].label)), 0, k + 2, Qt::AlignRight);
    int row = 1;
    const std::pair<QString, const QList<CurrencyVolume> *> periods[] = {
        {tr("Today"), &m_data.today},
        {tr("This week"), &m_data.week},
    };
    for (int p = 0; p < 2; ++p) {
        const auto &[periodLabel, list] = periods[p];
        const QString periodKey = p == 0 ? u"today"_s : u"week"_s;
        SqlPagedModel::TypedFilter period;
        period.fromMs = p == 0 ? m_data.todayStartMs : m_data.weekStartMs;
        period.toMs = m_data.periodEndMs;
        if (list->isEmpty()) {
            grid->addWidget(new QLabel(periodLabel), row, 0);
            auto *none = new QLabel(tr("no transactions"));
            none->setEnabled(false);
            grid->addWidget(none, row, 1, 1, 6);
            ++row;
            continue;
        }
        bool first = true;
        for (const CurrencyVolume &v : *list) {
            grid->addWidget(new QLabel(first ? periodLabel : QString()), row, 0);
            first = false;
            grid->addWidget(new QLabel(v.currency), row, 1);
            const Tally *tallies[] = {&v.approved, &v.declined, &v.captured, &v.refunded, &v.voided};
            for (int k = 0; k < 5; ++k) {
                const QString amount = Format::money(tallies[k]->minor, v.currency);
                const QString text = tr("%1 (%2)").arg(amount, Format::count(tallies[k]->count));
                const QString accessible = tr("%1 %2, %3: %4 in %n transaction(s)", nullptr, int(tallies[k]->count))
                                               .arg(kinds[k].label, periodLabel.toLower(), v.currency, amount);
                SqlPagedModel::TypedFilter typed = period;
                typed.currency = v.currency;
                typed.kind = kinds[k].code;
                grid->addWidget(figureButton(u"volume.%1.%2.%3"_s.arg(periodKey, v.currency, kinds[k].code), text,
                                             accessible, u"transactions"_s, QString(), typed),
                                row, k + 2, Qt::AlignRight);
            }
            ++row;
        }
    }
    auto *note = new QLabel(tr("Amounts (counts) by the time the gateway took each transaction. Week: since Monday."));
    note->setEnabled(false);
    note->setWordWrap(true);
    grid->addWidget(note, row, 0, 1, 7);
    grid->setColumnStretch(7, 1);
    replaceContent(m_volumeBox, m_volumeContent, w);
}

void DashboardPage::fillAlerts()
{
    auto *w = new QWidget;
    auto *layout = new QVBoxLayout(w);
    layout->setContentsMargins(0, 0, 0, 0);
    if (m_data.alerts.isEmpty()) {
        auto *none = new QLabel(m_hasData ? tr("No open alerts.") : tr("No figures yet."));
        none->setObjectName(u"alert.none"_s);
        layout->addWidget(none);
    }
    int i = 0;
    for (const Alert &a : std::as_const(m_data.alerts)) {
        auto *row = new QHBoxLayout;
        auto *icon = new QLabel;
        const auto pixmap = style()->standardIcon(a.severity == Alert::Severity::Critical ? QStyle::SP_MessageBoxCritical
                                                                                          : QStyle::SP_MessageBoxWarning);
        icon->setPixmap(pixmap.pixmap(16, 16));
        icon->setAlignment(Qt::AlignTop);
        auto *text = new QLabel(a.text);
        text->setObjectName(u"alert.%1"_s.arg(a.code));
        text->setWordWrap(true);
        text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        row->addWidget(icon);
        row->addWidget(text, 1);
        if (!a.page.isEmpty()) {
            auto *show = new QToolButton;
            show->setObjectName(u"alert.%1.show"_s.arg(a.code));
            show->setText(tr("Show"));
            show->setAccessibleName(tr("Show the records of alert %1").arg(i + 1));
            show->setFocusPolicy(Qt::StrongFocus);
            const QString page = a.page, filter = a.filter;
            const SqlPagedModel::TypedFilter typed = a.typed;
            connect(show, &QToolButton::clicked, this,
                    [this, page, filter, typed] { Q_EMIT openTable(page, filter, typed); });
            row->addWidget(show, 0, Qt::AlignTop);
        }
        layout->addLayout(row);
        ++i;
    }
    replaceContent(m_alertBox, m_alertContent, w);
}

void DashboardPage::fillChart()
{
    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes()) {
        m_chart->removeAxis(axis);
        delete axis;
    }
    const QString currency = m_chartCurrency->currentText();
    const auto days = m_data.chart.value(currency);
    if (currency.isEmpty() || days.isEmpty()) {
        m_chart->setTitle(tr("No captured, refunded or settled amounts in the period."));
        return;
    }
    const auto cur = Currency::fromCode(currency);
    const int exponent = cur ? cur->exponent() : 0;
    const double scale = std::pow(10.0, exponent); // for drawing only: sums stay integers until here
    m_chart->setTitle(tr("Daily amounts in %1").arg(currency));

    auto *captured = new QLineSeries;
    captured->setName(tr("Captured"));
    captured->setObjectName(u"series.captured"_s);
    auto *refunded = new QLineSeries;
    refunded->setName(tr("Refunded"));
    refunded->setObjectName(u"series.refunded"_s);
    auto *settled = new QLineSeries;
    settled->setName(tr("Settled (net)"));
    settled->setObjectName(u"series.settled"_s);
    double top = 0, bottom = 0;
    for (const DayAmounts &d : days) {
        const double x = double(QDateTime(d.day, QTime(12, 0), m_options.zone).toMSecsSinceEpoch());
        const double values[] = {double(d.captured) / scale, double(d.refunded) / scale, double(d.settled) / scale};
        captured->append(x, values[0]);
        refunded->append(x, values[1]);
        settled->append(x, values[2]);
        for (double v : values) {
            top = std::max(top, v);
            bottom = std::min(bottom, v);
        }
    }
    for (QLineSeries *s : {captured, refunded, settled}) {
        s->setPointsVisible(true);
        m_chart->addSeries(s);
    }
    auto *xAxis = new QDateTimeAxis;
    xAxis->setFormat(u"dd MMM"_s);
    xAxis->setTickCount(std::min<int>(8, int(days.size())));
    xAxis->setRange(QDateTime(days.first().day, QTime(0, 0), m_options.zone),
                    QDateTime(days.last().day, QTime(23, 59), m_options.zone));
    auto *yAxis = new QValueAxis;
    yAxis->setRange(bottom, top > 0 ? top * 1.1 : 1.0);
    yAxis->setLabelFormat(u"%.0f"_s); // whole major units read best on an axis
    yAxis->applyNiceNumbers();
    m_chart->addAxis(xAxis, Qt::AlignBottom);
    m_chart->addAxis(yAxis, Qt::AlignLeft);
    for (QLineSeries *s : {captured, refunded, settled}) {
        s->attachAxis(xAxis);
        s->attachAxis(yAxis);
    }
}

} // namespace pb::ui
