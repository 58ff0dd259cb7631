// The Mapping page end to end on the real X server: the sandbox's store is synced by the real
// SyncService into a real SQLite store, then an admin works the page as a person does — the
// status map's approved row changed to the store's custom status payment_received (seen on its
// orders), undo and redo, a suggestion accepted into the draft, an import Magento would refuse,
// the draft saved with a note — and the next sync sets the new status on a newly paid order in
// the sandbox's Magento. A support agent
// reads the same page but cannot change it; rollback makes the default active again, and the
// sync after it sets the built-in status again.
//
// The OS account running the test created the profile, so it is the store's first admin;
// "sup" is a support agent.
#include "access/operator.h"
#include "access/operatordirectory.h"
#include "mainwindow.h"
#include "magentosim.h"
#include "mapping/accountseditor.h"
#include "mapping/fieldcanvas.h"
#include "mapping/linkkeypanel.h"
#include "mapping/mappingdraft.h"
#include "mapping/mappingpage.h"
#include "mapping/mappingpanels.h"
#include "mapping/mappingprofile.h"
#include "mapping/notedialog.h"
#include "mapping/statusmapeditor.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"

#include <QAction>
#include <QApplication>
#include <QMessageBox>
#include <QTimer>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableWidget>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;
using ui::studio::MappingPage;

namespace {

const QString kSupport = u"sup"_s;
const QString kProfile = u"mappage"_s;

// One request to the sandbox's admin API, as a tool outside PayBridge makes it.
QJsonObject adminCall(const sandbox::Sandbox &sb, const QString &path, const QJsonObject &post = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(sb.baseUrl().toString() + path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    QNetworkReply *reply = post.isEmpty() ? nam.get(request)
                                          : nam.post(request, QJsonDocument(post).toJson(QJsonDocument::Compact));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !done.wait(30000))
        return {};
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return body;
}

} // namespace

class TestMappingPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void showsTheActiveMapping();
    void supportReadsButCannotEdit();
    void undoAndRedoEveryEdit();
    void closingAsksAboutAnUnsavedDraft();
    void canvasLinksFromTheKeyboard();
    void acceptedSuggestionChangesTheDraft();
    void importNamesTheKeyMagentoWouldRefuse();
    void statusMapSavedTakesEffectAtTheNextSync();
    void historyRollsBackToTheDefault();

private:
    bool reloadAs(const QString &actor);
    // Pays a new order at the sandbox's checkout, syncs and runs the intents until PayBridge
    // commented on it; the status the comment left in Magento ("" when none came).
    QString payAndSync(QString *incrementId);
    int count(const QString &sql);

    std::unique_ptr<test::IsolatedHome> m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    std::unique_ptr<ui::MainWindow> m_window;
    MappingPage *m_page = nullptr;
    sync::SyncConfig m_config;
    QString m_me;
};

void TestMappingPage::initTestCase()
{
    m_home = std::make_unique<test::IsolatedHome>();
    QVERIFY(m_home->isValid());
    QCoreApplication::setOrganizationName(u"PayBridgeTest"_s);
    QCoreApplication::setApplicationName(u"tst_mapping_page"_s);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    auto me = access::currentOsAccount();
    QVERIFY2(me, qPrintable(me ? QString() : me.error().toString()));
    m_me = *me;
    QVERIFY(m_me != kSupport);

    sandbox::SandboxOptions options;
    options.orders = 300;
    options.seed = 31;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_config = test::sandboxSyncConfig(*m_sandbox->sandbox(), m_home->path(), kProfile, m_me);
    m_service = std::make_unique<sync::SyncService>(m_config);
    // The first sync reads the history and starts the rules: what is paid from now on is news.
    QVERIFY(test::syncOnce(*m_service));
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"setup"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        access::OperatorDirectory dir(db.value());
        QVERIFY(dir.assignRole(m_me, kSupport, access::Role::Support));
        db.value() = QSqlDatabase();
        store::Database::close(u"setup"_s);
    }

    QSettings().clear();
    m_window = std::make_unique<ui::MainWindow>(*m_service);
    m_window->resize(1440, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->activateWindow(); // the page's shortcuts (Ctrl+Z) work in the active window
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    m_window->showPage(ui::MainWindow::Page::Mapping);
    m_page = m_window->mappingPage();
    QVERIFY(m_page && m_page->isVisible());
    QVERIFY(QTest::qWaitFor([&] { return m_page->isLoaded(); }, 30000));
}

