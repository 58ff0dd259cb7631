// The Dashboard over a prepared store: per-currency volumes summed as integers, queue counts,
// connection health, alerts, the chart's series, and numbers that open the records behind them.

#include "dashboardmodel.h"
#include "dashboardpage.h"
#include "filterbar.h"
#include "mainwindow.h"
#include "queuepage.h"
#include "storefixture.h"
#include "store/database.h"
#include "testsupport.h"
#include "transactionsmodel.h"
#include "transactionspage.h"

#include <QAbstractButton>
#include <QToolButton>
#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QDateEdit>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QSqlError>
#include <QListWidget>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <memory>

using namespace Qt::StringLiterals;
using pb::test::StoreFixture;
using pb::test::TransactionRow;
using pb::ui::DashboardData;
using pb::ui::DashboardPage;
using pb::ui::Tally;

namespace {

const QString kWriter = u"tst_dashboard.writer"_s;
// Thursday 2024-03-14 16:30 UTC; the week began on Monday 2024-03-11.
const QDateTime kNow(QDate(2024, 3, 14), QTime(16, 30), Qt::UTC);

qint64 at(int month, int day, int hour, int minute = 0)
{
    return QDateTime(QDate(2024, month, day), QTime(hour, minute), Qt::UTC).toMSecsSinceEpoch();
}

pb::ui::DashboardOptions options()
{
    pb::ui::DashboardOptions o;
    o.nowUtc = kNow;
    o.zone = QTimeZone::utc();
    o.chartDays = 14;
    return o;
}

const pb::ui::CurrencyVolume *find(const QList<pb::ui::CurrencyVolume> &list, const QString &currency)
{
    for (const auto &v : list)
        if (v.currency == currency)
            return &v;
    return nullptr;
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void figuresFromTheStore();
    void emptyAndMissingStore();
    void pageShowsFiguresAndChart();
    void numbersOpenTheirRecords();
    void mainWindowStartsOnTheDashboard();
    void everyFigureOpensExactlyItsRecords();

private:
    bool insertTransaction(QSqlDatabase &db, const QString &id, const QString &type, const QString &status,
                           qint64 amount, const QString &currency, qint64 createdAt, qint64 settledAt = 0);
    bool exec(QSqlDatabase &db, const QString &sql, const QVariantList &values = {});

    pb::test::IsolatedHome m_home;
    QTemporaryDir m_dir;
    QString m_path;
};

bool TestDashboard::exec(QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec()) {
        qWarning() << sql << q.lastError().text();
        return false;
    }
    return true;
}

bool TestDashboard::insertTransaction(QSqlDatabase &db, const QString &id, const QString &type, const QString &status,
                                      qint64 amount, const QString &currency, qint64 createdAt, qint64 settledAt)
{
    TransactionRow t;
    t.transactionId = id;
    t.type = type;
    t.status = status;
    t.amount = amount;
    t.currency = currency;
    t.createdAt = createdAt;
    t.invoiceId = u"INV-"_s + id;
    if (!StoreFixture::insert(db, t))
        return false;
    return exec(db, u"UPDATE gateway_transactions SET settled_at = ? WHERE transaction_id = ?"_s,
                {settledAt > 0 ? QVariant(settledAt) : QVariant(QMetaType(QMetaType::LongLong)), id});
}

