// Manual preview of the main window over a generated store, for looking at the UI (not a test).
//   ui_preview [--page orders|transactions] [--select ROW] [--filter TEXT] [--orders N]
//              [--empty] [--status idle|running|failed] [--screenshot FILE] [--store PATH]
// With --screenshot the window grabs itself after showing and the program exits.

#include "mainwindow.h"
#include "orderspage.h"
#include "storefixture.h"
#include "store/database.h"
#include "syncstatuswidget.h"
#include "tablepage.h"
#include "transactionspage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    app.setOrganizationName(u"PayBridgePreview"_s);
    app.setApplicationName(u"ui_preview"_s);

    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption page(u"page"_s, u"Page to show."_s, u"orders|transactions"_s, u"orders"_s);
    const QCommandLineOption select(u"select"_s, u"Row to select."_s, u"row"_s);
    const QCommandLineOption filter(u"filter"_s, u"Filter text."_s, u"text"_s);
    const QCommandLineOption orders(u"orders"_s, u"Orders to generate."_s, u"n"_s, u"3412"_s);
    const QCommandLineOption empty(u"empty"_s, u"Show an empty store."_s);
    const QCommandLineOption status(u"status"_s, u"Sync status to show."_s, u"idle|running|failed"_s);
    const QCommandLineOption screenshot(u"screenshot"_s, u"Save a grab and exit."_s, u"file"_s);
    const QCommandLineOption store(u"store"_s, u"Use this store instead of a generated one."_s, u"path"_s);
    parser.addOptions({page, select, filter, orders, empty, status, screenshot, store});
    parser.process(app);

    // Settings of the preview go to a throwaway directory, never the user's.
    QTemporaryDir dir;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());

    QString path = parser.value(store);
    if (path.isEmpty()) {
        path = dir.filePath(u"preview.sqlite"_s);
        if (!pb::test::StoreFixture::create(path, u"preview.writer"_s))
            return 1;
        if (!parser.isSet(empty)) {
            QSqlDatabase db = QSqlDatabase::database(u"preview.writer"_s, false);
            if (pb::test::StoreFixture::generate(db, parser.value(orders).toInt(),
                                                 QDateTime::currentMSecsSinceEpoch()) < 0)
                return 1;
        }
        pb::store::Database::close(u"preview.writer"_s);
    }

    pb::ui::MainWindow window(u"acme-store"_s, path, nullptr);
    const bool transactions = parser.value(page) == u"transactions";
    window.showPage(transactions ? pb::ui::MainWindow::Page::Transactions : pb::ui::MainWindow::Page::Orders);
    pb::ui::TablePage *current = transactions ? static_cast<pb::ui::TablePage *>(window.transactionsPage())
                                              : window.ordersPage();
    if (parser.isSet(filter))
        current->applyFilter(parser.value(filter));
    if (parser.isSet(select))
        current->tableView()->selectRow(parser.value(select).toInt());

    const QString state = parser.value(status);
    if (state == u"running") {
        window.syncStatus()->setRunning();
        window.syncStatus()->setProgress({pb::sync::SyncProgress::Phase::Transactions, 1234, 5000});
    } else if (state == u"failed") {
        window.syncStatus()->setFailed(pb::makeError(u"net.timeout"_s, u"paytrace"_s,
                                                     u"POST /v1/transactions/export/by_date_range timed out after 30 s"_s));
    } else if (state == u"idle") {
        window.syncStatus()->setIdle();
        window.syncStatus()->setLastSuccess(QDateTime::currentDateTimeUtc().addSecs(-420));
    }
    window.show();

    if (parser.isSet(screenshot)) {
        QTimer::singleShot(800, &window, [&] {
            window.grab().save(parser.value(screenshot));
            app.quit();
        });
    }
    return app.exec();
}
