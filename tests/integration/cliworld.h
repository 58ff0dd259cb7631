#pragma once

// A sandbox process, a private home and profiles set up through the real `paybridge` command
// line and the real keychain (tests/with-session): what the intent command tests and the crash
// test share.

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <optional>

namespace pb::test {

struct CliRun
{
    int exitCode = -1; // -2: crashed, -1: did not start or timed out
    QString out;
    QString err;
    QString describe(const QStringList &args) const;
};

// One order the tests may act on, as PayTrace and Magento report it before anything is done.
struct TargetOrder
{
    QString incrementId;
    QString transactionId;
    QString amount;       // exact decimal text, USD
    qint64 amountMinor = 0;
};

struct Targets
{
    QList<TargetOrder> refundable; // one settled approved payment, nothing refunded or voided
    QList<TargetOrder> openAuths;  // one open authorization, nothing captured
};

class CliWorld
{
public:
    CliWorld();
    ~CliWorld();
    CliWorld(const CliWorld &) = delete;
    CliWorld &operator=(const CliWorld &) = delete;

    // Starts `paybridge-sandbox --orders N --seed S [extra]` in a fresh home.
    bool start(int orders, quint64 seed, QString *error, const QStringList &extra = {});
    void stop();

    QProcessEnvironment environment() const;
    QString home() const { return m_home.path(); }
    QString value(const QString &key) const { return m_values.value(key); }

    CliRun paybridge(const QStringList &args, const QByteArray &stdinData = {}, int timeoutMs = 180000) const;
    // Starts `paybridge ARGS` and leaves it running (stderr merged into stdout).
    void startPaybridge(QProcess &process, const QStringList &args) const;

    // `profile add` with the sandbox's URLs (Magento OAuth 1.0a) and every secret through stdin.
    bool addProfile(const QString &name, QString *error);
    // The acting OS account gets the finance role in the profile's store (created when missing)
    // with `paybridge operators grant`: the engine checks permissions for every operation.
    bool grantFinance(const QString &profile, QString *error) const;
    QString storePath(const QString &profile) const;
    QString journalPath(const QString &profile) const;

    // GET/POST on the sandbox's admin API, e.g. "/__admin/ledger".
    std::optional<QJsonObject> adminGet(const QString &path, QString *error) const;
    std::optional<QJsonObject> adminPost(const QString &path, const QJsonObject &body, QString *error) const;

    // The orders worth acting on, from `paybridge paytrace export` and `paybridge magento orders`.
    std::optional<Targets> findTargets(const QString &profile, QString *error) const;

    static QList<QJsonObject> jsonLines(const QString &text, bool *ok);

private:
    QTemporaryDir m_home;
    QProcess m_sandbox;
    QHash<QString, QString> m_values;
    QStringList m_profiles;
};

} // namespace pb::test