void TestDashboard::initTestCase()
{
    QVERIFY(m_home.isValid());
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(u"store.sqlite"_s);
    QVERIFY(StoreFixture::create(m_path, kWriter));
    QSqlDatabase db = QSqlDatabase::database(kWriter);
    QVERIFY(db.transaction());
    // Today (2024-03-14).
    QVERIFY(insertTransaction(db, u"1"_s, u"sale"_s, u"settled"_s, 10000, u"USD"_s, at(3, 14, 10), at(3, 14, 12)));
    QVERIFY(insertTransaction(db, u"2"_s, u"sale"_s, u"declined"_s, 2500, u"USD"_s, at(3, 14, 10, 5)));
    QVERIFY(insertTransaction(db, u"3"_s, u"refund"_s, u"pending_settlement"_s, 1500, u"USD"_s, at(3, 14, 11)));
    QVERIFY(insertTransaction(db, u"4"_s, u"sale"_s, u"voided"_s, 700, u"USD"_s, at(3, 14, 11, 30)));
    QVERIFY(insertTransaction(db, u"5"_s, u"authorization"_s, u"approved"_s, 5000, u"USD"_s, at(3, 14, 12)));
    QVERIFY(insertTransaction(db, u"6"_s, u"capture"_s, u"pending_settlement"_s, 5000, u"USD"_s, at(3, 14, 13)));
    QVERIFY(insertTransaction(db, u"7"_s, u"sale"_s, u"settled"_s, 3000, u"EUR"_s, at(3, 14, 9), at(3, 14, 15)));
    // Earlier this week.
    QVERIFY(insertTransaction(db, u"8"_s, u"sale"_s, u"settled"_s, 4000, u"USD"_s, at(3, 12, 9), at(3, 13, 3)));
    QVERIFY(insertTransaction(db, u"9"_s, u"refund"_s, u"settled"_s, 1000, u"USD"_s, at(3, 12, 18), at(3, 13, 3)));
    QVERIFY(insertTransaction(db, u"10"_s, u"sale"_s, u"declined"_s, 500, u"JPY"_s, at(3, 13, 8)));
    // Last week: in the chart, not in the week's volumes. Tomorrow would be in neither.
    QVERIFY(insertTransaction(db, u"11"_s, u"sale"_s, u"pending_settlement"_s, 99999, u"USD"_s, at(3, 8, 20)));
    // Older than the chart (14 days up to today start on 2024-03-01).
    QVERIFY(insertTransaction(db, u"12"_s, u"sale"_s, u"settled"_s, 777, u"USD"_s, at(2, 29, 12), at(2, 29, 20)));

    // One linked transaction; the other eleven are unlinked.
    pb::test::OrderRow order;
    order.entityId = 1;
    order.incrementId = u"000000001"_s;
    order.grandTotal = 10000;
    order.createdAt = at(3, 14, 9);
    QVERIFY(StoreFixture::insert(db, order));
    QVERIFY(StoreFixture::link(db, u"1"_s, 1, at(3, 14, 10)));

    // Intents: 3 pending, 2 in doubt (one for two hours), 2 dead, 1 done.
    const struct
    {
        const char *state;
        qint64 inDoubtSince;
    } intents[] = {{"planned", 0}, {"retry_wait", 0}, {"sending", 0}, {"in_doubt", at(3, 14, 14, 30)},
                   {"needs_person", at(3, 14, 16, 10)}, {"dead", 0}, {"dead", 0}, {"succeeded", 0}};
    int n = 0;
    for (const auto &i : intents) {
        ++n;
        QVERIFY(exec(db, u"INSERT INTO intents (kind, natural_key, state, created_at, updated_at, in_doubt_since)"
                         " VALUES ('paytrace.refund', ?, ?, ?, ?, ?)"_s,
                     {u"refund:%1"_s.arg(n), QString::fromLatin1(i.state), at(3, 14, 14), at(3, 14, 16),
                      i.inDoubtSince ? QVariant(i.inDoubtSince) : QVariant(QMetaType(QMetaType::LongLong))}));
    }
    // Two sends to PayTrace took 250 and 350 ms; one was refused for the rate limit 10 minutes ago.
    QVERIFY(exec(db, u"INSERT INTO intent_attempts (intent_id, started_at, finished_at, outcome, action) VALUES"
                     " (1, ?, ?, 'ok', 'send'), (2, ?, ?, 'retry', 'send')"_s,
                 {at(3, 14, 15), at(3, 14, 15) + 250, at(3, 14, 15, 5), at(3, 14, 15, 5) + 350}));
    QVERIFY(exec(db, u"INSERT INTO intent_attempts (intent_id, started_at, outcome, error_class, action) VALUES"
                     " (2, ?, 'retry', 'rate_limited', 'lookup')"_s,
                 {at(3, 14, 16, 20)}));
    // Sync runs: two good ones, then PayTrace refused the credentials.
    QVERIFY(exec(db, u"INSERT INTO sync_runs (started_at, finished_at, outcome, message) VALUES"
                     " (?, ?, 'ok', '3 new links'), (?, ?, 'ok', '0 new links'),"
                     " (?, ?, 'failed', 'PayTrace: auth http 401: invalid_grant')"_s,
                 {at(3, 14, 14), at(3, 14, 14, 1), at(3, 14, 15), at(3, 14, 15, 1), at(3, 14, 16), at(3, 14, 16, 1)}));
    QVERIFY(db.commit());
}

