#include "cliworld.h"

#include "access/operator.h"

#include <QDate>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace pb::test {

QString CliRun::describe(const QStringList &args) const
{
    return u"paybridge %1 → exit %2\nstdout:\n%3\nstderr:\n%4"_s.arg(args.join(u' ')).arg(exitCode).arg(out, err);
}

CliWorld::CliWorld() = default;

CliWorld::~CliWorld()
{
    stop();
}

QProcessEnvironment CliWorld::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"HOME"_s, m_home.path());
    env.insert(u"XDG_DATA_HOME"_s, m_home.path() + u"/data"_s);
    env.insert(u"XDG_CONFIG_HOME"_s, m_home.path() + u"/config"_s);
    env.insert(u"XDG_CACHE_HOME"_s, m_home.path() + u"/cache"_s);
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    return env;
}

bool CliWorld::start(int orders, quint64 seed, QString *error, const QStringList &extra)
{
    if (!m_home.isValid()) {
        *error = u"no temporary directory"_s;
        return false;
    }
    m_sandbox.setProgram(QStringLiteral(PAYBRIDGE_SANDBOX_EXE));
    m_sandbox.setArguments(QStringList{u"--orders"_s, QString::number(orders), u"--seed"_s, QString::number(seed)} + extra);
    m_sandbox.setProcessEnvironment(environment());
    m_sandbox.start();
    if (!m_sandbox.waitForStarted(20000)) {
        *error = u"paybridge-sandbox did not start"_s;
        return false;
    }
    QByteArray out;
    QElapsedTimer waited;
    waited.start();
    while (!out.contains("magento.bearer_token=") || !out.endsWith('\n')) {
        if (waited.elapsed() > 240000 || m_sandbox.state() != QProcess::Running) {
            *error = u"paybridge-sandbox did not print its URLs: "_s + QString::fromUtf8(out + m_sandbox.readAllStandardError());
            return false;
        }
        m_sandbox.waitForReadyRead(200);
        out += m_sandbox.readAllStandardOutput();
    }
    for (const QString &line : QString::fromUtf8(out).split(u'\n', Qt::SkipEmptyParts)) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq > 0)
            m_values.insert(line.left(eq), line.mid(eq + 1).trimmed());
    }
    if (!m_values.contains(u"admin_url"_s) || !m_values.contains(u"paytrace_url"_s)) {
        *error = u"paybridge-sandbox printed no admin_url/paytrace_url"_s;
        return false;
    }
    return true;
}

void CliWorld::stop()
{
    for (const QString &name : std::as_const(m_profiles))
        paybridge({u"profile"_s, u"remove"_s, name});
    m_profiles.clear();
    if (m_sandbox.state() != QProcess::NotRunning) {
        m_sandbox.terminate();
        if (!m_sandbox.waitForFinished(10000)) {
            m_sandbox.kill();
            m_sandbox.waitForFinished();
        }
    }
}

CliRun CliWorld::paybridge(const QStringList &args, const QByteArray &stdinData, int timeoutMs) const
{
    QProcess p;
    p.setProcessEnvironment(environment());
    p.start(QStringLiteral(PAYBRIDGE_EXE), args);
    CliRun r;
    if (!p.waitForStarted(20000))
        return r;
    if (!stdinData.isNull())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError()) + u"\n(timed out)"_s;
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void CliWorld::startPaybridge(QProcess &process, const QStringList &args) const
{
    process.setProcessEnvironment(environment());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PAYBRIDGE_EXE), args);
}

bool CliWorld::addProfile(const QString &name, QString *error)
{
    const QStringList args{u"profile"_s, u"add"_s, name, u"--paytrace-url"_s, value(u"paytrace_url"_s),
                           u"--magento-url"_s, value(u"magento_url"_s), u"--magento-auth"_s, u"oauth1"_s};
    CliRun r = paybridge(args);
    if (r.exitCode != 0) {
        *error = r.describe(args);
        return false;
    }
    m_profiles << name;
    // OAuth 1.0a: Magento 2.4.4+ refuses the integration token as a Bearer token by default.
    for (const char *key : {"paytrace.username", "paytrace.password", "magento.consumer_key", "magento.consumer_secret",
                            "magento.access_token", "magento.access_token_secret"}) {
        const QStringList set{u"profile"_s, u"set-secret"_s, name, QString::fromLatin1(key)};
        r = paybridge(set, value(QString::fromLatin1(key)).toUtf8() + '\n');
        if (r.exitCode != 0) {
            *error = r.describe(set);
            return false;
        }
    }
    return true;
}

QString CliWorld::storePath(const QString &profile) const
{
    return m_home.path() + u"/data/PayBridge/PayBridge/profiles/"_s + profile + u"/paybridge.sqlite"_s;
}

QString CliWorld::journalPath(const QString &profile) const
{
    return QFileInfo(storePath(profile)).absoluteDir().filePath(u"journal.ledger"_s);
}

bool CliWorld::grantFinance(const QString &profile, QString *error) const
{
    const auto account = access::currentOsAccount();
    if (!account) {
        *error = account.error().toString();
        return false;
    }
    // Through the command an admin uses: the profile's creator (this account) is the store's
    // first admin and gives itself the finance role.
    const QStringList args{u"operators"_s, u"grant"_s, u"--profile"_s, profile, u"--account"_s, account.value(),
                           u"--role"_s, u"finance"_s};
    const CliRun r = paybridge(args);
    if (r.exitCode != 0) {
        *error = r.describe(args);
        return false;
    }
    return true;
}

