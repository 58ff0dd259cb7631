// The Queue, Refunds and Audit log models over a real store: intents in every state written
// through the real IntentJournal, refunds from all three origins, audit entries through the
// real AuditLog; paging, filters, sorting, the CSV export and QAbstractItemModelTester on each.

#include "auditmodel.h"
#include "queuemodel.h"
#include "refundsmodel.h"
#include "storefixture.h"
#include "intents/intentjournal.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "testsupport.h"
#include "util/clock.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QRegularExpression>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using pb::intents::AttemptReport;
using pb::intents::IntentJournal;
using pb::intents::IntentKind;
using pb::intents::LookupFinding;
using pb::intents::PlanRequest;
using pb::test::OrderRow;
using pb::test::StoreFixture;
using pb::test::TransactionRow;
using pb::ui::AuditModel;
using pb::ui::QueueModel;
using pb::ui::RefundsModel;
using pb::ui::SqlPagedModel;

namespace {

const QString kWriter = u"tst_ops_models.writer"_s;
const QString kReader = u"tst_ops_models.reader"_s;
const QDateTime kStart = QDateTime(QDate(2024, 3, 14), QTime(10, 0), QTimeZone::utc());

PlanRequest request(IntentKind kind, const QString &key, qint64 order, const QString &amount,
                    const QString &who = u"alice"_s)
{
    PlanRequest r;
    r.kind = kind;
    r.naturalKey = key;
    r.orderEntityId = order;
    r.payload = QJsonObject{{u"transaction_id"_s, u"T-100"_s}, {u"amount"_s, amount}, {u"currency"_s, u"USD"_s},
                            {u"reason"_s, u"customer returned the goods"_s}};
    r.requestedBy = who;
    return r;
}

AttemptReport report(net::ErrorClass c, const QString &outcome, int http, const QString &message)
{
    AttemptReport r;
    r.errorClass = c;
    r.outcome = outcome;
    r.message = message;
    if (http)
        r.httpStatus = http;
    r.requestId = u"req-"_s + outcome;
    return r;
}

QStringList column(const SqlPagedModel &m, int c, int role = Qt::DisplayRole)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r, c).data(role).toString();
    return out;
}

void fetchAll(SqlPagedModel &m)
{
    while (m.canFetchMore({}))
        m.fetchMore({});
}

} // namespace

class TestOpsModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void queueBucketsAndCounts();
    void queueCellsInPlainWords();
    void queueFilterSortAndPaging();
    void queueDetailShowsAttemptsAndJanitorNote();
    void refundsFromAllThreeSystems();
    void refundsPagingFilterAndSort();
    void auditFiltersByActorActionAndDates();
    void auditCsvExportStreamsPagesAndQuotes();
    void auditCsvExportCancels();
    void pageExportsAreExactAndInUtc();

private:
    qint64 plan(const PlanRequest &r);
    QSqlDatabase writer() const { return QSqlDatabase::database(kWriter, false); }
    QSqlDatabase reader() const { return QSqlDatabase::database(kReader, false); }

    QTemporaryDir m_dir;
    ManualClock m_clock{kStart};
    std::unique_ptr<IntentJournal> m_journal;
    QSqlDatabase m_db;
    QHash<QString, qint64> m_ids; // by natural key
};

qint64 TestOpsModels::plan(const PlanRequest &r)
{
    auto planned = m_journal->plan(r);
    if (!planned) {
        qWarning("plan failed: %s", qPrintable(planned.error().toString()));
        return 0;
    }
    m_ids.insert(r.naturalKey, planned->intent.id);
    m_clock.advanceSeconds(60);
    return planned->intent.id;
}