void TestDashboard::cleanupTestCase()
{
    pb::store::Database::close(kWriter);
}

void TestDashboard::figuresFromTheStore()
{
    auto loaded = pb::ui::loadDashboardFromFile(m_path, options());
    QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
    const DashboardData &d = loaded.value();

    // Today, per currency.
    QCOMPARE(d.today.size(), 2);
    const auto *usd = find(d.today, u"USD"_s);
    QVERIFY(usd);
    QCOMPARE(usd->approved, (Tally{3, 10000 + 700 + 5000}));
    QCOMPARE(usd->declined, (Tally{1, 2500}));
    QCOMPARE(usd->captured, (Tally{2, 10000 + 5000}));
    QCOMPARE(usd->refunded, (Tally{1, 1500}));
    QCOMPARE(usd->voided, (Tally{1, 700}));
    const auto *eur = find(d.today, u"EUR"_s);
    QVERIFY(eur);
    QCOMPARE(eur->approved, (Tally{1, 3000}));
    QCOMPARE(eur->captured, (Tally{1, 3000}));
    QCOMPARE(eur->declined, (Tally{0, 0}));

    // This week (since Monday 2024-03-11).
    QCOMPARE(d.week.size(), 3);
    const auto *wusd = find(d.week, u"USD"_s);
    QVERIFY(wusd);
    QCOMPARE(wusd->approved, (Tally{4, 19700}));
    QCOMPARE(wusd->captured, (Tally{3, 19000}));
    QCOMPARE(wusd->refunded, (Tally{2, 2500}));
    QCOMPARE(wusd->declined, (Tally{1, 2500}));
    const auto *jpy = find(d.week, u"JPY"_s);
    QVERIFY(jpy);
    QCOMPARE(jpy->declined, (Tally{1, 500}));

    // Queue.
    QCOMPARE(d.queue.pending, qint64(3));
    QCOMPARE(d.queue.inDoubt, qint64(2));
    QCOMPARE(d.queue.inDoubtOverHour, qint64(1));
    QCOMPARE(d.queue.dead, qint64(2));
    QCOMPARE(d.transactions, qint64(12));
    QCOMPARE(d.unlinkedTransactions, qint64(11));

    // Health.
    QCOMPARE(d.health.size(), 2);
    const auto &pt = d.health[0];
    QCOMPARE(pt.system, u"PayTrace"_s);
    QCOMPARE(pt.recentRuns, 3);
    QCOMPARE(pt.recentFailures, 1);
    QCOMPARE(pt.lastSuccess, QDateTime::fromMSecsSinceEpoch(at(3, 14, 15, 1), Qt::UTC));
    QCOMPARE(pt.lastError, u"PayTrace: auth http 401: invalid_grant"_s);
    QCOMPARE(pt.averageLatencyMs, qint64(300));
    QCOMPARE(pt.latencySamples, 2);
    QCOMPARE(pt.rateLimitedAt, QDateTime::fromMSecsSinceEpoch(at(3, 14, 16, 20), Qt::UTC));
    const auto &mg = d.health[1];
    QCOMPARE(mg.system, u"Magento"_s);
    QCOMPARE(mg.recentFailures, 0);
    QCOMPARE(mg.averageLatencyMs, qint64(-1));
    QVERIFY(!mg.rateLimitedAt.isValid());

    // Alerts, each a sentence.
    QStringList codes;
    for (const auto &a : d.alerts) {
        codes << a.code;
        QVERIFY2(a.text.endsWith(u'.'), qPrintable(a.text));
    }
    QCOMPARE(codes, (QStringList{u"sync.failed"_s, u"queue.dead"_s, u"queue.needs_person"_s, u"queue.in_doubt_old"_s,
                                 u"connection.rate_limited"_s, u"transactions.unlinked"_s}));
    // The one intent the janitor could not decide waits for a person: the alert opens it.
    QVERIFY2(d.alerts[2].text.startsWith(u"1 action(s) need a person"_s) || d.alerts[2].text.startsWith(u"1 action needs"_s),
             qPrintable(d.alerts[2].text));
    QCOMPARE(d.alerts[2].filter, u"in_doubt"_s);
    QVERIFY(d.alerts[0].text.contains(u"PayTrace: auth http 401"_s));
    QVERIFY2(d.alerts[1].text.startsWith(u"2 action(s) failed for good"_s) || d.alerts[1].text.startsWith(u"2 actions failed"_s),
             qPrintable(d.alerts[1].text));
    QCOMPARE(d.alerts[1].page, u"queue"_s);

    // Chart: every day from 2024-03-01 to 2024-03-14, integer sums.
    QVERIFY(d.chart.contains(u"USD"_s));
    QVERIFY(d.chart.contains(u"EUR"_s));
    QVERIFY(!d.chart.contains(u"JPY"_s) || d.chart.value(u"JPY"_s).size() == 14);
    const auto days = d.chart.value(u"USD"_s);
    QCOMPARE(days.size(), 14);
    QCOMPARE(days.first().day, QDate(2024, 3, 1));
    QCOMPARE(days.last().day, QDate(2024, 3, 14));
    const auto dayOf = [&](int day) { return days.at(day - 1); };
    QCOMPARE(dayOf(14).captured, qint64(15000));
    QCOMPARE(dayOf(14).refunded, qint64(1500));
    QCOMPARE(dayOf(14).settled, qint64(10000));
    QCOMPARE(dayOf(13).settled, qint64(4000 - 1000)); // net of the settled refund
    QCOMPARE(dayOf(13).captured, qint64(0));
    QCOMPARE(dayOf(12).captured, qint64(4000));
    QCOMPARE(dayOf(12).refunded, qint64(1000));
    QCOMPARE(dayOf(8).captured, qint64(99999));
    qint64 total = 0;
    for (const auto &day : days)
        total += day.captured;
    QCOMPARE(total, qint64(15000 + 4000 + 99999)); // the February sale is outside the 14 days

    // A 30-day chart reaches it.
    auto o = options();
    o.chartDays = 30;
    auto longer = pb::ui::loadDashboardFromFile(m_path, o);
    QVERIFY(longer.ok());
    QCOMPARE(longer.value().chart.value(u"USD"_s).size(), 30);
    // 30 days up to 2024-03-14 start on 2024-02-14, so the leap day is the 16th (index 15).
    QCOMPARE(longer.value().chart.value(u"USD"_s).first().day, QDate(2024, 2, 14));
    QCOMPARE(longer.value().chart.value(u"USD"_s).at(15).day, QDate(2024, 2, 29));
    QCOMPARE(longer.value().chart.value(u"USD"_s).at(15).captured, qint64(777));
}

