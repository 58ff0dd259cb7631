#include "customerruleseditor.h"

#include "mappingdraft.h"
#include "mapping/mappingprofile.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QJsonObject>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

const QString kSection = u"customers"_s;


QString fieldLabel(CustomerField field)
{
    switch (field) {
    case CustomerField::Name: return CustomerRulesEditor::tr("&Name:");
    case CustomerField::Email: return CustomerRulesEditor::tr("E-m&ail:");
    case CustomerField::Billing: return CustomerRulesEditor::tr("&Billing address:");
    case CustomerField::Phone: return CustomerRulesEditor::tr("&Phone:");
    }
    return {};
}

QString fieldWord(CustomerField field)
{
    switch (field) {
    case CustomerField::Name: return CustomerRulesEditor::tr("name");
    case CustomerField::Email: return CustomerRulesEditor::tr("e-mail");
    case CustomerField::Billing: return CustomerRulesEditor::tr("billing address");
    case CustomerField::Phone: return CustomerRulesEditor::tr("phone");
    }
    return {};
}

} // namespace

// The whole section is one value of the draft: undoing every edit leaves no empty "customers"
// object behind, so the draft is unmodified again.
void CustomerRulesEditor::setRule(const QString &key, const QJsonValue &value, const QString &text,
                                  const QString &mergeKey)
{
    QJsonObject section = m_draft->value(kSection).toObject();
    MappingDraft::setAt(section, key, value);
    m_draft->set(kSection, section, text, mergeKey);
}

CustomerRulesEditor::CustomerRulesEditor(MappingDraft *draft, QWidget *parent)
    : QWidget(parent)
    , m_draft(draft)
{
    setObjectName(u"customerRulesEditor"_s);
    const pb::mapping::CustomerRules defaults;
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("How Magento customers and PayTrace vault profiles are linked and kept in step. "
                                "Changes take effect at the next sync after Save."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_enabled = new QCheckBox(tr("Link customers and vault profiles and keep them in step"));
    m_enabled->setObjectName(u"customersEnabled"_s);
    layout->addWidget(m_enabled);

    m_body = new QWidget;
    auto *body = new QVBoxLayout(m_body);
    body->setContentsMargins(0, 0, 0, 0);

    auto *linkBox = new QGroupBox(tr("Linking"));
    auto *linkForm = new QFormLayout(linkBox);
    // Short values: full-width fields would read as free text.
    linkForm->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    m_attribute = new QLineEdit;
    m_attribute->setObjectName(u"attributeCode"_s);
    m_attribute->setPlaceholderText(defaults.attributeCode);
    m_attribute->setMinimumWidth(m_attribute->fontMetrics().horizontalAdvance(u"paytrace_customer_id_____"_s));
    m_attribute->setToolTip(tr("The Magento customer attribute that holds the PayTrace customer id. An admin creates "
                               "it once in Magento (Stores › Attributes › Customer); the sync says so when it is missing."));
    linkForm->addRow(tr("Magento a&ttribute:"), m_attribute);
    m_matchByEmail = new QCheckBox(tr("Link a customer and a vault profile with the same e-mail address when "
                                      "nothing else links them"));
    m_matchByEmail->setObjectName(u"matchByEmail"_s);
    linkForm->addRow(QString(), m_matchByEmail);
    auto *idRow = new QHBoxLayout;
    m_vaultId = new QLineEdit;
    m_vaultId->setObjectName(u"newVaultId"_s);
    m_vaultId->setPlaceholderText(defaults.newVaultIdTemplate);
    m_vaultId->setMinimumWidth(m_vaultId->fontMetrics().horizontalAdvance(u"paytrace_customer_id_____"_s));
    m_vaultId->setToolTip(tr("The PayTrace customer id PayBridge gives a vault profile it creates; {id} is the "
                             "Magento customer id. Existing profiles keep their ids."));
    m_vaultIdExample = new QLabel;
    m_vaultIdExample->setObjectName(u"newVaultIdExample"_s);
    idRow->addWidget(m_vaultId);
    idRow->addWidget(m_vaultIdExample);
    idRow->addStretch(1);
    auto *idLabel = new QLabel(tr("New &vault id:"));
    idLabel->setBuddy(m_vaultId);
    linkForm->addRow(idLabel, idRow);
    body->addWidget(linkBox);

    auto *fieldsBox = new QGroupBox(tr("When a field changes"));
    auto *fieldsForm = new QFormLayout(fieldsBox);
    fieldsForm->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    auto *fieldsIntro = new QLabel(tr("Which side's value is written to the other. With Ask, a change waits on the "
                                      "Customers page for a person to decide."));
    fieldsIntro->setWordWrap(true);
    fieldsForm->addRow(fieldsIntro);
    for (CustomerField field : kCustomerFields) {
        auto *box = new QComboBox;
        box->setObjectName(u"direction.%1"_s.arg(customerFieldName(field)));
        box->addItem(tr("Magento wins"), u"magento"_s);
        box->addItem(tr("PayTrace wins"), u"paytrace"_s);
        box->addItem(tr("Ask a person"), u"ask"_s);
        box->setAccessibleName(tr("Direction of the %1").arg(fieldWord(field)));
        m_directions.insert(field, box);
        fieldsForm->addRow(fieldLabel(field), box);
        connect(box, &QComboBox::activated, this, [this, field, box] {
            if (m_updating || m_readOnly)
                return;
            setRule(u"fields."_s + customerFieldName(field), box->currentData().toString(),
                         tr("Customer %1: %2").arg(fieldWord(field), box->currentText()));
        });
    }
    body->addWidget(fieldsBox);

    auto *otherBox = new QGroupBox(tr("Deletions and expiry"));
    auto *otherForm = new QFormLayout(otherBox);
    otherForm->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    m_onDelete = new QComboBox;
    m_onDelete->setObjectName(u"onMagentoDelete"_s);
    m_onDelete->addItem(tr("Ask an admin before deleting the vault profile"), u"ask"_s);
    m_onDelete->addItem(tr("Delete the vault profile automatically"), u"automatic"_s);
    otherForm->addRow(tr("When a Magento customer is &deleted or anonymised:"), m_onDelete);
    m_expiryComment = new QCheckBox(tr("Add a comment to the Magento customer when the card on file expires "
                                       "this month or next"));
    m_expiryComment->setObjectName(u"expiryComment"_s);
    otherForm->addRow(QString(), m_expiryComment);
    body->addWidget(otherBox);
    body->addStretch(1);
    layout->addWidget(m_body, 1);

    m_problem = new QLabel;
    m_problem->setObjectName(u"customerRulesProblem"_s);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(u"color: #c62828;"_s);
    layout->addWidget(m_problem);

    connect(m_enabled, &QCheckBox::clicked, this, [this](bool on) {
        if (!m_updating && !m_readOnly)
            setRule(u"enabled"_s, on, on ? tr("Customers: linked") : tr("Customers: not linked"));
    });
    connect(m_matchByEmail, &QCheckBox::clicked, this, [this](bool on) {
        if (!m_updating && !m_readOnly)
            setRule(u"matchByEmail"_s, on, on ? tr("Customers: match by e-mail") : tr("Customers: no e-mail match"));
    });
    connect(m_expiryComment, &QCheckBox::clicked, this, [this](bool on) {
        if (!m_updating && !m_readOnly)
            setRule(u"expiryComment"_s, on, on ? tr("Customers: expiry comment") : tr("Customers: no expiry comment"));
    });
    connect(m_onDelete, &QComboBox::activated, this, [this] {
        if (!m_updating && !m_readOnly)
            setRule(u"onMagentoDelete"_s, m_onDelete->currentData().toString(),
                         tr("Customers: on Magento delete, %1").arg(m_onDelete->currentText().toLower()));
    });
    // Typing is one undo step per field (merge key), not one per character.
    connect(m_attribute, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (!m_updating && !m_readOnly)
            setRule(u"attributeCode"_s, text, tr("Customers: attribute %1").arg(text), u"customers.attributeCode"_s);
    });
    connect(m_vaultId, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (!m_updating && !m_readOnly)
            setRule(u"newVaultId"_s, text, tr("Customers: new vault id %1").arg(text), u"customers.newVaultId"_s);
    });
    connect(m_draft, &MappingDraft::changed, this, [this](const QStringList &paths) {
        if (paths.isEmpty() || std::any_of(paths.begin(), paths.end(), [](const QString &p) { return p.startsWith(kSection); }))
            refresh();
    });
    refresh();
}