void TestMappingPage::cleanupTestCase()
{
    m_window.reset();
    m_service.reset();
    m_sandbox.reset();
    QSqlDatabase::removeDatabase(u"probe"_s);
}

int TestMappingPage::count(const QString &sql)
{
    int n = -1;
    {
        auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
        if (!db)
            return -1;
        QSqlQuery q(db.value());
        if (q.exec(sql) && q.next())
            n = q.value(0).toInt();
        else
            qWarning("%s", qPrintable(sql));
    }
    store::Database::close(u"probe"_s);
    return n;
}

bool TestMappingPage::reloadAs(const QString &actor)
{
    QSignalSpy loaded(m_page, &MappingPage::loaded);
    m_page->setContext(m_service.get(), actor, m_config.profileName);
    return loaded.wait(30000);
}

QString TestMappingPage::payAndSync(QString *incrementId)
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QJsonObject placed = adminCall(sb, u"/__admin/checkout"_s,
                                         {{u"payment"_s, u"paytrace"_s}, {u"action"_s, u"sale"_s},
                                          {u"amount"_s, u"41.20"_s}, {u"currency"_s, u"USD"_s}});
    if (!placed.value(u"approved"_s).toBool()) {
        qWarning() << "checkout failed:" << placed;
        return {};
    }
    *incrementId = placed.value(u"increment_id"_s).toString();
    const qint64 entityId = placed.value(u"entity_id"_s).toInteger();
    if (!test::syncOnce(*m_service))
        return {};
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 90000) {
        const QJsonArray docs = adminCall(sb, u"/__admin/magento/documents?order_id="_s + QString::number(entityId))
                                    .value(u"documents"_s).toArray();
        for (const QJsonValue &d : docs)
            if (d[u"kind"_s].toString() == u"comment")
                return d[u"status_after"_s].toString();
        m_service->runIntents();
        QTest::qWait(300);
    }
    qWarning() << "no payment comment on" << *incrementId;
    return {};
}

void TestMappingPage::showsTheActiveMapping()
{
    // Nothing saved yet: the default is active, the draft is it, nothing to save or undo.
    QCOMPARE(m_page->activeVersion(), 0);
    QVERIFY(!m_page->isReadOnly());
    QVERIFY(!m_page->draft()->isModified());
    QVERIFY(!m_page->saveAction()->isEnabled());
    QVERIFY(!m_page->undoAction()->isEnabled());
    QCOMPARE(m_page->draft()->string(u"statusMap.approved"_s), u"processing"_s);
    // The status lists offer what the store has: the custom status its orders carry, under
    // processing only (Magento allows an approved payment's order there).
    auto *status = m_page->statusMap()->findChild<QComboBox *>(u"status_approved"_s);
    QVERIFY(status);
    QVERIFY2(status->findData(u"payment_received"_s) >= 0, "payment_received is not offered for approved");
    auto *state = m_page->statusMap()->findChild<QComboBox *>(u"state_approved"_s);
    QCOMPARE(state->currentData().toString(), u"processing"_s);
    QVERIFY(state->findData(u"closed"_s) < 0); // Magento never closes an order for an approval
    QVERIFY(state->findData(QString()) == 0);   // "Leave alone"
    // The canvas draws the link key with its chain.
    QVERIFY2(m_page->canvas()->linkLabel().contains(u"trim"_s), qPrintable(m_page->canvas()->linkLabel()));
}