void TestDashboard::emptyAndMissingStore()
{
    QTemporaryDir dir;
    auto missing = pb::ui::loadDashboardFromFile(dir.filePath(u"none.sqlite"_s), options());
    QVERIFY(!missing.ok());

    const QString path = dir.filePath(u"empty.sqlite"_s);
    QVERIFY(StoreFixture::create(path, u"tst_dashboard.empty"_s));
    pb::store::Database::close(u"tst_dashboard.empty"_s);
    auto empty = pb::ui::loadDashboardFromFile(path, options());
    QVERIFY(empty.ok());
    QVERIFY(empty.value().today.isEmpty());
    QVERIFY(empty.value().alerts.isEmpty());
    QVERIFY(empty.value().chart.isEmpty());
    QCOMPARE(empty.value().health.value(0).recentRuns, 0);

    DashboardPage page;
    page.setOptions(options());
    QSignalSpy refreshed(&page, &DashboardPage::refreshed);
    page.setDatabasePath(dir.filePath(u"none.sqlite"_s));
    QCOMPARE(refreshed.count(), 1); // nothing to read: the empty state at once
    QVERIFY(!page.hasData());
    QVERIFY(page.findChild<QLabel *>(u"dashboardState"_s)->text().startsWith(u"Nothing synced yet"_s));
    page.setDatabasePath(path);
    QTRY_VERIFY(page.hasData());
    QVERIFY(page.findChild<QLabel *>(u"alert.none"_s));
    QCOMPARE(page.chart()->series().size(), 0);
}

