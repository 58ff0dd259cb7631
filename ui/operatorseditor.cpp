#include "operatorseditor.h"

#include "access/limitstore.h"
#include "access/operatordirectory.h"
#include "displayformat.h"
#include "money/money.h"
#include "storetask.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

constexpr access::Role kRoleColumns[] = {access::Role::Finance, access::Role::Support, access::Role::Admin};

struct Snapshot
{
    QList<access::Operator> operators;
    access::Limits limits;
};

} // namespace

OperatorsEditor::OperatorsEditor(const QString &databasePath, const QString &actor, QWidget *parent)
    : QWidget(parent)
    , m_databasePath(databasePath)
    , m_actor(actor)
{
    setObjectName(u"operatorsEditor"_s);

    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(u"operatorsTable"_s);
    m_table->setAccessibleName(tr("Operators and their roles"));
    m_table->setHorizontalHeaderLabels(
        {tr("Account"), tr("Name"), tr("Finance"), tr("Support"), tr("Admin"), tr("Disabled")});
    m_table->horizontalHeader()->setSectionResizeMode(DisplayName, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setTabKeyNavigation(false); // Tab leaves the table; arrows and Space work inside
    connect(m_table, &QTableWidget::cellChanged, this, &OperatorsEditor::onItemChanged);

    auto *rolesHelp = new QLabel(tr("Finance: capture, void and refund any amount, resolve the queue, post "
                                    "journals. Support: look up, capture, void, refund up to the limit. "
                                    "Admin: connections, credentials, mappings, roles and limits."));
    rolesHelp->setWordWrap(true);
    rolesHelp->setEnabled(false);

    m_account = new QLineEdit;
    m_account->setObjectName(u"newOperatorAccount"_s);
    m_account->setAccessibleName(tr("New operator's account"));
    m_account->setPlaceholderText(tr("OS account name"));
    m_displayName = new QLineEdit;
    m_displayName->setObjectName(u"newOperatorName"_s);
    m_displayName->setAccessibleName(tr("New operator's name"));
    m_displayName->setPlaceholderText(tr("name people know them by"));
    m_add = new QPushButton(tr("A&dd operator"));
    m_add->setObjectName(u"addOperator"_s);
    connect(m_add, &QPushButton::clicked, this, &OperatorsEditor::addOperator);
    connect(m_account, &QLineEdit::returnPressed, this, &OperatorsEditor::addOperator);
    auto *addRow = new QHBoxLayout;
    auto *accountLabel = new QLabel(tr("Acco&unt:"));
    accountLabel->setBuddy(m_account);
    auto *nameLabel = new QLabel(tr("N&ame:"));
    nameLabel->setBuddy(m_displayName);
    addRow->addWidget(accountLabel);
    addRow->addWidget(m_account, 1);
    addRow->addWidget(nameLabel);
    addRow->addWidget(m_displayName, 2);
    addRow->addWidget(m_add);

    auto *operatorsBox = new QGroupBox(tr("Operators and roles"));
    auto *ol = new QVBoxLayout(operatorsBox);
    ol->addWidget(m_table, 1);
    ol->addWidget(rolesHelp);
    ol->addLayout(addRow);

    m_limitCurrent = new QLabel;
    m_limitCurrent->setObjectName(u"currentLimit"_s);
    m_limitAmount = new QLineEdit;
    m_limitAmount->setObjectName(u"limitAmount"_s);
    m_limitAmount->setAccessibleName(tr("Support refund limit amount"));
    m_limitAmount->setPlaceholderText(tr("e.g. 100.00"));
    m_limitCurrency = new QComboBox;
    m_limitCurrency->setObjectName(u"limitCurrency"_s);
    m_limitCurrency->setAccessibleName(tr("Support refund limit currency"));
    m_limitCurrency->setEditable(true);
    m_limitCurrency->addItems({u"USD"_s, u"CAD"_s, u"EUR"_s, u"GBP"_s, u"AUD"_s, u"JPY"_s});
    m_setLimit = new QPushButton(tr("Set &limit"));
    m_setLimit->setObjectName(u"setLimit"_s);
    m_removeLimit = new QPushButton(tr("&Remove limit"));
    m_removeLimit->setObjectName(u"removeLimit"_s);
    m_removeLimit->setToolTip(tr("Without a limit every support refund waits for a finance approval."));
    connect(m_setLimit, &QPushButton::clicked, this, [this] { setLimit(false); });
    connect(m_limitAmount, &QLineEdit::returnPressed, this, [this] { setLimit(false); });
    connect(m_removeLimit, &QPushButton::clicked, this, [this] { setLimit(true); });
    auto *limitBox = new QGroupBox(tr("Support refund limit"));
    auto *ll = new QVBoxLayout(limitBox);
    auto *limitHelp = new QLabel(tr("Support operators may refund up to this amount on their own; above it the "
                                    "refund waits for approval by a finance operator who did not ask for it."));
    limitHelp->setWordWrap(true);
    limitHelp->setEnabled(false);
    ll->addWidget(m_limitCurrent);
    ll->addWidget(limitHelp);
    auto *limitRow = new QHBoxLayout;
    auto *amountLabel = new QLabel(tr("Amo&unt:"));
    amountLabel->setBuddy(m_limitAmount);
    limitRow->addWidget(amountLabel);
    limitRow->addWidget(m_limitAmount, 1);
    limitRow->addWidget(m_limitCurrency);
    limitRow->addWidget(m_setLimit);
    limitRow->addWidget(m_removeLimit);
    ll->addLayout(limitRow);

    m_message = new QLabel;
    m_message->setObjectName(u"operatorsMessage"_s);
    m_message->setWordWrap(true);
    m_message->setAccessibleName(tr("Result of the last change"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(operatorsBox, 1);
    layout->addWidget(limitBox);
    layout->addWidget(m_message);

    setTabOrder(m_table, m_account);
    setTabOrder(m_account, m_displayName);
    setTabOrder(m_displayName, m_add);
    setTabOrder(m_add, m_limitAmount);
    setTabOrder(m_limitAmount, m_limitCurrency);
    setTabOrder(m_limitCurrency, m_setLimit);
    setTabOrder(m_setLimit, m_removeLimit);

    reload();
}

QString OperatorsEditor::messageText() const
{
    return m_message->text();
}

void OperatorsEditor::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #b3261e;"_s : QString());
}

void OperatorsEditor::reload()
{
    ++m_busy;
    auto snapshot = std::make_shared<Snapshot>();
    runStoreTask(this, m_databasePath, false, [snapshot](QSqlDatabase &db) -> Status {
        PB_TRY(ops, access::OperatorDirectory(db).list());
        PB_TRY(limits, access::LimitStore(db).load());
        snapshot->operators = std::move(ops);
        snapshot->limits = std::move(limits);
        return {};
    }, [this, snapshot](const Status &s) {
        --m_busy;
        if (!s)
            showMessage(tr("The operators could not be read: %1").arg(s.error().toString()), true);
        else {
            m_operators = snapshot->operators;
            m_limits = snapshot->limits;
            fill();
        }
        Q_EMIT settled();
    });
}

void OperatorsEditor::fill()
{
    m_filling = true;
    m_table->setRowCount(int(m_operators.size()));
    for (int r = 0; r < m_operators.size(); ++r) {
        const access::Operator &op = m_operators[r];
        auto *account = new QTableWidgetItem(op.account);
        account->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        auto *name = new QTableWidgetItem(op.displayName);
        name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        m_table->setItem(r, Account, account);
        m_table->setItem(r, DisplayName, name);
        const auto check = [&](int column, bool on, const QString &what) {
            auto *item = new QTableWidgetItem;
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
            item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
            item->setData(Qt::AccessibleTextRole, tr("%1 of %2: %3").arg(what, op.account, on ? tr("yes") : tr("no")));
            m_table->setItem(r, column, item);
        };
        check(Finance, op.has(access::Role::Finance), tr("Finance role"));
        check(Support, op.has(access::Role::Support), tr("Support role"));
        check(Admin, op.has(access::Role::Admin), tr("Admin role"));
        check(Disabled, op.disabled, tr("Disabled"));
    }
    m_table->resizeColumnToContents(Account);
    m_filling = false;
    m_limitCurrent->setText(m_limits.supportRefundLimit
                                ? tr("Current limit: %1 %2")
                                      .arg(m_limits.supportRefundLimit->currency().code(),
                                           Format::money(m_limits.supportRefundLimit->minor(),
                                                         m_limits.supportRefundLimit->currency().code()))
                                : tr("No limit set: every support refund needs a finance approval."));
}

void OperatorsEditor::change(std::function<Status(QSqlDatabase &)> task, const QString &doneText)
{
    ++m_busy;
    setEnabled(false);
    runStoreTask(this, m_databasePath, true, std::move(task), [this, doneText](const Status &s) {
        --m_busy;
        setEnabled(true);
        if (s)
            showMessage(doneText, false);
        else
            showMessage(tr("Not changed: %1").arg(s.error().message), true);
        reload(); // the table shows the store, whatever happened
    });
}

void OperatorsEditor::onItemChanged(int row, int column)
{
    if (m_filling || row < 0 || row >= m_operators.size() || column < Finance)
        return;
    const QString account = m_operators[row].account;
    const bool on = m_table->item(row, column)->checkState() == Qt::Checked;
    const QString actor = m_actor;
    if (column == Disabled) {
        change([=](QSqlDatabase &db) { return access::OperatorDirectory(db).setDisabled(actor, account, on); },
               on ? tr("%1 is disabled.").arg(account) : tr("%1 is enabled.").arg(account));
        return;
    }
    const access::Role role = kRoleColumns[column - Finance];
    change([=](QSqlDatabase &db) {
        access::OperatorDirectory dir(db);
        return on ? dir.assignRole(actor, account, role) : dir.revokeRole(actor, account, role);
    }, on ? tr("%1 now has the %2 role.").arg(account, access::roleName(role))
          : tr("%1 no longer has the %2 role.").arg(account, access::roleName(role)));
}

void OperatorsEditor::addOperator()
{
    const QString account = m_account->text().trimmed();
    const QString name = m_displayName->text().trimmed();
    if (Status s = access::validateAccount(account, tr("Account")); !s) {
        showMessage(s.error().toString(), true);
        m_account->setFocus();
        return;
    }
    const QString actor = m_actor;
    change([=](QSqlDatabase &db) { return access::OperatorDirectory(db).addOperator(actor, account, name); },
           tr("%1 was added without a role; tick the roles they need.").arg(account));
    m_account->clear();
    m_displayName->clear();
}

void OperatorsEditor::setLimit(bool remove)
{
    std::optional<Money> limit;
    if (!remove) {
        const QString code = m_limitCurrency->currentText().trimmed().toUpper();
        const auto currency = Currency::fromCode(code);
        if (!currency) {
            showMessage(tr("Support refund limit currency: %1 is not an ISO 4217 currency code.").arg(code), true);
            m_limitCurrency->setFocus();
            return;
        }
        const auto amount = Money::parse(m_limitAmount->text().trimmed(), *currency);
        if (!amount) {
            showMessage(tr("Support refund limit amount: %1").arg(amount.error().message), true);
            m_limitAmount->setFocus();
            return;
        }
        if (amount->isNegative()) {
            showMessage(tr("Support refund limit amount: must be zero or more."), true);
            m_limitAmount->setFocus();
            return;
        }
        limit = amount.value();
    }
    const QString actor = m_actor;
    const QString done = limit ? tr("Support refund limit set to %1.").arg(limit->toString())
                               : tr("Support refund limit removed.");
    change([=](QSqlDatabase &db) { return access::LimitStore(db).setSupportRefundLimit(actor, limit); }, done);
}

} // namespace pb::ui