void CustomerRulesEditor::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    updateEnabled();
}

void CustomerRulesEditor::updateEnabled()
{
    m_enabled->setEnabled(!m_readOnly);
    m_body->setEnabled(!m_readOnly && m_enabled->isChecked());
}

QString CustomerRulesEditor::vaultIdExample() const
{
    return m_vaultIdExample->text();
}

void CustomerRulesEditor::refresh()
{
    m_updating = true;
    const pb::mapping::CustomerRules defaults;
    const QJsonObject section = m_draft->value(kSection).toObject();
    auto boolAt = [&](const QString &key, bool fallback) {
        const QJsonValue v = section.value(key);
        return v.isBool() ? v.toBool() : fallback;
    };
    auto textAt = [&](const QString &key, const QString &fallback) {
        const QJsonValue v = section.value(key);
        return v.isString() ? v.toString() : fallback;
    };
    m_enabled->setChecked(boolAt(u"enabled"_s, defaults.enabled));
    m_matchByEmail->setChecked(boolAt(u"matchByEmail"_s, defaults.matchByEmail));
    m_expiryComment->setChecked(boolAt(u"expiryComment"_s, defaults.expiryComment));
    const QString attribute = textAt(u"attributeCode"_s, defaults.attributeCode);
    if (m_attribute->text() != attribute)
        m_attribute->setText(attribute);
    const QString tpl = textAt(u"newVaultId"_s, defaults.newVaultIdTemplate);
    if (m_vaultId->text() != tpl)
        m_vaultId->setText(tpl);
    m_vaultIdExample->setText(tr("customer 42 → %1").arg(QString(tpl).replace(u"{id}"_s, u"42"_s)));
    const QString onDelete = textAt(u"onMagentoDelete"_s, defaults.deleteVaultAutomatically ? u"automatic"_s : u"ask"_s);
    m_onDelete->setCurrentIndex(std::max(0, m_onDelete->findData(onDelete)));
    const QJsonObject fields = section.value(u"fields"_s).toObject();
    for (CustomerField field : kCustomerFields) {
        const QString name = customerFieldName(field);
        const QString value = fields.value(name).isString()
            ? fields.value(name).toString()
            : pb::mapping::fieldDirectionName(defaults.direction(field));
        QComboBox *box = m_directions.value(field);
        box->setCurrentIndex(std::max(0, box->findData(value)));
    }
    // The draft's first error when it is in this section, beside the fields it names.
    const auto &validated = m_draft->validated();
    const QString problem = !validated && validated.error().field.startsWith(kSection) ? validated.error().toString()
                                                                                       : QString();
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_updating = false;
    updateEnabled();
}

} // namespace pb::ui::studio
