#pragma once

#include "customersmodel.h"
#include "model/customer.h"
#include "util/result.h"

#include <QDate>
#include <QSqlDatabase>
#include <QPointer>
#include <QString>
#include <QWidget>

#include <functional>
#include <optional>

class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTextBrowser;
class QTimer;
class QVBoxLayout;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

class CardEntryDialog;
struct CardEntryRequest;
struct CardEntrySetup;
class OperationDialog;

// One order or gateway transaction of a customer, for the detail pane and the charge picker.
struct CustomerOrderLine
{
    qint64 entityId = 0;
    QString incrementId;
    QString status;
    QString state;
    QString payStatus;
    QString currency;
    qint64 grandTotal = 0;
    qint64 totalPaid = 0;
    qint64 createdAt = 0;
};

struct CustomerTransactionLine
{
    QString transactionId;
    QString type;
    QString status;
    QString currency;
    qint64 amount = 0;
    QString invoiceId;
    qint64 createdAt = 0;
};

// Everything the detail pane shows about one customer, read in one store task.
struct CustomerDetail
{
    std::optional<pb::MagentoCustomerRecord> customer;
    std::optional<pb::VaultProfileRecord> vault;
    std::optional<pb::CustomerLink> link;
    QList<pb::CustomerConflict> conflicts;
    std::optional<pb::VaultDeletion> deletion; // awaiting a decision
    QList<CustomerOrderLine> orders;
    QList<CustomerTransactionLine> transactions;
    QString newVaultId;      // the id a new profile would get (mapping template)
    QByteArray publicKeyPem; // the merchant's PayTrace e2ee key, empty when none is configured
    bool isAdmin = false;
    bool canAct = false;     // support, finance or admin
};

// The Customers page: every Magento customer and PayTrace vault profile with its link, card and
// open conflicts; a detail pane with both sides field by field, the customer's orders and
// transactions, conflicts and deletions to decide, and the card and charge actions. The store
// is read on worker threads (runStoreTask); writes go through the customer actions and the
// sync service, never on the GUI thread.
class CustomersPage : public QWidget
{
    Q_OBJECT

public:
    explicit CustomersPage(QWidget *parent = nullptr);
    ~CustomersPage() override;

    void setContext(pb::sync::SyncService *sync, const QString &actor, const QString &profileName);
    void setDatabasePath(const QString &path);
    // Re-reads the overview (keeping search, filter and selection) and the selected customer.
    void refresh();
    void setToday(QDate today);
    void setFilter(CustomersModel::Filter filter);
    void focusSearch();
    bool isLoading() const { return m_loading || m_detailLoading; }

    CustomersModel *model() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *filterBox() const { return m_filter; }
    QLabel *countLabel() const { return m_count; }
    // Selects the customer's row (Magento id, or the vault id of a profile without one).
    bool selectCustomer(std::optional<qint64> magentoId, const QString &vaultId = {});
    const std::optional<CustomerDetail> &detail() const { return m_detail; }
    // The detail pane as plain text (what a screen reader reads), for tests.
    QString detailText() const;
    QString messageText() const;
    QPushButton *linkButton() const { return m_linkButton; }
    QPushButton *unlinkButton() const { return m_unlinkButton; }
    QPushButton *cardButton() const { return m_cardButton; }
    QPushButton *chargeButton() const { return m_chargeButton; }
    // The conflict and deletion buttons of the current detail, by object name
    // ("keepMagento.<id>", "keepPayTrace.<id>", "dismiss.<id>", "confirmDeletion.<id>", "keepProfile.<id>").
    QPushButton *detailButton(const QString &objectName) const;

    // The actions (what the buttons do); each answers in actionFinished().
    bool resolveConflict(qint64 conflictId, const QString &resolution); // magento, paytrace, dismissed
    bool decideDeletion(qint64 deletionId, bool confirm);
    bool link(qint64 magentoId, const QString &vaultCustomerId);
    bool unlink();
    CardEntryDialog *openCardEntry();
    OperationDialog *openCharge(const QString &orderIncrementId);
    // The customer's orders a saved card can pay: unpaid (or declined) and still open.
    QList<CustomerOrderLine> chargeableOrders() const;

    // What the last sync said about customers (e.g. how to create the missing link attribute);
    // empty hides the note.
    void setSyncNote(const QString &note);
    QString syncNote() const;

    // Where the PayTrace public key of `profileName` is looked for (docs/customers.md).
    static QString publicKeyPath(const QString &databasePath);

Q_SIGNALS:
    void loaded();
    void detailLoaded();
    void actionFinished(bool ok, const QString &message);
    void orderLinkActivated(const QString &incrementId);
    void transactionLinkActivated(const QString &transactionId);

private:
    void buildUi();
    void load();
    void loadDetail();
    void showDetail();
    void clearDetailWidgets();
    void updateCounts();
    void updateActions();
    void showMessage(const QString &text, bool error = false);
    // Runs a customer action (CustomerActions with the active mapping's rules) on a writer
    // connection off the GUI thread; then the sync sends what it planned and the page re-reads.
    bool runAction(const QString &doing, std::function<Status(QSqlDatabase &db, const QString &actor)> action,
                   const QString &doneText);
    void setBusy(bool busy, const QString &text = {});
    void pickAndLink();
    void pickAndCharge();
    // Sends a typed card through the sync service (the engine's card writer).
    void sendCard(const CardEntrySetup &setup, const CardEntryRequest &request,
                  std::function<void(bool ok, const QString &message)> done);
    const pb::CustomerOverview *selected() const;

    QPointer<pb::sync::SyncService> m_sync;
    QString m_actor;
    QString m_profileName;
    QString m_databasePath;
    QDate m_today = QDate::currentDate();
    bool m_loading = false;
    bool m_reloadAgain = false;
    bool m_detailLoading = false;
    int m_detailGeneration = 0;
    bool m_actionBusy = false;
    std::optional<qint64> m_selectedMagento;
    QString m_selectedVault;
    std::optional<CustomerDetail> m_detail;

    CustomersModel *m_model = nullptr;
    QLineEdit *m_search = nullptr;
    QTimer *m_searchTimer = nullptr;
    QComboBox *m_filter = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_syncNote = nullptr;
    QProgressBar *m_progress = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_empty = nullptr;
    QSplitter *m_splitter = nullptr;
    QWidget *m_detailPane = nullptr;
    QLabel *m_detailTitle = nullptr;
    QLabel *m_magentoSide = nullptr;
    QLabel *m_vaultSide = nullptr;
    QLabel *m_linkState = nullptr;
    QGroupBox *m_conflictBox = nullptr;
    QVBoxLayout *m_conflictLayout = nullptr;
    QGroupBox *m_deletionBox = nullptr;
    QVBoxLayout *m_deletionLayout = nullptr;
    QTextBrowser *m_history = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_linkButton = nullptr;
    QPushButton *m_unlinkButton = nullptr;
    QPushButton *m_cardButton = nullptr;
    QPushButton *m_chargeButton = nullptr;
};

} // namespace pb::ui
