#pragma once

#include "tablepage.h"

namespace pb::ui {

class RefundsModel;

// Every refund and void, whichever system it started in, with its state in PayTrace, Magento
// and the ERP side by side; the detail pane shows the record behind the row.
class RefundsPage : public TablePage
{
    Q_OBJECT

public:
    explicit RefundsPage(QWidget *parent = nullptr);

    RefundsModel *refundsModel() const;

protected:
    QString detailHtml(const QVariant &key) const override;
    int identifierColumn() const override;
    QString columnSample(int column) const override;
    QList<int> defaultHiddenColumns() const override;
    QString emptyStoreText() const override;
    QString noMatchText(const QString &filter) const override;
    QString noSelectionText() const override;
    QString countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const override;
};

} // namespace pb::ui