void TestDashboard::pageShowsFiguresAndChart()
{
    DashboardPage page;
    page.setOptions(options());
    QSignalSpy refreshed(&page, &DashboardPage::refreshed);
    page.setDatabasePath(m_path);
    QVERIFY(page.isLoading()); // the read runs on the pool, not here
    QVERIFY(refreshed.wait(10000));
    QVERIFY(page.hasData());
    page.resize(1100, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto *declined = page.findChild<QAbstractButton *>(u"volume.today.USD.declined"_s);
    QVERIFY(declined);
    QCOMPARE(declined->text(), u"25.00 (1)"_s);
    QVERIFY(!declined->accessibleName().isEmpty());
    QCOMPARE(page.findChild<QAbstractButton *>(u"volume.today.USD.captured"_s)->text(), u"150.00 (2)"_s);
    QCOMPARE(page.findChild<QAbstractButton *>(u"volume.week.USD.refunded"_s)->text(), u"25.00 (2)"_s);
    QCOMPARE(page.findChild<QAbstractButton *>(u"volume.week.JPY.declined"_s)->text(), u"500 (1)"_s);
    QCOMPARE(page.findChild<QAbstractButton *>(u"queue.dead"_s)->text(), u"2"_s);
    QCOMPARE(page.findChild<QAbstractButton *>(u"queue.in_doubt"_s)->text(), u"2"_s);
    QCOMPARE(page.findChild<QAbstractButton *>(u"queue.pending"_s)->text(), u"3"_s);
    QVERIFY(page.findChild<QLabel *>(u"alert.sync.failed"_s));
    QVERIFY(page.findChild<QLabel *>(u"health.paytrace.status"_s)->text().startsWith(u"failing: PayTrace"_s));
    QCOMPARE(page.findChild<QLabel *>(u"health.magento.errors"_s)->text(), u"0 of 3 (0%)"_s);

    // Chart: three series over 14 days in USD (the largest captured total), drawn in major units.
    QCOMPARE(page.chartCurrencyBox()->currentText(), u"USD"_s);
    const auto series = page.chart()->series();
    QCOMPARE(series.size(), 3);
    QStringList names;
    for (auto *s : series)
        names << s->name();
    QCOMPARE(names, (QStringList{u"Captured"_s, u"Refunded"_s, u"Settled (net)"_s}));
    auto *captured = qobject_cast<QLineSeries *>(series[0]);
    QVERIFY(captured);
    QCOMPARE(captured->count(), 14);
    QCOMPARE(captured->at(13).y(), 150.0);
    QCOMPARE(captured->at(7).y(), 999.99);
    QCOMPARE(qobject_cast<QLineSeries *>(series[2])->at(12).y(), 30.0);

    // Another currency redraws from the same read.
    page.chartCurrencyBox()->setCurrentIndex(page.chartCurrencyBox()->findText(u"EUR"_s));
    QCOMPARE(qobject_cast<QLineSeries *>(page.chart()->series().at(0))->at(13).y(), 30.0);

    // 30 days: a new read.
    refreshed.clear();
    page.chartDaysBox()->setCurrentIndex(page.chartDaysBox()->findData(30));
    QVERIFY(refreshed.wait(10000));
    QCOMPARE(qobject_cast<QLineSeries *>(page.chart()->series().at(0))->count(), 30);

    // Refresh requests while a read runs fold into one more read.
    refreshed.clear();
    page.refresh();
    page.refresh();
    page.refresh();
    QVERIFY(refreshed.wait(10000));
    QTest::qWait(300);
    QVERIFY(refreshed.count() <= 2);
}

void TestDashboard::numbersOpenTheirRecords()
{
    DashboardPage page;
    page.setOptions(options());
    QSignalSpy refreshed(&page, &DashboardPage::refreshed);
    page.setDatabasePath(m_path);
    QVERIFY(refreshed.wait(10000));
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QSignalSpy open(&page, &DashboardPage::openTable);

    QTest::mouseClick(page.findChild<QAbstractButton *>(u"volume.today.USD.declined"_s), Qt::LeftButton);
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.at(0).at(0).toString(), u"transactions"_s);
    QCOMPARE(open.at(0).at(1).toString(), QString());
    const auto declined = open.at(0).at(2).value<pb::ui::SqlPagedModel::TypedFilter>();
    QCOMPARE(declined.kind, u"declined"_s);
    QCOMPARE(declined.currency, u"USD"_s);
    QCOMPARE(declined.fromMs, std::optional<qint64>(at(3, 14, 0)));
    QCOMPARE(declined.toMs, std::optional<qint64>(at(3, 15, 0)));

    // By keyboard: focus the dead-letter count and press Space.
    auto *dead = page.findChild<QAbstractButton *>(u"queue.dead"_s);
    QCOMPARE(dead->focusPolicy(), Qt::StrongFocus);
    dead->setFocus();
    QTest::keyClick(dead, Qt::Key_Space);
    QCOMPARE(open.count(), 2);
    QCOMPARE(open.at(1).at(0).toString(), u"queue"_s);
    QCOMPARE(open.at(1).at(1).toString(), u"dead"_s);

    // An alert's "Show".
    QTest::mouseClick(page.findChild<QAbstractButton *>(u"alert.transactions.unlinked.show"_s), Qt::LeftButton);
    QCOMPARE(open.count(), 3);
    QCOMPARE(open.at(2).at(0).toString(), u"transactions"_s);
    QCOMPARE(open.at(2).at(2).value<pb::ui::SqlPagedModel::TypedFilter>().linked, std::optional<bool>(false));

    // Focus survives a refresh.
    dead->setFocus();
    refreshed.clear();
    page.refresh();
    QVERIFY(refreshed.wait(10000));
    QCOMPARE(QApplication::focusWidget() ? QApplication::focusWidget()->objectName() : QString(), u"queue.dead"_s);
}

