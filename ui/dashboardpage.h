#pragma once

#include "dashboardmodel.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QGridLayout;
class QGroupBox;
class QLabel;
class QVBoxLayout;

namespace pb::ui {

// The first page: health per connection, today's and this week's gateway volumes per currency,
// queue counts, open alerts and a chart of daily captured, refunded and settled amounts. Every
// number that has records behind it is a button: activating it emits openTable() with the page
// and the filters that show exactly those records (MainWindow switches pages).
//
// The figures are read on a worker thread (QtConcurrent) through a read connection of its own;
// refresh() may be called as often as wanted (after each sync, when intents change): requests
// that arrive while a read runs are folded into one more read.
class DashboardPage : public QWidget
{
    Q_OBJECT

public:
    explicit DashboardPage(QWidget *parent = nullptr);
    ~DashboardPage() override;

    // The store to read; an empty or missing file shows the empty state.
    void setDatabasePath(const QString &path);
    // Tests pin "now" and the time zone; the chart's day count is the page's own setting.
    void setOptions(const DashboardOptions &options);
    DashboardOptions options() const { return m_options; }

    void refresh();
    bool isLoading() const { return m_watcher != nullptr; }
    const DashboardData &data() const { return m_data; }
    bool hasData() const { return m_hasData; }

    QChart *chart() const { return m_chart; }
    QChartView *chartView() const { return m_chartView; }
    QComboBox *chartCurrencyBox() const { return m_chartCurrency; }
    QComboBox *chartDaysBox() const { return m_chartDays; }

Q_SIGNALS:
    // page: "transactions", "orders", "queue", ...; filterText: for that page's filter line (the
    // queue: its tab); typed: the page's typed filter (period, currency, kind, linked).
    void openTable(const QString &page, const QString &filterText,
                   const pb::ui::SqlPagedModel::TypedFilter &typed = {});
    // The figures on screen were replaced by a new read.
    void refreshed();
    void loadFailed(const QString &message);

private:
    void startLoad();
    void onLoaded();
    void rebuild();
    void fillHealth();
    void fillQueue();
    void fillVolumes();
    void fillAlerts();
    void fillChart();
    QWidget *figureButton(const QString &objectName, const QString &text, const QString &accessible,
                          const QString &page, const QString &filter,
                          const SqlPagedModel::TypedFilter &typed = {});

    QString m_databasePath;
    DashboardOptions m_options;
    DashboardData m_data;
    bool m_hasData = false;
    bool m_reloadPending = false;
    QFutureWatcher<std::shared_ptr<Result<DashboardData>>> *m_watcher = nullptr;

    QLabel *m_state = nullptr;
    QGroupBox *m_healthBox = nullptr;
    QGroupBox *m_queueBox = nullptr;
    QGroupBox *m_volumeBox = nullptr;
    QGroupBox *m_alertBox = nullptr;
    QGroupBox *m_chartBox = nullptr;
    QWidget *m_healthContent = nullptr;
    QWidget *m_queueContent = nullptr;
    QWidget *m_volumeContent = nullptr;
    QWidget *m_alertContent = nullptr;
    QChartView *m_chartView = nullptr;
    QChart *m_chart = nullptr;
    QComboBox *m_chartCurrency = nullptr;
    QComboBox *m_chartDays = nullptr;
};

} // namespace pb::ui
