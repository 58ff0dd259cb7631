#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;
class QTableWidgetItem;

namespace pb::ui::studio {

class MappingDraft;

// The ERP account map: one row per account role, the default account and an override column
// per currency. Names are checked as they are typed (validateAccountName); accounts the
// configured sink does not know are marked, as are roles without an account.
class AccountsEditor : public QWidget
{
    Q_OBJECT

public:
    explicit AccountsEditor(MappingDraft *draft, QWidget *parent = nullptr);

    void setReadOnly(bool readOnly);
    // The accounts the sink knows ("Assets:Bank", or Odoo "1010 Bank"); `source` says where
    // they come from. An empty list with a non-empty `error` says why none could be read.
    void setKnownAccounts(const QStringList &accounts, const QString &sink, const QString &error = {}, int unnamed = 0);
    void setKnownLoading();

    bool addCurrency(const QString &code);
    bool removeCurrency(const QString &code);
    // Sets the account of `role` ("sales") for `currency` (empty: the default); "" removes an override.
    bool setAccount(const QString &role, const QString &currency, const QString &account);
    QTableWidget *table() const { return m_table; }
    QListWidget *knownList() const { return m_knownList; }
    int warningCount() const { return m_warnings; }

private:
    void rebuild();
    void onItemChanged(QTableWidgetItem *item);
    QStringList currencies() const;

    MappingDraft *m_draft;
    QStringList m_known;
    bool m_knownLoaded = false;
    QString m_sink;
    bool m_readOnly = false;
    bool m_updating = false;
    int m_warnings = 0;
    QTableWidget *m_table = nullptr;
    QLabel *m_knownLabel = nullptr;
    QLabel *m_summary = nullptr;
    QListWidget *m_knownList = nullptr;
    QPushButton *m_addCurrency = nullptr;
    QPushButton *m_removeCurrency = nullptr;
};

} // namespace pb::ui::studio
