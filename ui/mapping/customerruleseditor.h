#pragma once

#include "model/customer.h"

#include <QJsonValue>
#include <QMap>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace pb::ui::studio {

class MappingDraft;

// The "customers" section of the mapping (docs/mapping-format.md): whether customers are
// linked at all, the Magento attribute holding the vault id, matching by e-mail, which side
// wins each kept-in-step field, what a Magento deletion does to the vault profile, the id of
// new vault profiles and the expiry comment. Every change is an undoable edit of the draft.
class CustomerRulesEditor : public QWidget
{
    Q_OBJECT

public:
    explicit CustomerRulesEditor(MappingDraft *draft, QWidget *parent = nullptr);

    void setReadOnly(bool readOnly);

    QCheckBox *enabledBox() const { return m_enabled; }
    QLineEdit *attributeEdit() const { return m_attribute; }
    QCheckBox *matchByEmailBox() const { return m_matchByEmail; }
    QComboBox *directionBox(pb::CustomerField field) const { return m_directions.value(field); }
    QComboBox *deletionBox() const { return m_onDelete; }
    QLineEdit *vaultIdEdit() const { return m_vaultId; }
    QCheckBox *expiryCommentBox() const { return m_expiryComment; }
    QString vaultIdExample() const;

private:
    void refresh();
    void updateEnabled();
    void setRule(const QString &key, const QJsonValue &value, const QString &text, const QString &mergeKey = {});

    MappingDraft *m_draft;
    bool m_readOnly = false;
    bool m_updating = false;
    QCheckBox *m_enabled = nullptr;
    QLineEdit *m_attribute = nullptr;
    QCheckBox *m_matchByEmail = nullptr;
    QMap<pb::CustomerField, QComboBox *> m_directions;
    QComboBox *m_onDelete = nullptr;
    QLineEdit *m_vaultId = nullptr;
    QLabel *m_vaultIdExample = nullptr;
    QCheckBox *m_expiryComment = nullptr;
    QLabel *m_problem = nullptr;
    QWidget *m_body = nullptr;
};

} // namespace pb::ui::studio