void TestMappingPage::supportReadsButCannotEdit()
{
    QVERIFY(reloadAs(kSupport));
    QVERIFY(m_page->isReadOnly());
    QVERIFY2(m_page->bannerText().contains(u"Read only"_s), qPrintable(m_page->bannerText()));
    QVERIFY(!m_page->statusMap()->findChild<QComboBox *>(u"status_approved"_s)->isEnabled());
    QVERIFY(!m_page->statusMap()->choose(u"approved"_s, u"processing"_s, u"payment_received"_s));
    QVERIFY(!m_page->linkKeyPanel()->pairCombo()->isEnabled());
    QVERIFY(!m_page->accounts()->setAccount(u"sales"_s, {}, u"Income:Web"_s));
    QVERIFY(!m_page->draft()->isModified());
    QVERIFY(!m_page->saveAction()->isEnabled());
    QVERIFY(!m_page->save(u"support tries"_s));
    QVERIFY(!m_page->history()->rollbackButton()->isEnabled());
    // They still read the same mapping.
    QCOMPARE(m_page->draft()->string(u"statusMap.approved"_s), u"processing"_s);

    QVERIFY(reloadAs(m_me));
    QVERIFY(!m_page->isReadOnly());
    QVERIFY(m_page->statusMap()->findChild<QComboBox *>(u"status_approved"_s)->isEnabled());
}