void TestDashboard::mainWindowStartsOnTheDashboard()
{
    pb::ui::MainWindow w(u"Test"_s, m_path, nullptr);
    // The store's "today" is 2024-03-14: read it as of then, or this week would be empty.
    w.dashboardPage()->setOptions(options());
    w.dashboardPage()->refresh();
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Dashboard);
    auto *nav = w.findChild<QListWidget *>(u"navigation"_s);
    QCOMPARE(nav->item(0)->text(), u"Dashboard"_s);
    QCOMPARE(nav->item(nav->count() - 1)->text(), u"Settings"_s);
    QTRY_VERIFY(w.dashboardPage()->hasData());

    // A number opens the Transactions page filtered to its records.
    QTRY_VERIFY(w.dashboardPage()->findChild<QAbstractButton *>(u"volume.week.USD.declined"_s));
    auto *declined = w.dashboardPage()->findChild<QAbstractButton *>(u"volume.week.USD.declined"_s);
    QTest::mouseClick(declined, Qt::LeftButton);
    QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Transactions);
    QCOMPARE(w.transactionsPage()->filterEdit()->text(), QString());
    QCOMPARE(w.transactionsPage()->filterBar()->kindBox()->currentText(), u"Declined"_s);
    QCOMPARE(w.transactionsPage()->filterBar()->currencyBox()->currentData().toString(), u"USD"_s);
    QTRY_COMPARE(w.transactionsPage()->model()->rowCount(), 1); // this week's USD decline, not JPY's

    QTest::keyClick(&w, Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Dashboard);
}