void TestOpsModels::initTestCase()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(u"store.sqlite"_s);
    QVERIFY(StoreFixture::create(path, kWriter));
    m_db = writer();
    m_journal = std::make_unique<IntentJournal>(m_db, m_clock);

    // Orders 1–4: 1 refunded through PayBridge, 2 refunded at the gateway, 3 by a Magento credit
    // memo only, 4 with a gateway refund that a PayBridge intent produced.
    const qint64 t0 = kStart.toMSecsSinceEpoch();
    for (int n = 1; n <= 4; ++n) {
        OrderRow o;
        o.entityId = n;
        o.incrementId = u"10000000%1"_s.arg(n);
        o.grandTotal = 10000 * n;
        o.totalPaid = o.grandTotal;
        o.totalRefunded = n == 3 ? 1500 : n == 2 ? 2000 : 0;
        o.payStatus = u"settled"_s;
        o.createdAt = t0 - 86'400'000 + n;
        QVERIFY(StoreFixture::insert(m_db, o));
    }
    TransactionRow gatewayRefund;
    gatewayRefund.transactionId = u"T-R2"_s;
    gatewayRefund.type = u"refund"_s;
    gatewayRefund.status = u"pending_settlement"_s;
    gatewayRefund.amount = 2000;
    gatewayRefund.invoiceId = u"100000002"_s;
    gatewayRefund.createdAt = t0 + 5000;
    QVERIFY(StoreFixture::insert(m_db, gatewayRefund));
    QVERIFY(StoreFixture::link(m_db, u"T-R2"_s, 2));
    TransactionRow producedRefund = gatewayRefund;
    producedRefund.transactionId = u"T-R4"_s;
    producedRefund.invoiceId = u"100000004"_s;
    producedRefund.amount = 4000;
    QVERIFY(StoreFixture::insert(m_db, producedRefund));
    QVERIFY(StoreFixture::link(m_db, u"T-R4"_s, 4));
    TransactionRow sale = gatewayRefund;
    sale.transactionId = u"T-S1"_s;
    sale.type = u"sale"_s;
    sale.status = u"settled"_s;
    QVERIFY(StoreFixture::insert(m_db, sale)); // not a refund: never on the Refunds page

    // Pending: planned, retry_wait.
    QVERIFY(plan(request(IntentKind::PayTraceRefund, u"refund:100000001:1"_s, 1, u"25.00"_s)) > 0);
    QVERIFY(plan(request(IntentKind::MagentoCreditMemo, u"refund:100000001:1/magento"_s, 1, u"25.00"_s)) > 0);
    QVERIFY(plan(request(IntentKind::ErpEntry, u"refund:100000001:1/erp"_s, 1, u"25.00"_s)) > 0);
    {
        const qint64 id = plan(request(IntentKind::MagentoComment, u"comment:100000002:1"_s, 2, u"3.50"_s, u"bob"_s));
        auto t = m_journal->markSending(id, u"req-c"_s);
        QVERIFY(t);
        QVERIFY(m_journal->markRetryWait(*t, report(net::ErrorClass::Transient, u"http_503"_s, 503, u"Service Unavailable"_s),
                                         kStart.addSecs(3600)));
    }
    // In doubt and needs a person.
    {
        const qint64 id = plan(request(IntentKind::PayTraceCapture, u"capture:100000003:1"_s, 3, u"1234.56"_s));
        auto t = m_journal->markSending(id, u"req-t"_s);
        QVERIFY(t);
        QVERIFY(m_journal->markInDoubt(*t, report(net::ErrorClass::InDoubt, u"timeout"_s, 0, u"no answer in 30 s"_s)));
        const qint64 np = plan(request(IntentKind::PayTraceRefund, u"refund:100000004:1"_s, 4, u"40.00"_s));
        auto t2 = m_journal->markSending(np, u"req-np"_s);
        QVERIFY(t2);
        QVERIFY(m_journal->markInDoubt(*t2, report(net::ErrorClass::InDoubt, u"timeout"_s, 0, u"connection reset"_s)));
        LookupFinding f;
        f.kind = LookupFinding::Kind::Undecided;
        f.note = u"export for 2024-03-14 has refund T-R4 of 40.00 but no invoice id"_s;
        QVERIFY(m_journal->recordLookup(np, f));
        // The gateway refund T-R4 is this intent's effect (what a person would record).
        QSqlQuery q(m_db);
        QVERIFY(q.exec(u"UPDATE intents SET result_ref = 'T-R4' WHERE id = %1"_s.arg(np)));
    }
    // Dead, succeeded, discarded.
    {
        const qint64 id = plan(request(IntentKind::PayTraceVoid, u"void:100000002:1"_s, 2, u"200.00"_s));
        auto t = m_journal->markSending(id, u"req-d"_s);
        QVERIFY(t);
        QVERIFY(m_journal->markDead(*t, report(net::ErrorClass::Permanent, u"declined"_s, 400, u"818: already settled"_s),
                                    u"retry.permanent"_s));
        const qint64 ok = plan(request(IntentKind::ErpEntry, u"payment:100000001:1/erp"_s, 1, u"100.00"_s));
        auto t2 = m_journal->markSending(ok, u"req-ok"_s);
        QVERIFY(t2);
        QVERIFY(m_journal->markSucceeded(*t2, report(net::ErrorClass::None, u"posted"_s, 0, QString())));
        const qint64 gone = plan(request(IntentKind::MagentoCancel, u"cancel:100000003:1"_s, 3, u"0.00"_s));
        QVERIFY(m_journal->discard(gone, u"the customer paid after all"_s, u"carol"_s));
    }

    auto reader = store::Database::openReader(path, kReader);
    QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().toString()));
}

