#include "profileeditor.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

ProfileEditor::ProfileEditor(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"profileEditor"_s);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

    const auto line = [this](const char *name, const QString &accessible, const QString &placeholder) {
        auto *e = new QLineEdit;
        e->setObjectName(QString::fromLatin1(name));
        e->setAccessibleName(accessible);
        e->setPlaceholderText(placeholder);
        connect(e, &QLineEdit::textEdited, this, &ProfileEditor::edited);
        return e;
    };
    m_name = line("profileName", tr("Profile name"), tr("e.g. Prod, QA, Dev"));
    m_name->setMaxLength(64);
    m_paytraceUrl = line("paytraceUrl", tr("PayTrace URL"), u"https://api.paytrace.com"_s);
    m_magentoUrl = line("magentoUrl", tr("Magento URL"), u"https://shop.example.com"_s);
    m_integratorId = line("paytraceIntegratorId", tr("PayTrace integrator ID"), tr("optional"));

    m_magentoAuth = new QComboBox;
    m_magentoAuth->setObjectName(u"magentoAuth"_s);
    m_magentoAuth->setAccessibleName(tr("Magento authentication"));
    m_magentoAuth->addItem(tr("OAuth 1.0a integration (recommended)"), u"oauth1"_s);
    m_magentoAuth->addItem(tr("Bearer access token"), u"bearer"_s);
    m_magentoSignature = new QComboBox;
    m_magentoSignature->setObjectName(u"magentoSignature"_s);
    m_magentoSignature->setAccessibleName(tr("OAuth signature method"));
    m_magentoSignature->addItem(tr("HMAC-SHA256 (Magento 2.4.4 and later)"), u"HMAC-SHA256"_s);
    m_magentoSignature->addItem(tr("HMAC-SHA1 (Magento 2.4.3 and older)"), u"HMAC-SHA1"_s);
    connect(m_magentoAuth, &QComboBox::currentIndexChanged, this, [this] {
        const QString auth = m_magentoAuth->currentData().toString();
        m_magentoSignature->setEnabled(auth == u"oauth1");
        Q_EMIT magentoAuthChanged(auth);
        Q_EMIT edited();
    });
    connect(m_magentoSignature, &QComboBox::currentIndexChanged, this, &ProfileEditor::edited);

    m_historyDays = new QSpinBox;
    m_historyDays->setObjectName(u"historyDays"_s);
    m_historyDays->setAccessibleName(tr("History days"));
    m_historyDays->setRange(1, 3650);
    m_historyDays->setSuffix(tr(" days"));
    m_historyDays->setToolTip(tr("How far back the first sync reads orders and transactions."));
    m_syncInterval = new QSpinBox;
    m_syncInterval->setObjectName(u"syncIntervalSeconds"_s);
    m_syncInterval->setAccessibleName(tr("Sync interval"));
    m_syncInterval->setRange(30, 86400);
    m_syncInterval->setSingleStep(60);
    m_syncInterval->setSuffix(tr(" s"));
    m_syncInterval->setToolTip(tr("How often a scheduled sync runs, in seconds (30 s to 24 h)."));
    m_requestTimeout = new QSpinBox;
    m_requestTimeout->setObjectName(u"requestTimeoutSeconds"_s);
    m_requestTimeout->setAccessibleName(tr("Request timeout"));
    m_requestTimeout->setRange(profile::kMinRequestTimeoutSeconds, profile::kMaxRequestTimeoutSeconds);
    m_requestTimeout->setSuffix(tr(" s"));
    m_requestTimeout->setToolTip(tr("How long a PayTrace or Magento request may go without any data moving "
                                    "before PayBridge gives up on it, in seconds (%1 s to %2 s).")
                                     .arg(profile::kMinRequestTimeoutSeconds)
                                     .arg(profile::kMaxRequestTimeoutSeconds));
    m_inDoubtSettle = new QSpinBox;
    m_inDoubtSettle->setObjectName(u"inDoubtSettleSeconds"_s);
    m_inDoubtSettle->setAccessibleName(tr("In-doubt settle time"));
    m_inDoubtSettle->setRange(profile::kMinInDoubtSettleSeconds, profile::kMaxInDoubtSettleSeconds);
    m_inDoubtSettle->setSingleStep(30);
    m_inDoubtSettle->setSuffix(tr(" s"));
    m_inDoubtSettle->setToolTip(tr("When a refund, capture or void got no answer, how long PayBridge waits after "
                                   "sending it before a lookup may conclude it did not happen, in seconds. At "
                                   "least twice the request timeout: the gateway may still be working on it."));
    for (QSpinBox *box : {m_historyDays, m_syncInterval, m_requestTimeout, m_inDoubtSettle})
        connect(box, &QSpinBox::valueChanged, this, &ProfileEditor::edited);

    const auto add = [form](const QString &label, QWidget *field) {
        auto *l = new QLabel(label);
        l->setBuddy(field);
        form->addRow(l, field);
    };
    add(tr("&Name:"), m_name);
    add(tr("&PayTrace URL:"), m_paytraceUrl);
    add(tr("PayTrace &integrator ID:"), m_integratorId);
    add(tr("&Magento URL:"), m_magentoUrl);
    add(tr("Magento &authentication:"), m_magentoAuth);
    add(tr("OAuth si&gnature:"), m_magentoSignature);
    add(tr("&History:"), m_historyDays);
    add(tr("Sync &every:"), m_syncInterval);
    add(tr("&Request timeout:"), m_requestTimeout);
    add(tr("In-&doubt settle time:"), m_inDoubtSettle);

    m_error = new QLabel;
    m_error->setObjectName(u"profileError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(u"color: #b3261e;"_s);
    m_error->setAccessibleName(tr("Profile error"));
    m_error->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_error);

    setTabOrder(m_name, m_paytraceUrl);
    setTabOrder(m_paytraceUrl, m_integratorId);
    setTabOrder(m_integratorId, m_magentoUrl);
    setTabOrder(m_magentoUrl, m_magentoAuth);
    setTabOrder(m_magentoAuth, m_magentoSignature);
    setTabOrder(m_magentoSignature, m_historyDays);
    setTabOrder(m_historyDays, m_syncInterval);
    setTabOrder(m_syncInterval, m_requestTimeout);
    setTabOrder(m_requestTimeout, m_inDoubtSettle);

    setProfile(profile::Profile{}, true);
}

