#pragma once

#include "intents/intentjournal.h"

#include <QDialog>
#include <QString>
#include <QStringList>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;

namespace pb::ui {

// The decisions a person makes on one intent from the Queue page. Each dialog only collects
// and checks the input: "OK" emits submitted() and the dialog stays open, busy, until the page
// reports the outcome with finish() (success closes it, an error is shown in it, so nothing
// typed is lost). Used with open(), never exec(): no nested event loop.
class IntentActionDialog : public QDialog
{
    Q_OBJECT

public:
    qint64 intentId() const { return m_intentId; }
    QPushButton *okButton() const;
    QLabel *errorLabel() const { return m_error; }

    // The action ended: ok closes the dialog (accepted); otherwise `message` is shown.
    void finish(bool ok, const QString &message = {});

Q_SIGNALS:
    void submitted();

protected:
    IntentActionDialog(qint64 intentId, const QString &summary, const QString &okText, QWidget *parent);

    // Lays out `body` between the summary and the buttons.
    void setBody(QWidget *body);
    // Re-checks the input; the OK button is enabled when it returns an empty string, else the
    // returned text says what is missing.
    virtual QString missingInput() const = 0;
    void updateOk();
    void setBusy(bool busy);

private:
    void onOk();

    qint64 m_intentId;
    bool m_busy = false;
    QLabel *m_summary = nullptr;
    QLabel *m_hint = nullptr;
    QLabel *m_error = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

// "It happened" (with the gateway reference or document number) or "it did not happen" (sent
// again; a note says how that was established).
class ResolveIntentDialog : public IntentActionDialog
{
    Q_OBJECT

public:
    ResolveIntentDialog(qint64 intentId, const QString &summary, const QString &janitorNote, QWidget *parent);

    intents::ManualResolution resolution() const;
    QRadioButton *happenedButton() const { return m_happened; }
    QRadioButton *notHappenedButton() const { return m_notHappened; }
    QLineEdit *referenceEdit() const { return m_reference; }
    QPlainTextEdit *noteEdit() const { return m_note; }

protected:
    QString missingInput() const override;

private:
    QRadioButton *m_happened = nullptr;
    QRadioButton *m_notHappened = nullptr;
    QLineEdit *m_reference = nullptr;
    QPlainTextEdit *m_note = nullptr;
};

// Discarding needs a reason; the intent is never sent again.
class DiscardIntentDialog : public IntentActionDialog
{
    Q_OBJECT

public:
    DiscardIntentDialog(qint64 intentId, const QString &summary, QWidget *parent);

    QString reason() const;
    QPlainTextEdit *reasonEdit() const { return m_reason; }

protected:
    QString missingInput() const override;

private:
    QPlainTextEdit *m_reason = nullptr;
};

// Shows the dry run (what a replay would send now, with the order's current facts) before the
// replay can be confirmed. Until setDryRun() arrives the dialog says it is asking.
class ReplayIntentDialog : public IntentActionDialog
{
    Q_OBJECT

public:
    ReplayIntentDialog(qint64 intentId, const QString &summary, QWidget *parent);

    // The engine's answer: the steps a replay sends, or why it cannot be replayed.
    void setDryRun(bool replayable, const QStringList &steps, const QString &whyNot);
    void setDryRunFailed(const QString &message);
    bool hasDryRun() const { return m_haveDryRun; }

    QString note() const;
    QLabel *dryRunLabel() const { return m_dryRun; }
    QLineEdit *noteEdit() const { return m_note; }

protected:
    QString missingInput() const override;

private:
    QLabel *m_dryRun = nullptr;
    QLineEdit *m_note = nullptr;
    bool m_haveDryRun = false;
    bool m_replayable = false;
};

} // namespace pb::ui