void TestOpsModels::cleanupTestCase()
{
    m_journal.reset();
    m_db = QSqlDatabase();
    store::Database::close(kReader);
    store::Database::close(kWriter);
}

void TestOpsModels::queueBucketsAndCounts()
{
    QueueModel model(reader());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QHash<QueueModel::Bucket, qint64> counts = model.bucketCounts();
    QCOMPARE(counts.value(QueueModel::Bucket::Pending), 4);  // 3 planned + 1 retry_wait
    QCOMPARE(counts.value(QueueModel::Bucket::InDoubt), 2);  // in_doubt + needs_person
    QCOMPARE(counts.value(QueueModel::Bucket::Dead), 1);
    QCOMPARE(counts.value(QueueModel::Bucket::Succeeded), 1);
    QCOMPARE(counts.value(QueueModel::Bucket::Discarded), 1);

    QCOMPARE(model.bucket(), QueueModel::Bucket::Pending);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.totalCount(), 4);
    model.setBucket(QueueModel::Bucket::InDoubt);
    QCOMPARE(model.rowCount(), 2);
    const QStringList states = column(model, QueueModel::State, QueueModel::StateNameRole);
    QCOMPARE(QSet<QString>(states.begin(), states.end()), (QSet<QString>{u"in_doubt"_s, u"needs_person"_s}));
    model.setBucket(QueueModel::Bucket::Dead);
    QCOMPARE(column(model, QueueModel::Id, SqlPagedModel::KeyRole),
             QStringList{QString::number(m_ids.value(u"void:100000002:1"_s))});
    model.setBucket(QueueModel::Bucket::Discarded);
    QCOMPARE(column(model, QueueModel::Kind), QStringList{u"Magento order cancel"_s});
}

void TestOpsModels::queueCellsInPlainWords()
{
    QueueModel model(reader());
    model.setBucket(QueueModel::Bucket::Dead);
    QCOMPARE(model.rowCount(), 1);
    const auto cell = [&](int c, int role = Qt::DisplayRole) { return model.index(0, c).data(role); };
    QCOMPARE(cell(QueueModel::Kind).toString(), u"PayTrace void"_s);
    QCOMPARE(cell(QueueModel::Order).toString(), u"100000002"_s);
    QCOMPARE(cell(QueueModel::Amount).toString(), u"200.00 USD"_s);
    QCOMPARE(cell(QueueModel::Amount, SqlPagedModel::SortRole).toLongLong(), 20000);
    QCOMPARE(cell(QueueModel::State).toString(), u"Failed (dead letter)"_s);
    QVERIFY(cell(QueueModel::State, Qt::ToolTipRole).toString().contains(u"retry.permanent"_s));
    QCOMPARE(cell(QueueModel::Attempts).toInt(), 1);
    QCOMPARE(cell(QueueModel::LastError).toString(), u"Refused: 818: already settled"_s);
    QCOMPARE(cell(QueueModel::RequestedBy).toString(), u"alice"_s);

    model.setBucket(QueueModel::Bucket::Pending);
    const int row = model.rowForKey(m_ids.value(u"comment:100000002:1"_s));
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, QueueModel::State).data().toString(), u"Waiting to retry"_s);
    QCOMPARE(model.index(row, QueueModel::LastError).data().toString(), u"Temporary failure: Service Unavailable"_s);
    QCOMPARE(model.index(row, QueueModel::NextAttempt).data(SqlPagedModel::SortRole).toLongLong(),
             kStart.addSecs(3600).toMSecsSinceEpoch());
    QVERIFY(!model.index(row, QueueModel::NextAttempt).data().toString().isEmpty());
}