void ProfileEditor::setProfile(const profile::Profile &p, bool isNew)
{
    const QSignalBlocker b1(m_magentoAuth), b2(m_magentoSignature), b3(m_historyDays), b4(m_syncInterval),
        b5(m_requestTimeout), b6(m_inDoubtSettle);
    m_loaded = p;
    m_isNew = isNew;
    m_name->setText(p.name);
    m_name->setReadOnly(!isNew);
    m_name->setToolTip(isNew ? QString()
                             : tr("A profile keeps its name: it is also the key of its secrets in the keychain "
                                  "and the folder of its store."));
    m_paytraceUrl->setText(p.paytraceUrl);
    m_magentoUrl->setText(p.magentoUrl);
    m_integratorId->setText(p.paytraceIntegratorId);
    m_magentoAuth->setCurrentIndex(std::max(0, m_magentoAuth->findData(p.magentoAuth)));
    m_magentoSignature->setCurrentIndex(std::max(0, m_magentoSignature->findData(p.magentoSignature)));
    m_magentoSignature->setEnabled(p.magentoAuth != u"bearer");
    m_historyDays->setValue(p.historyDays);
    m_syncInterval->setValue(p.syncIntervalSeconds);
    m_requestTimeout->setValue(p.requestTimeoutSeconds);
    m_inDoubtSettle->setValue(p.inDoubtSettleSeconds);
    clearError();
    Q_EMIT magentoAuthChanged(p.magentoAuth);
}

profile::Profile ProfileEditor::profile() const
{
    profile::Profile p = m_loaded; // keeps createdAt, createdBy and certificate pins
    p.name = m_name->text().trimmed();
    p.paytraceUrl = m_paytraceUrl->text().trimmed();
    p.magentoUrl = m_magentoUrl->text().trimmed();
    p.paytraceIntegratorId = m_integratorId->text().trimmed();
    p.magentoAuth = m_magentoAuth->currentData().toString();
    p.magentoSignature = m_magentoSignature->currentData().toString();
    p.historyDays = m_historyDays->value();
    p.syncIntervalSeconds = m_syncInterval->value();
    p.requestTimeoutSeconds = m_requestTimeout->value();
    p.inDoubtSettleSeconds = m_inDoubtSettle->value();
    return p;
}

Status ProfileEditor::validate()
{
    Status s = profile::validate(profile());
    if (s)
        clearError();
    else
        showError(s.error());
    return s;
}

QString ProfileEditor::fieldLabel(const QString &field)
{
    if (field == u"name") return tr("Name");
    if (field == u"paytraceUrl") return tr("PayTrace URL");
    if (field == u"magentoUrl") return tr("Magento URL");
    if (field == u"magentoAuth") return tr("Magento authentication");
    if (field == u"magentoSignature") return tr("OAuth signature");
    if (field == u"paytraceIntegratorId") return tr("PayTrace integrator ID");
    if (field == u"historyDays") return tr("History");
    if (field == u"syncIntervalSeconds") return tr("Sync interval");
    if (field == u"requestTimeoutSeconds") return tr("Request timeout");
    if (field == u"inDoubtSettleSeconds") return tr("In-doubt settle time");
    return field;
}

QWidget *ProfileEditor::fieldWidget(const QString &field) const
{
    if (field == u"name") return m_name;
    if (field == u"paytraceUrl") return m_paytraceUrl;
    if (field == u"magentoUrl") return m_magentoUrl;
    if (field == u"magentoAuth") return m_magentoAuth;
    if (field == u"magentoSignature") return m_magentoSignature;
    if (field == u"paytraceIntegratorId") return m_integratorId;
    if (field == u"historyDays") return m_historyDays;
    if (field == u"syncIntervalSeconds") return m_syncInterval;
    if (field == u"requestTimeoutSeconds") return m_requestTimeout;
    if (field == u"inDoubtSettleSeconds") return m_inDoubtSettle;
    return nullptr;
}

void ProfileEditor::showError(const Error &error)
{
    clearError();
    // The core's message is English diagnostic text; the field's name is ours and translated.
    const QString text = error.field.isEmpty() ? error.message
                                               : tr("%1: %2").arg(fieldLabel(error.field), error.message);
    m_error->setText(text);
    m_error->show();
    if (QWidget *w = fieldWidget(error.field)) {
        m_marked = w;
        w->setStyleSheet(u"border: 1px solid #b3261e;"_s);
        w->setFocus();
    }
}

void ProfileEditor::clearError()
{
    m_error->clear();
    m_error->hide();
    if (m_marked)
        m_marked->setStyleSheet({});
    m_marked = nullptr;
}

QString ProfileEditor::errorText() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

} // namespace pb::ui
