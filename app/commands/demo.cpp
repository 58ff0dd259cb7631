#include "commands/demo.h"

#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"
#include "access/operator.h"
#include "access/operatordirectory.h"
#include "store/database.h"

#include "profile/profile.h"
#include "profile/profilestore.h"
#include "paytracesim.h"
#include "reconcile/settlementimporter.h"
#include "sandbox.h"
#include "settlementreport.h"
#include "security/credentialstore.h"
#include "security/inmemorysecrets.h"
#include "security/secretkeys.h"
#include "store/database.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>

#include <optional>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

} // namespace

DemoSession::DemoSession(DemoOptions options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    qRegisterMetaType<pb::sync::SyncConfig>();
}

DemoSession::~DemoSession() = default;

void DemoSession::start()
{
    sandbox::SandboxOptions so;
    so.orders = m_options.orders;
    so.seed = m_options.seed;
    // A store that keeps trading, so the console visibly changes while someone watches.
    so.liveOrdersPerMinute = 6;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(so);
    QString error;
    if (!m_sandbox->start(&error)) {
        QMetaObject::invokeMethod(this, [this, error] {
            Q_EMIT failed(makeError(QStringLiteral("demo.sandbox"), {},
                                    QStringLiteral("the sandbox did not start: %1").arg(error)));
        }, Qt::QueuedConnection);
        return;
    }
    m_credentials = m_sandbox->sandbox()->credentials();

    profile::Profile p;
    p.name = kProfileName;
    p.paytraceUrl = m_sandbox->sandbox()->paytraceUrl().toString();
    p.magentoUrl = m_sandbox->sandbox()->magentoUrl().toString();
    p.magentoAuth = QStringLiteral("oauth1"); // Magento's default since 2.4.4: signed requests
    p.historyDays = 35; // the generator spreads orders over the last 30 days
    // The account the console checks roles for (getpwuid first): $USER is often unset (services,
    // containers), which left the demo without an admin, its Settings refused and no actions.
    p.createdBy = access::currentOsAccount().valueOr(qEnvironmentVariable("USER"));
    m_config = syncConfigWithoutSecrets(p);

    // The sandbox listens on a new port and regenerates its data each run, so the demo profile
    // and its store start fresh every time.
    profile::ProfileStore profiles;
    Status saved = profiles.load();
    if (saved) {
        if (profiles.find(p.name))
            saved = profiles.update(p);
        else
            saved = profiles.add(p);
    }
    if (!saved) {
        QMetaObject::invokeMethod(this, [this, saved] { Q_EMIT failed(saved.error()); }, Qt::QueuedConnection);
        return;
    }
    for (const char *suffix : {"", "-wal", "-shm"})
        QFile::remove(m_config.databasePath + QLatin1StringView(suffix));
    // The sandbox's PayTrace encrypts cards under a key it makes at start: the demo's card entry
    // needs that key where a merchant keeps theirs.
    if (Status key = writeE2eeKey(); !key) {
        QMetaObject::invokeMethod(this, [this, key] { Q_EMIT failed(key.error()); }, Qt::QueuedConnection);
        return;
    }
    if (Status roles = grantDemoRoles(p.createdBy); !roles) {
        QMetaObject::invokeMethod(this, [this, roles] { Q_EMIT failed(roles.error()); }, Qt::QueuedConnection);
        return;
    }
    // Before the first sync: the report plants its order-side problems in Magento.
    if (Status report = importSettlementReport(); !report) {
        QMetaObject::invokeMethod(this, [this, report] { Q_EMIT failed(report.error()); }, Qt::QueuedConnection);
        return;
    }

    auto *keychain = new security::CredentialStore(this);
    connect(keychain, &security::CredentialStore::availabilityChanged, this,
            [this, keychain](security::CredentialStore::Availability a) {
                if (m_secrets)
                    return;
                if (a == security::CredentialStore::Availability::Available)
                    storeSecrets(keychain, true);
                else if (a == security::CredentialStore::Availability::Unavailable)
                    storeSecrets(new security::InMemorySecrets({QString(kProfileName)}, this), false);
            });
    keychain->probe();
}