void TestOpsModels::queueFilterSortAndPaging()
{
    QueueModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(1);
    model.setDatabase(reader());
    QCOMPARE(model.rowCount(), 1);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 4);
    // No row twice across page boundaries.
    const QStringList keys = column(model, QueueModel::Id, SqlPagedModel::KeyRole);
    QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(), 4);

    model.sort(QueueModel::Amount, Qt::AscendingOrder);
    fetchAll(model);
    QCOMPARE(column(model, QueueModel::Amount), (QStringList{u"3.50 USD"_s, u"25.00 USD"_s, u"25.00 USD"_s, u"25.00 USD"_s}));

    model.setFilterText(u"bob"_s); // who asked
    fetchAll(model);
    QCOMPARE(column(model, QueueModel::RequestedBy), QStringList{u"bob"_s});
    model.setFilterText(u"100000001"_s); // order number
    fetchAll(model);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.matchingCount(), 3);
    model.setFilterText(u"credit memo"_s); // the kind's words
    fetchAll(model);
    QCOMPARE(column(model, QueueModel::Kind), QStringList{u"Magento credit memo"_s});
    model.setFilterText(u"comment:"_s); // the natural key, by prefix
    QCOMPARE(column(model, QueueModel::Kind), QStringList{u"Magento order comment"_s});
    model.setBucket(QueueModel::Bucket::Dead);
    model.setFilterText(QString::number(m_ids.value(u"void:100000002:1"_s))); // the id
    QCOMPARE(model.rowCount(), 1);
    model.setBucket(QueueModel::Bucket::Pending);
    model.setFilterText(u"nothing like this"_s);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.matchingCount(), 0);
    QCOMPARE(model.totalCount(), 4);
}

void TestOpsModels::queueDetailShowsAttemptsAndJanitorNote()
{
    const QString dead = QueueModel::detailHtml(reader(), m_ids.value(u"void:100000002:1"_s), u"#777"_s);
    QVERIFY(dead.contains(u"PayTrace void"_s));
    QVERIFY(dead.contains(u"req-declined"_s)); // the attempt's request id
    QVERIFY(dead.contains(u">400<"_s));        // its HTTP status
    QVERIFY(dead.contains(u"818: already settled"_s));
    QVERIFY(dead.contains(u"retry.permanent"_s));
    QVERIFY(dead.contains(u"customer returned the goods"_s)); // payload summary

    const QString np = QueueModel::detailHtml(reader(), m_ids.value(u"refund:100000004:1"_s), u"#777"_s);
    QVERIFY(np.contains(u"What the janitor found"_s));
    QVERIFY(np.contains(u"no invoice id"_s));
    QVERIFY(np.contains(u"Janitor lookup"_s));
    QVERIFY(np.contains(u"could not decide"_s));

    const QString planned = QueueModel::detailHtml(reader(), m_ids.value(u"refund:100000001:1"_s), u"#777"_s);
    QVERIFY(planned.contains(u"Not sent yet."_s));
    QVERIFY(QueueModel::detailHtml(reader(), 999999, u"#777"_s).contains(u"could not be read"_s));
}