void TestMappingPage::undoAndRedoEveryEdit()
{
    auto *draft = m_page->draft();
    QVERIFY(draft->undoStack()->count() == 0);
    // Three edits of three kinds: status map, fallback match, an account override.
    QVERIFY(m_page->statusMap()->choose(u"declined"_s, u"canceled"_s, u"canceled"_s));
    auto *window = m_page->linkKeyPanel()->findChild<QSpinBox *>(u"fallbackWindow"_s);
    QVERIFY(window);
    window->setValue(90);
    window->setValue(60); // a spin box's steps are one edit
    QVERIFY(m_page->accounts()->addCurrency(u"CAD"_s));
    QVERIFY(m_page->accounts()->setAccount(u"sales"_s, u"CAD"_s, u"Income:Sales:Canada"_s));
    QCOMPARE(draft->undoStack()->count(), 4);
    QVERIFY(draft->isModified());
    QVERIFY(m_page->modifiedLabel()->isVisible());
    QVERIFY(m_page->saveAction()->isEnabled());

    // Keyboard: Ctrl+Z on the page undoes, Ctrl+Shift+Z redoes.
    m_page->statusMap()->table()->setFocus();
    QTest::keyClick(m_page->statusMap()->table(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(draft->string(u"erpAccounts.perCurrency.CAD.sales"_s), QString());
    QTest::keyClick(m_page->statusMap()->table(), Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(!draft->json().value(u"erpAccounts"_s).toObject().value(u"perCurrency"_s).toObject().contains(u"CAD"_s));
    QTest::keyClick(m_page->statusMap()->table(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(draft->value(u"linkKey.fallback.timeWindowMinutes"_s).toInt(), 120);
    QCOMPARE(window->value(), 120);
    QTest::keyClick(m_page->statusMap()->table(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(draft->value(u"linkKey.fallback.timeWindowMinutes"_s).toInt(), 60);
    QCOMPARE(draft->string(u"statusMap.declined"_s), u"canceled"_s);
    // Undoing everything is the active version again: nothing to save.
    m_page->undoAction()->trigger();
    m_page->undoAction()->trigger();
    QVERIFY(draft->value(u"statusMap.declined"_s).isNull());
    QVERIFY(!draft->isModified());
    QVERIFY(!m_page->modifiedLabel()->isVisible());
    QVERIFY(!m_page->saveAction()->isEnabled());
    QVERIFY(m_page->redoAction()->isEnabled());
    draft->undoStack()->clear();
}

void TestMappingPage::closingAsksAboutAnUnsavedDraft()
{
    QVERIFY(m_page->statusMap()->choose(u"declined"_s, u"canceled"_s, u"canceled"_s));
    QVERIFY(m_page->hasUnsavedChanges());
    // The question is modal: answer it (Cancel) once it shows.
    bool asked = false;
    QTimer::singleShot(0, this, [&] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        asked = box && box->text().contains(u"not saved"_s);
        if (box)
            box->button(QMessageBox::Cancel)->click();
    });
    QVERIFY(!m_window->close());
    QVERIFY(asked);
    QVERIFY(m_window->isVisible());
    QVERIFY(m_page->hasUnsavedChanges()); // nothing was dropped
    m_page->undoAction()->trigger();
    QVERIFY(!m_page->hasUnsavedChanges());
    m_page->draft()->undoStack()->clear();
}

void TestMappingPage::canvasLinksFromTheKeyboard()
{
    m_page->showTab(MappingPage::FieldsTab);
    auto *canvas = m_page->canvas();
    canvas->setFocus();
    QTRY_VERIFY(canvas->hasFocus());
    // The first arrow lands on the link key's PayTrace field; Right goes across to the Magento
    // field on the same row, Enter on each links them.
    QTest::keyClick(canvas, Qt::Key_Down);
    QCOMPARE(canvas->focusedField(), u"paytrace.invoice_id"_s);
    QTest::keyClick(canvas, Qt::Key_Return);
    QTest::keyClick(canvas, Qt::Key_Right);
    QCOMPARE(canvas->focusedField(), u"magento.entity_id"_s);
    QTest::keyClick(canvas, Qt::Key_Return);
    QCOMPARE(m_page->draft()->string(u"linkKey.paytraceField"_s), u"invoice_id"_s);
    QCOMPARE(m_page->draft()->string(u"linkKey.magentoField"_s), u"entity_id"_s);
    // A pair PayBridge cannot link is refused with the supported ones named.
    QTest::keyClick(canvas, Qt::Key_Down); // last_trans_id
    QTest::keyClick(canvas, Qt::Key_Return);
    QTest::keyClick(canvas, Qt::Key_Left); // description, across
    QCOMPARE(canvas->focusedField(), u"paytrace.customer_reference_id"_s);
    QTest::keyClick(canvas, Qt::Key_Return);
    QCOMPARE(m_page->draft()->string(u"linkKey.magentoField"_s), u"entity_id"_s);
    QVERIFY2(m_page->messageText().contains(u"Supported"_s), qPrintable(m_page->messageText()));
    m_page->undoAction()->trigger();
    QVERIFY(!m_page->draft()->isModified());
    m_page->draft()->undoStack()->clear();
    m_page->showTab(MappingPage::StatusTab);
}

void TestMappingPage::acceptedSuggestionChangesTheDraft()
{
    QSignalSpy finished(m_page->suggestions(), &ui::studio::SuggestionsPanel::finished);
    m_page->showTab(MappingPage::SuggestionsTab); // the first look runs the analysis
    QVERIFY(finished.wait(120000));
    const auto suggestions = m_page->suggestions()->suggestions();
    QVERIFY2(!suggestions.isEmpty(), "no suggestion on the sandbox's data");
    // Each comes with its figure, measured on the synced payments.
    for (const auto &s : suggestions) {
        QVERIFY(s.considered > 0);
        QVERIFY(s.matched <= s.considered);
        QVERIFY2(!s.evidence.isEmpty(), "a suggestion without its evidence");
    }
    // Accept one whose key differs from the draft's (the button in its row).
    auto *draft = m_page->draft();
    const QJsonObject before = draft->value(u"linkKey"_s).toObject();
    int pick = -1;
    for (int i = 0; i < suggestions.size() && pick < 0; ++i) {
        const QJsonObject k = suggestions.at(i).linkKey;
        if (k.value(u"paytraceField"_s) != before.value(u"paytraceField"_s)
            || k.value(u"magentoField"_s) != before.value(u"magentoField"_s)
            || k.value(u"transforms"_s) != before.value(u"transforms"_s))
            pick = i;
    }
    QVERIFY2(pick >= 0, "every suggestion equals the active key");
    auto *accept = m_page->suggestions()->table()->findChild<QPushButton *>(u"acceptSuggestion%1"_s.arg(pick));
    QVERIFY(accept && accept->isEnabled());
    QTest::mouseClick(accept, Qt::LeftButton);
    const QJsonObject chosen = suggestions.at(pick).linkKey;
    QCOMPARE(draft->value(u"linkKey.paytraceField"_s), chosen.value(u"paytraceField"_s));
    QCOMPARE(draft->value(u"linkKey.magentoField"_s), chosen.value(u"magentoField"_s));
    QCOMPARE(draft->value(u"linkKey.transforms"_s), chosen.value(u"transforms"_s));
    QCOMPARE(draft->value(u"linkKey.fallback"_s), before.value(u"fallback"_s)); // untouched
    QVERIFY(draft->isModified());
    QVERIFY2(draft->validated(), qPrintable(draft->validated() ? QString() : draft->validated().error().toString()));
    QVERIFY(m_page->canvas()->linkLabel().startsWith(u"link key:"_s));
    // One step back is the key as it was.
    m_page->undoAction()->trigger();
    QCOMPARE(draft->value(u"linkKey"_s).toObject(), before);
    QVERIFY(!draft->isModified());
    draft->undoStack()->clear();
}

void TestMappingPage::importNamesTheKeyMagentoWouldRefuse()
{
    // A document mapping a refund to processing: Magento closes a refunded order.
    QJsonObject doc = QJsonDocument::fromJson(m_page->draft()->document()).object();
    QJsonObject map = doc.value(u"statusMap"_s).toObject();
    map.insert(u"refunded"_s, u"processing"_s);
    doc.insert(u"statusMap"_s, map);
    const QString path = m_home->path() + u"/refund-processing.json"_s;
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(doc).toJson());
    }
    QSignalSpy done(m_page, &MappingPage::fileDone);
    QVERIFY(m_page->importFile(path));
    QVERIFY(done.wait(10000));
    // It is in the draft, to be corrected or undone, and cannot be saved; the key is named.
    QVERIFY(!done.first().at(0).toBool());
    QVERIFY2(done.first().at(1).toString().contains(u"statusMap.refunded"_s), qPrintable(done.first().at(1).toString()));
    QCOMPARE(m_page->draft()->string(u"statusMap.refunded"_s), u"processing"_s);
    QVERIFY(!m_page->saveAction()->isEnabled());
    QVERIFY2(m_page->bannerText().contains(u"statusMap.refunded"_s), qPrintable(m_page->bannerText()));
    QVERIFY2(m_page->statusMap()->problemText(u"refunded"_s).contains(u"closed"_s),
             qPrintable(m_page->statusMap()->problemText(u"refunded"_s)));
    m_page->undoAction()->trigger();
    QVERIFY(!m_page->draft()->isModified());
    QVERIFY(m_page->bannerText().isEmpty());

    // Export writes the draft, which reads back as the active mapping.
    const QString out = m_home->path() + u"/exported.json"_s;
    done.clear();
    QVERIFY(m_page->exportFile(out));
    QVERIFY(done.wait(10000));
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto exported = mapping::MappingProfile::fromJson(f.readAll());
    QVERIFY(exported);
    QVERIFY(exported.value() == mapping::MappingProfile::defaults());
    m_page->draft()->undoStack()->clear();
}

void TestMappingPage::statusMapSavedTakesEffectAtTheNextSync()
{
    m_page->showTab(MappingPage::StatusTab);
    auto *draft = m_page->draft();
    // The approved row through its status list, as a person picks it.
    auto *status = m_page->statusMap()->findChild<QComboBox *>(u"status_approved"_s);
    const int index = status->findData(u"payment_received"_s);
    QVERIFY(index >= 0);
    status->setCurrentIndex(index);
    Q_EMIT status->activated(index);
    QCOMPARE(draft->string(u"statusMap.approved"_s), u"payment_received"_s);
    // The custom status is declared with the mapping, with its state.
    const QJsonArray custom = draft->value(u"customStatuses"_s).toArray();
    QCOMPARE(custom.size(), 1);
    QCOMPARE(custom.first()[u"code"_s].toString(), u"payment_received"_s);
    QCOMPARE(custom.first()[u"state"_s].toString(), u"processing"_s);
    QVERIFY(m_page->statusMap()->problemText(u"approved"_s).isEmpty());
    QVERIFY(draft->validated());

    // The preview counts the orders whose status the draft would change.
    QSignalSpy previewed(m_page->preview(), &ui::studio::PreviewPanel::previewReady);
    QVERIFY(QTest::qWaitFor([&] { return !m_page->preview()->isPending(); }, 60000));
    QVERIFY(m_page->preview()->result().has_value());
    QVERIFY2(m_page->preview()->result()->statusChanges > 0, qPrintable(m_page->preview()->summaryText()));

    // Save asks for a note; OK stays off without one.
    ui::studio::NoteDialog *dialog = m_page->openSave();
    QVERIFY(dialog);
    QVERIFY(!dialog->okButton()->isEnabled());
    QTest::keyClicks(dialog->noteEdit(), u"paid orders wait for packing as payment_received"_s);
    QVERIFY(dialog->okButton()->isEnabled());
    QSignalSpy saved(m_page, &MappingPage::saved);
    QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
    QVERIFY(saved.wait(30000));
    QVERIFY2(saved.first().at(0).toBool(), qPrintable(saved.first().at(1).toString()));
    QVERIFY(QTest::qWaitFor([&] { return m_page->activeVersion() == 1; }, 30000));
    QVERIFY(!draft->isModified());
    QCOMPARE(count(u"SELECT COUNT(*) FROM mapping_versions"_s), 1);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'mapping.changed'"_s), 1);

    // The next sync uses it: a newly paid order gets the custom status in Magento.
    QString order;
    QCOMPARE(payAndSync(&order), u"payment_received"_s);
    QCOMPARE(m_sandbox->sandbox()->magento().orderByIncrementId(order)->status, u"payment_received"_s);
}

void TestMappingPage::historyRollsBackToTheDefault()
{
    m_page->showTab(MappingPage::HistoryTab);
    auto *history = m_page->history();
    QCOMPARE(history->versionsTable()->rowCount(), 2); // v1 and the default
    history->selectVersions({1});
    bool approvedChanged = false;
    for (int r = 0; r < history->diffTable()->rowCount(); ++r)
        approvedChanged = approvedChanged
                          || (history->diffTable()->item(r, 0)->text() == u"statusMap.approved"
                              && history->diffTable()->item(r, 2)->text().contains(u"payment_received"_s));
    QVERIFY2(approvedChanged, "the diff of v1 does not show statusMap.approved");
    QVERIFY(!history->rollbackButton()->isEnabled()); // v1 is the active one

    history->selectVersions({0});
    QVERIFY(history->rollbackButton()->isEnabled());
    // The default selected: what going back to it would change.
    bool approvedBack = false;
    for (int r = 0; r < history->diffTable()->rowCount(); ++r)
        approvedBack = approvedBack
                       || (history->diffTable()->item(r, 0)->text() == u"statusMap.approved"
                           && history->diffTable()->item(r, 2)->text().contains(u"processing"_s));
    QVERIFY2(approvedBack, "the rollback diff does not show statusMap.approved going back");
    QTest::mouseClick(history->rollbackButton(), Qt::LeftButton);
    auto *dialog = m_page->findChild<ui::studio::NoteDialog *>();
    QVERIFY(dialog && dialog->isVisible());
    QVERIFY(!dialog->okButton()->isEnabled());
    QTest::keyClicks(dialog->noteEdit(), u"packing team not ready yet"_s);
    QSignalSpy rolled(m_page, &MappingPage::rolledBack);
    QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
    QVERIFY(rolled.wait(30000));
    QVERIFY2(rolled.first().at(0).toBool(), qPrintable(rolled.first().at(1).toString()));
    QVERIFY(QTest::qWaitFor([&] { return m_page->activeVersion() == 2; }, 30000));
    QCOMPARE(m_page->draft()->string(u"statusMap.approved"_s), u"processing"_s);
    QCOMPARE(history->versionsTable()->rowCount(), 3);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'mapping.rolled_back'"_s), 1);

    // And the sync after it sets the built-in status again.
    QString order;
    QCOMPARE(payAndSync(&order), u"processing"_s);
}

QTEST_MAIN(TestMappingPage)
#include "tst_mapping_page.moc"