Status DemoSession::writeE2eeKey()
{
    const QString path = profile::e2eePublicKeyPath(m_config.databasePath);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    const QByteArray pem = m_sandbox->sandbox()->paytrace().e2eePublicKeyPem();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(pem) != pem.size() || !file.flush())
        return makeError(QStringLiteral("demo.e2ee_key"), path,
                         QStringLiteral("cannot write the sandbox's PayTrace public key: %1").arg(file.errorString()));
    return Status::success();
}

// The demo's operator is the profile's creator and admin; it also gets the finance role so that
// capture, void and refund can be tried on the sandbox. Granted through the directory, so the
// audit log says who gave it.
Status DemoSession::grantDemoRoles(const QString &account)
{
    const QString connection = QStringLiteral("paybridge-demo-roles");
    Status result;
    {
        auto db = store::Database::openWriter(m_config.databasePath, connection);
        if (!db)
            return db.error();
        access::OperatorDirectory operators(db.value());
        if (auto admin = operators.ensureBootstrapAdmin(account); !admin)
            result = admin.error();
        else
            result = operators.assignRole(account, account, access::Role::Finance);
    }
    store::Database::close(connection);
    return result;
}

Status DemoSession::importSettlementReport()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    QDate from, to;
    for (const auto &b : sb.paytrace().batches()) {
        const QDate d = sandbox::batchDate(b.closedAt);
        from = from.isValid() ? std::min(from, d) : d;
        to = to.isValid() ? std::max(to, d) : d;
    }
    if (!from.isValid())
        return {}; // no batch closed: nothing to reconcile
    const sandbox::SettlementReport report = sandbox::makeSettlementReport(sb.paytrace(), sb.magento(), {from, to});
    const QString csvPath = QFileInfo(m_config.databasePath).absolutePath() + QStringLiteral("/demo-settlement.csv");
    {
        QFile f(csvPath);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(report.csv) != report.csv.size())
            return makeError(QStringLiteral("demo.settlement"), csvPath, f.errorString());
    }
    // The generator's columns (settlementreport.h).
    using reconcile::RecordKind;
    reconcile::SettlementMapping mapping;
    mapping.source = QStringLiteral("paytrace");
    mapping.batch = QStringLiteral("batch");
    mapping.date = QStringLiteral("date");
    mapping.transactionId = QStringLiteral("transaction_id");
    mapping.kind = QStringLiteral("type");
    mapping.cardLast4 = QStringLiteral("card");
    mapping.amount = QStringLiteral("amount");
    mapping.currency = QStringLiteral("currency");
    mapping.reference = QStringLiteral("reference");
    mapping.kindMap = {{QStringLiteral("sale"), RecordKind::Sale}, {QStringLiteral("refund"), RecordKind::Refund},
                       {QStringLiteral("adjustment"), RecordKind::Adjustment}, {QStringLiteral("fee"), RecordKind::Fee}};
    mapping.dateFormat = reconcile::DateFormat::IsoDate;

    const QString connection = QStringLiteral("paybridge-demo-settlement");
    Status result;
    qint64 lines = 0;
    {
        auto db = store::Database::openWriter(m_config.databasePath, connection);
        if (!db)
            return db.error();
        reconcile::SettlementImporter importer(db.value());
        reconcile::ImportOptions options;
        options.actor = QStringLiteral("demo");
        const auto outcome = importer.importFile(csvPath, mapping, options);
        if (!outcome.ok())
            result = outcome.errors.value(0);
        lines = outcome.report.added;
    }
    store::Database::close(connection);
    if (!result)
        return result;
    // The batch day with the most planted problems, to start with.
    QMap<QDate, int> byDay;
    for (const auto &planted : report.planted)
        if (const auto t = sb.paytrace().transaction(planted.transactionId.toLongLong()); t && t->settledAt > 0)
            ++byDay[sandbox::batchDate(t->settledAt)];
    QDate busiest;
    for (auto it = byDay.cbegin(); it != byDay.cend(); ++it)
        if (!busiest.isValid() || it.value() > byDay.value(busiest))
            busiest = it.key();
    m_settlementNote = tr("Settlement report %1 to %2 imported (%3 lines, %4 planted problems); on the "
                          "Reconciliation page, %5 has the most of them.")
                           .arg(from.toString(Qt::ISODate), to.toString(Qt::ISODate))
                           .arg(lines)
                           .arg(report.planted.size())
                           .arg(busiest.isValid() ? busiest.toString(Qt::ISODate) : to.toString(Qt::ISODate));
    return {};
}