void TestOpsModels::refundsFromAllThreeSystems()
{
    RefundsModel model(reader());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    fetchAll(model);
    // PayBridge: refund:100000001:1, refund:100000004:1, void:100000002:1; PayTrace: T-R2 (T-R4
    // came from an intent and is not repeated); Magento: order 3.
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.totalCount(), 5);
    QHash<QString, int> rowOf;
    for (int r = 0; r < model.rowCount(); ++r)
        rowOf.insert(model.index(r, 0).data(SqlPagedModel::KeyRole).toString(), r);
    const auto cell = [&](const QString &key, int c) { return model.index(rowOf.value(key, -1), c).data().toString(); };
    const QString pb1 = u"intent:%1"_s.arg(m_ids.value(u"refund:100000001:1"_s));
    QVERIFY(rowOf.contains(pb1));
    QCOMPARE(cell(pb1, RefundsModel::Origin), u"PayBridge"_s);
    QCOMPARE(cell(pb1, RefundsModel::Order), u"100000001"_s);
    QCOMPARE(cell(pb1, RefundsModel::Amount), u"25.00 USD"_s);
    QCOMPARE(cell(pb1, RefundsModel::PayTraceState), u"Planned"_s);
    QCOMPARE(cell(pb1, RefundsModel::MagentoState), u"Magento credit memo: Planned"_s);
    QCOMPARE(cell(pb1, RefundsModel::ErpState), u"Planned"_s);
    QCOMPARE(cell(pb1, RefundsModel::RequestedBy), u"alice"_s);

    const QString pb4 = u"intent:%1"_s.arg(m_ids.value(u"refund:100000004:1"_s));
    QCOMPARE(cell(pb4, RefundsModel::PayTraceState), u"Needs a person (transaction T-R4)"_s);
    QCOMPARE(cell(pb4, RefundsModel::MagentoState), u"No credit memo"_s);
    QCOMPARE(cell(pb4, RefundsModel::ErpState), u"Not posted"_s);
    QVERIFY(!rowOf.contains(u"transaction:T-R4"_s));
    QVERIFY(!rowOf.contains(u"transaction:T-S1"_s));

    QCOMPARE(cell(u"transaction:T-R2"_s, RefundsModel::Origin), u"PayTrace"_s);
    QCOMPARE(cell(u"transaction:T-R2"_s, RefundsModel::PayTraceState), u"Pending settlement"_s);
    QCOMPARE(cell(u"transaction:T-R2"_s, RefundsModel::MagentoState), u"Refunded 20.00 USD"_s);
    QCOMPARE(cell(u"transaction:T-R2"_s, RefundsModel::Amount), u"20.00 USD"_s);

    QCOMPARE(cell(u"order:3"_s, RefundsModel::Origin), u"Magento credit memo"_s);
    QCOMPARE(cell(u"order:3"_s, RefundsModel::PayTraceState), u"No refund in PayTrace"_s);
    QCOMPARE(cell(u"order:3"_s, RefundsModel::Amount), u"15.00 USD"_s);
    QCOMPARE(model.index(rowOf.value(u"order:3"_s), 0).data(RefundsModel::OriginRole).toString(), u"magento"_s);

    // A PayBridge refund's detail (the Refunds page puts the reason first): the reason the
    // person gave, and the intent without its raw request fields.
    QCOMPARE(RefundsModel::reason(reader(), pb1), u"customer returned the goods"_s);
    QCOMPARE(RefundsModel::reason(reader(), u"order:3"_s), QString()); // Magento's own: none recorded
    const QString plain = QueueModel::detailHtml(reader(), m_ids.value(u"refund:100000001:1"_s), u"#777"_s, false);
    for (const QString &raw : {u"transaction_id"_s, u"T-100"_s, u">Request<"_s})
        QVERIFY2(!plain.contains(raw), qPrintable(plain));
    const QString full = QueueModel::detailHtml(reader(), m_ids.value(u"refund:100000001:1"_s), u"#777"_s);
    QVERIFY2(full.contains(u"T-100"_s), qPrintable(full)); // the Queue page keeps them for repairs
}

void TestOpsModels::refundsPagingFilterAndSort()
{
    RefundsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(2);
    model.setDatabase(reader());
    QCOMPARE(model.rowCount(), 2);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 5);
    const QStringList keys = column(model, 0, SqlPagedModel::KeyRole);
    QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(), 5);

    model.sort(RefundsModel::Amount, Qt::DescendingOrder);
    fetchAll(model);
    QCOMPARE(column(model, RefundsModel::Amount),
             (QStringList{u"200.00 USD"_s, u"40.00 USD"_s, u"25.00 USD"_s, u"20.00 USD"_s, u"15.00 USD"_s}));
    model.setFilterText(u"100000002"_s);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 2); // the dead void and the gateway refund of order 2
    model.setFilterText(u"T-R2"_s);
    QCOMPARE(column(model, RefundsModel::Origin), QStringList{u"PayTrace"_s});
    model.setFilterText(u"magento"_s);
    QCOMPARE(column(model, RefundsModel::Order), QStringList{u"100000003"_s});
}

