#pragma once

#include "profile/profile.h"
#include "util/result.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace pb::ui {

// The form for one connection profile's settings (never its secrets). profile() reads the
// fields; validate() checks them with the core's rules and, when one is wrong, marks that
// field, focuses it and shows a message naming it.
class ProfileEditor : public QWidget
{
    Q_OBJECT

public:
    explicit ProfileEditor(QWidget *parent = nullptr);

    // Fills the form. `isNew`: the name can be typed (an existing profile keeps its name,
    // because it is also the key of its secrets and the folder of its store).
    void setProfile(const profile::Profile &profile, bool isNew);
    profile::Profile profile() const;
    bool isNew() const { return m_isNew; }

    // pb::profile::validate() on the fields; shows the error (or clears it) and returns it.
    Status validate();
    // Shows an error from elsewhere (e.g. the profile store refused a duplicate name).
    void showError(const Error &error);
    void clearError();
    QString errorText() const;
    // The label people read for a Profile field name ("paytraceUrl" -> "PayTrace URL").
    static QString fieldLabel(const QString &field);

    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *paytraceUrlEdit() const { return m_paytraceUrl; }
    QLineEdit *magentoUrlEdit() const { return m_magentoUrl; }
    QComboBox *magentoAuthBox() const { return m_magentoAuth; }
    QComboBox *magentoSignatureBox() const { return m_magentoSignature; }
    QLineEdit *integratorIdEdit() const { return m_integratorId; }
    QSpinBox *historyDaysBox() const { return m_historyDays; }
    QSpinBox *syncIntervalBox() const { return m_syncInterval; }
    QSpinBox *requestTimeoutBox() const { return m_requestTimeout; }
    QSpinBox *inDoubtSettleBox() const { return m_inDoubtSettle; } // the form's last field

Q_SIGNALS:
    void edited();
    void magentoAuthChanged(const QString &auth);

private:
    QWidget *fieldWidget(const QString &field) const;

    profile::Profile m_loaded;
    bool m_isNew = true;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_paytraceUrl = nullptr;
    QLineEdit *m_magentoUrl = nullptr;
    QComboBox *m_magentoAuth = nullptr;
    QComboBox *m_magentoSignature = nullptr;
    QLineEdit *m_integratorId = nullptr;
    QSpinBox *m_historyDays = nullptr;
    QSpinBox *m_syncInterval = nullptr;
    QSpinBox *m_requestTimeout = nullptr;
    QSpinBox *m_inDoubtSettle = nullptr;
    QLabel *m_error = nullptr;
    QWidget *m_marked = nullptr;
};

} // namespace pb::ui