void DemoSession::storeSecrets(security::SecretStore *store, bool isKeychain)
{
    m_secrets = store;
    m_inKeychain = isKeychain;
    const QStringList &valid = security::validSecretKeys();
    m_pending = 0;
    for (const auto &[key, value] : m_credentials) {
        if (!valid.contains(key))
            continue;
        ++m_pending;
        store->write(QString(kProfileName), key, value, this, [this, store](Status written) {
            if (m_failed)
                return;
            if (!written) {
                m_failed = true;
                Q_EMIT failed(written.error());
                return;
            }
            if (--m_pending == 0)
                readBack(store);
        });
    }
    if (m_pending == 0)
        readBack(store);
}

void DemoSession::readBack(security::SecretStore *store)
{
    // Read through the same path a real profile uses, so the demo exercises it.
    m_pending = 0;
    for (const auto &[key, value] : m_credentials) {
        if (!security::validSecretKeys().contains(key))
            continue;
        ++m_pending;
        store->read(QString(kProfileName), key, this, [this, key = key](Result<QString> read) {
            if (m_failed)
                return;
            if (!read) {
                m_failed = true;
                Q_EMIT failed(read.error());
                return;
            }
            m_config.secrets.insert(key, read.value());
            if (--m_pending == 0)
                Q_EMIT ready(m_config);
        });
    }
}

QString DemoSession::secretsNote() const
{
    return m_inKeychain
        ? tr("The sandbox credentials of the demo profile are kept in the OS keychain.")
        : tr("No OS keychain is reachable: the demo keeps the sandbox credentials in memory only "
             "(real profiles need a keychain).");
}

QString DemoSession::sandboxSummary() const
{
    if (!m_sandbox)
        return {};
    return tr("Sandbox: PayTrace at %1, Magento at %2, %3 generated orders (seed %4).")
        .arg(m_sandbox->sandbox()->paytraceUrl().toString(), m_sandbox->sandbox()->magentoUrl().toString())
        .arg(m_options.orders)
        .arg(m_options.seed)
        + (m_settlementNote.isEmpty() ? QString() : QString(u' ' + m_settlementNote));
}

int runHeadlessDemo(const DemoOptions &options, Io &io)
{
    io.out() << tr("No display: running the PayBridge demo headless.\n") << Qt::flush;
    DemoSession demo(options);
    std::optional<Error> error;
    QEventLoop loop; // the process's main loop while the demo sets up
    QObject::connect(&demo, &DemoSession::failed, &loop, [&](const Error &e) {
        error = e;
        loop.quit();
    });
    QObject::connect(&demo, &DemoSession::ready, &loop, &QEventLoop::quit);
    demo.start();
    loop.exec();
    if (error) {
        io.err() << tr("The demo could not start: %1\n").arg(error->toString()) << Qt::flush;
        return exitCodeFor(*error);
    }
    io.out() << demo.sandboxSummary() << '\n' << demo.secretsNote() << '\n'
             << tr("Store: %1\n").arg(demo.config().databasePath) << Qt::flush;
    return runSyncOnce(demo.config(), io);
}

} // namespace pb::app