void TestOpsModels::auditFiltersByActorActionAndDates()
{
    // Planning by a person is audited: one "intent.plan" per intent the fixture planned. They
    // are set aside here so the filters below work on a small, known set.
    {
        QSqlQuery q(m_db);
        QVERIFY(q.exec(u"SELECT (SELECT COUNT(*) FROM audit_log WHERE action = 'intent.plan'),"
                       " (SELECT COUNT(*) FROM intents WHERE requested_by NOT LIKE 'system:%')"_s)
                && q.next());
        QVERIFY(q.value(0).toLongLong() > 0);
        QCOMPARE(q.value(0).toLongLong(), q.value(1).toLongLong());
        // In words, by what was sent; the code in its own column.
        AuditModel planned(reader());
        planned.setStructuredFilter(QString(), u"intent.plan"_s, {}, {});
        fetchAll(planned);
        QStringList words;
        for (int r = 0; r < planned.rowCount(); ++r) {
            QCOMPARE(planned.index(r, AuditModel::Code).data().toString(), u"intent.plan"_s);
            words << planned.index(r, AuditModel::Action).data().toString();
        }
        QVERIFY2(words.contains(u"Refund sent"_s), qPrintable(words.join(u", "_s)));
        QVERIFY2(words.contains(u"Credit memo sent to Magento"_s), qPrintable(words.join(u", "_s)));
        QVERIFY2(!words.contains(u"intent.plan"_s), qPrintable(words.join(u", "_s)));
        QVERIFY(q.exec(u"DELETE FROM audit_log WHERE action = 'intent.plan'"_s));
    }
    QCOMPARE(AuditModel::actionText(u"mapping.changed"), u"Mapping changed"_s);
    QCOMPARE(AuditModel::actionText(u"no.such_action"), u"no.such_action"_s); // unknown: the code
    // The journal audited carol's discard; add entries on other days and by other people.
    store::AuditLog log(m_db);
    QVERIFY(log.append(u"dave"_s, u"operator.role_granted"_s, u"operator"_s, u"erin"_s, u"{\"roles\":[]}"_s,
                       u"{\"roles\":[\"finance\"]}"_s, u"finance for month end"_s, kStart.addDays(-3)));
    QVERIFY(log.append(u"dave"_s, u"intent.replay"_s, u"intent"_s, u"77"_s, u"{\"state\":\"dead\"}"_s,
                       u"{\"state\":\"planned\"}"_s, u"=HYPERLINK(\"x\")"_s, kStart.addDays(-1)));

    AuditModel model(reader());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, AuditModel::Actor).data().toString(), u"carol"_s); // newest first
    QCOMPARE(model.index(0, AuditModel::Action).data().toString(), u"Intent discarded"_s);
    QCOMPARE(model.index(0, AuditModel::Code).data().toString(), u"intent.discard"_s);
    QCOMPARE(model.headerData(AuditModel::Code, Qt::Horizontal).toString(), u"Code"_s);
    QCOMPARE(model.index(0, AuditModel::Before).data().toString(), u"state: planned"_s);
    QCOMPARE(model.index(0, AuditModel::After).data().toString(), u"state: discarded"_s);
    QCOMPARE(model.index(0, AuditModel::Object).data().toString(),
             u"intent %1"_s.arg(m_ids.value(u"cancel:100000003:1"_s)));
    QCOMPARE(model.distinctValues(AuditModel::Actor), (QStringList{u"carol"_s, u"dave"_s}));

    model.setStructuredFilter(u"dave"_s, QString(), {}, {});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.unfilteredCount(), 3);
    model.setStructuredFilter(QString(), u"intent."_s, {}, {}); // the family
    QCOMPARE(column(model, AuditModel::Code), (QStringList{u"intent.discard"_s, u"intent.replay"_s}));
    model.setStructuredFilter(QString(), u"intent.replay"_s, {}, {});
    QCOMPARE(model.rowCount(), 1);
    model.setStructuredFilter(QString(), QString(), kStart.addDays(-2), kStart); // [from, to)
    QCOMPARE(column(model, AuditModel::Code), QStringList{u"intent.replay"_s});
    model.setStructuredFilter(QString(), QString(), kStart.addDays(-2), {});
    QCOMPARE(model.rowCount(), 2);
    model.setStructuredFilter(u"x' OR '1'='1"_s, QString(), {}, {}); // quoted, not SQL
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.lastError().isEmpty());
    model.setStructuredFilter(QString(), QString(), {}, {});
    model.setFilterText(u"month end"_s);
    QCOMPARE(column(model, AuditModel::Actor), QStringList{u"dave"_s});
    model.setFilterText(QString());
}