namespace {

std::optional<QJsonObject> httpJson(const QString &method, const QUrl &url, const QByteArray &body, QString *error)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    QNetworkReply *reply = method == u"POST" ? nam.post(request, body) : nam.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    loop.exec();
    if (!reply->isFinished()) {
        reply->abort();
        *error = u"%1 %2: no answer in 60 s"_s.arg(method, url.toString());
        delete reply;
        return std::nullopt;
    }
    const QByteArray data = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    delete reply;
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parse);
    if (status != 200 || !doc.isObject()) {
        *error = u"%1 %2: HTTP %3 %4"_s.arg(method, url.toString()).arg(status).arg(QString::fromUtf8(data.left(300)));
        return std::nullopt;
    }
    return doc.object();
}

QUrl adminUrl(const QString &base, const QString &path)
{
    QUrl url(base);
    url.setPath(path);
    return url;
}

} // namespace

std::optional<QJsonObject> CliWorld::adminGet(const QString &path, QString *error) const
{
    return httpJson(u"GET"_s, adminUrl(value(u"admin_url"_s), path), {}, error);
}

std::optional<QJsonObject> CliWorld::adminPost(const QString &path, const QJsonObject &body, QString *error) const
{
    return httpJson(u"POST"_s, adminUrl(value(u"admin_url"_s), path), QJsonDocument(body).toJson(QJsonDocument::Compact),
                    error);
}

QList<QJsonObject> CliWorld::jsonLines(const QString &text, bool *ok)
{
    QList<QJsonObject> out;
    *ok = true;
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &error);
        *ok = *ok && error.error == QJsonParseError::NoError && doc.isObject();
        out.append(doc.object());
    }
    return out;
}

std::optional<Targets> CliWorld::findTargets(const QString &profile, QString *error) const
{
    const QDate today = QDateTime::currentDateTimeUtc().date();
    const QStringList exportArgs{u"paytrace"_s, u"export"_s, u"--profile"_s, profile, u"--from"_s,
                                 today.addDays(-32).toString(Qt::ISODate), u"--to"_s,
                                 today.addDays(1).toString(Qt::ISODate), u"--format"_s, u"jsonl"_s};
    const CliRun tx = paybridge(exportArgs);
    const QStringList orderArgs{u"magento"_s, u"orders"_s, u"--profile"_s, profile, u"--format"_s, u"jsonl"_s};
    const CliRun orders = paybridge(orderArgs);
    if (tx.exitCode != 0 || orders.exitCode != 0) {
        *error = tx.describe(exportArgs) + u'\n' + orders.describe(orderArgs);
        return std::nullopt;
    }
    bool ok1 = false, ok2 = false;
    const QList<QJsonObject> transactions = jsonLines(tx.out, &ok1);
    const QList<QJsonObject> magento = jsonLines(orders.out, &ok2);
    if (!ok1 || !ok2) {
        *error = u"export or orders output is not JSON lines"_s;
        return std::nullopt;
    }
    QHash<QString, QList<QJsonObject>> byInvoice;
    for (const QJsonObject &t : transactions) {
        if (t.value("status"_L1).toString() != u"declined")
            byInvoice[t.value("invoice_id"_L1).toString()].append(t);
    }
    Targets targets;
    const auto minorOf = [](const QString &amount) {
        const qsizetype dot = amount.indexOf(u'.');
        return amount.left(dot).toLongLong() * 100 + amount.mid(dot + 1).toLongLong();
    };
    for (const QJsonObject &o : magento) {
        const QString inc = o.value("increment_id"_L1).toString();
        const QString state = o.value("state"_L1).toString();
        if (o.value("payment_method"_L1).toString() != u"paytrace" || o.value("currency"_L1).toString() != u"USD")
            continue;
        const QList<QJsonObject> txs = byInvoice.value(inc);
        if (txs.size() != 1)
            continue; // several payments, refunds or voids: not a simple story
        const QJsonObject &t = txs.first();
        TargetOrder target{inc, t.value("transaction_id"_L1).toString(), t.value("amount"_L1).toString(), 0};
        target.amountMinor = minorOf(target.amount);
        const QString type = t.value("type"_L1).toString();
        const QString status = t.value("status"_L1).toString();
        static const QRegularExpression zero(u"^0*(\\.0*)?$"_s);
        const bool nothingRefunded = zero.match(o.value("total_refunded"_L1).toString()).hasMatch();
        const bool nothingPaid = zero.match(o.value("total_paid"_L1).toString()).hasMatch();
        if ((state == u"processing" || state == u"complete") && status == u"settled"
            && (type == u"sale" || type == u"authorization") && nothingRefunded
            && o.value("total_paid"_L1).toString() == o.value("grand_total"_L1).toString())
            targets.refundable << target;
        else if ((state == u"processing" || state == u"new" || state == u"pending_payment") && type == u"authorization"
                 && status == u"authorized" && nothingPaid)
            targets.openAuths << target;
    }
    return targets;
}

} // namespace pb::test