// Clicks every figure and every alert's "Show" in the main window, for both periods and each
// currency, and compares the rows the opened page matches with the figure.
void TestDashboard::everyFigureOpensExactlyItsRecords()
{
    pb::ui::MainWindow w(u"Test"_s, m_path, nullptr);
    w.dashboardPage()->setOptions(options());
    w.dashboardPage()->refresh();
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_VERIFY(w.dashboardPage()->hasData() && !w.dashboardPage()->isLoading());
    QTRY_VERIFY(w.dashboardPage()->findChild<QAbstractButton *>(u"queue.dead"_s));
    const DashboardData data = w.dashboardPage()->data();
    auto *transactions = w.transactionsPage()->model();

    const auto click = [&](const QString &name) {
        w.showPage(pb::ui::MainWindow::Page::Dashboard);
        auto *button = w.dashboardPage()->findChild<QAbstractButton *>(name);
        if (!button)
            return false;
        QTest::mouseClick(button, Qt::LeftButton);
        return true;
    };

    int figures = 0;
    const std::pair<QString, const QList<pb::ui::CurrencyVolume> *> periods[] = {{u"today"_s, &data.today},
                                                                                 {u"week"_s, &data.week}};
    for (const auto &[period, volumes] : periods) {
        QVERIFY(!volumes->isEmpty());
        for (const pb::ui::CurrencyVolume &v : *volumes) {
            const std::pair<QString, Tally> tallies[] = {{u"approved"_s, v.approved}, {u"declined"_s, v.declined},
                                                         {u"captured"_s, v.captured}, {u"refunded"_s, v.refunded},
                                                         {u"voided"_s, v.voided}};
            for (const auto &[kind, tally] : tallies) {
                const QString name = u"volume.%1.%2.%3"_s.arg(period, v.currency, kind);
                QVERIFY2(click(name), qPrintable(name));
                QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Transactions);
                QTRY_VERIFY2(!transactions->isCounting(), qPrintable(name));
                QVERIFY2(transactions->matchingCount() == tally.count,
                         qPrintable(u"%1: %2 rows for a figure of %3"_s.arg(name).arg(transactions->matchingCount())
                                        .arg(tally.count)));
                // The rows' amounts add up to the figure's amount.
                qint64 sum = 0;
                while (transactions->canFetchMore({}))
                    transactions->fetchMore({});
                for (int r = 0; r < transactions->rowCount(); ++r)
                    sum += transactions->index(r, pb::ui::TransactionsModel::Amount).data(pb::ui::SqlPagedModel::SortRole).toLongLong();
                QVERIFY2(sum == tally.minor, qPrintable(name));
                ++figures;
            }
        }
    }
    QCOMPARE(figures, 5 * (data.today.size() + data.week.size()));

    // The queue's figures open their tab with exactly their intents.
    const std::pair<QString, qint64> queue[] = {
        {u"pending"_s, data.queue.pending}, {u"in_doubt"_s, data.queue.inDoubt}, {u"dead"_s, data.queue.dead}};
    for (const auto &[key, count] : queue) {
        QVERIFY(click(u"queue."_s + key));
        QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Queue);
        QTRY_COMPARE(w.queuePage()->model()->matchingCount(), count);
    }

    // The alerts that name records: the unlinked transactions and the dead letters.
    QVERIFY(data.unlinkedTransactions > 0);
    QVERIFY(click(u"alert.transactions.unlinked.show"_s));
    QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Transactions);
    QTRY_COMPARE(transactions->matchingCount(), data.unlinkedTransactions);
    QCOMPARE(w.transactionsPage()->filterBar()->linkedBox()->currentData().toString(), u"unlinked"_s);
    QCOMPARE(w.transactionsPage()->filterBar()->kindBox()->currentIndex(), 0);
    QVERIFY(click(u"alert.queue.dead.show"_s));
    QCOMPARE(w.currentPage(), pb::ui::MainWindow::Page::Queue);
    QTRY_COMPARE(w.queuePage()->model()->matchingCount(), data.queue.dead);

    // A person reaches the same rows with the filter bar: This week, Kind Refunded, no order.
    w.showPage(pb::ui::MainWindow::Page::Transactions);
    auto *bar = w.transactionsPage()->filterBar();
    QTest::mouseClick(bar->clearButton(), Qt::LeftButton);
    QTRY_COMPARE(transactions->matchingCount(), data.transactions);
    bar->kindBox()->setFocus();
    QTest::keyClick(bar->kindBox(), Qt::Key_End); // the last kind: Voided
    QCOMPARE(bar->kindBox()->currentData().toString(), u"voided"_s);
    QTRY_COMPARE(transactions->matchingCount(), 1);
    bar->linkedBox()->setFocus();
    QTest::keyClick(bar->linkedBox(), Qt::Key_End); // No order
    QTRY_COMPARE(transactions->typedFilter().linked, std::optional<bool>(false));
    QTRY_COMPARE(transactions->matchingCount(), 1); // voided sale 4 has no order
    // Period by keyboard: Down from "Any time" is Today, in local time.
    bar->periodBox()->setFocus();
    QTest::keyClick(bar->periodBox(), Qt::Key_Down);
    QCOMPARE(bar->periodBox()->currentData().toString(), u"today"_s);
    const QDate today = QDate::currentDate();
    QCOMPARE(bar->fromEdit()->date(), today);
    QCOMPARE(bar->toEdit()->date(), today);
    QTRY_COMPARE(transactions->typedFilter().fromMs,
                 std::optional<qint64>(QDateTime(today, QTime(0, 0)).toMSecsSinceEpoch()));
    QCOMPARE(transactions->typedFilter().toMs,
             std::optional<qint64>(QDateTime(today.addDays(1), QTime(0, 0)).toMSecsSinceEpoch()));
    QCOMPARE(transactions->typedFilter().kind, u"voided"_s);
    QTest::keyClick(bar->periodBox(), Qt::Key_Down); // This week: since Monday
    QCOMPARE(bar->periodBox()->currentData().toString(), u"week"_s);
    QCOMPARE(bar->fromEdit()->date(), today.addDays(1 - today.dayOfWeek()));
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