void TestOpsModels::auditCsvExportStreamsPagesAndQuotes()
{
    std::atomic<bool> cancel{false};
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QList<std::pair<qint64, qint64>> progress;
    auto rows = ui::AuditCsvExport::write(reader(), ui::AuditFilter{u"dave"_s, {}, {}, {}, {}}, buffer, cancel,
                                          [&](qint64 done, qint64 total) { progress << std::make_pair(done, total); }, 1);
    QVERIFY2(rows, qPrintable(rows ? QString() : rows.error().toString()));
    QCOMPARE(*rows, 2);
    // One page per row, then the empty last page.
    QCOMPARE(progress, (QList<std::pair<qint64, qint64>>{{1, 2}, {2, 2}, {2, 2}}));
    const QStringList lines = QString::fromUtf8(buffer.data()).split(u"\r\n"_s, Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines.at(0), u"id,at_utc,actor,action,object_type,object_id,before,after,detail"_s);
    QVERIFY(lines.at(1).contains(u",dave,intent.replay,intent,77,"_s));
    QVERIFY(lines.at(1).contains(u"\"{\"\"state\"\":\"\"dead\"\"}\""_s));
    // A formula is kept as text.
    QVERIFY(lines.at(1).endsWith(u"\"'=HYPERLINK(\"\"x\"\")\""_s));
    // ISO 8601 in UTC with its designator, whatever the local zone (TZ=Asia/Kolkata here). Spelt
    // out: Qt writes a QTimeZone::utc() time as "+00:00" but a Qt::UTC one as "Z".
    QVERIFY2(lines.at(1).contains(u",2024-03-13T10:00:00.000Z,dave,"_s), qPrintable(lines.at(1)));
    QVERIFY(lines.at(2).contains(u"operator.role_granted"_s));

    QBuffer text;
    QVERIFY(text.open(QIODevice::WriteOnly));
    auto filtered = ui::AuditCsvExport::write(reader(), ui::AuditFilter{{}, u"intent."_s, {}, {}, u"month"_s}, text, cancel);
    QVERIFY(filtered);
    QCOMPARE(*filtered, 0);
}

void TestOpsModels::auditCsvExportCancels()
{
    std::atomic<bool> cancel{false};
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    int pages = 0;
    auto rows = ui::AuditCsvExport::write(reader(), ui::AuditFilter{}, buffer, cancel,
                                          [&](qint64, qint64) {
                                              ++pages;
                                              cancel = true; // as the Cancel button would, mid-export
                                          },
                                          1);
    QVERIFY(!rows);
    QCOMPARE(rows.error().code, u"export.cancelled"_s);
    QCOMPARE(pages, 1);
}

void TestOpsModels::pageExportsAreExactAndInUtc()
{
    // What "Export CSV…" on the Refunds and Queue pages writes: plain amounts and UTC times
    // (the table shows local times, TZ=Asia/Kolkata here, and grouped amounts).
    RefundsModel refunds;
    refunds.setDatabase(reader());
    refunds.sort(RefundsModel::Amount, Qt::DescendingOrder);
    SqlPagedModel::ReadCursor cursor;
    QList<QStringList> rows;
    QVERIFY(refunds.readForExport(cursor, 100, {RefundsModel::Amount, RefundsModel::Currency, RefundsModel::When}, rows));
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows.first().at(0), u"200.00"_s);
    QCOMPARE(rows.first().at(1), u"USD"_s);
    const QRegularExpression isoUtc(u"^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"_s);
    for (const QStringList &row : std::as_const(rows))
        QVERIFY2(isoUtc.match(row.at(2)).hasMatch(), qPrintable(row.at(2)));
    // The gateway refund of order 2 was made at kStart + 5 s.
    bool found = false;
    for (const QStringList &row : std::as_const(rows))
        found = found || row.at(2) == u"2024-03-14T10:00:05Z"_s;
    QVERIFY(found);

    QueueModel queue;
    queue.setDatabase(reader());
    queue.setBucket(QueueModel::Bucket::Dead);
    SqlPagedModel::ReadCursor qc;
    QList<QStringList> qrows;
    QVERIFY(queue.readForExport(qc, 100, {QueueModel::Amount, QueueModel::Updated}, qrows));
    QVERIFY(!qrows.isEmpty());
    for (const QStringList &row : std::as_const(qrows)) {
        QVERIFY2(!row.at(0).contains(u','), qPrintable(row.at(0)));
        QVERIFY2(isoUtc.match(row.at(1)).hasMatch(), qPrintable(row.at(1)));
    }
}

QTEST_GUILESS_MAIN(TestOpsModels)
#include "tst_ops_models.moc"
