#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QTableWidget;
class QToolButton;

namespace pb::ui::studio {

class MappingDraft;

// The side panel of the field canvas: the link key's pair, its transform chain (steps added,
// removed, reordered, their parameters), a live sample "raw → result" over values the store
// synced, and the fallback match. Every edit goes to the draft (undoable).
class LinkKeyPanel : public QWidget
{
    Q_OBJECT

public:
    explicit LinkKeyPanel(MappingDraft *draft, QWidget *parent = nullptr);

    void setReadOnly(bool readOnly);
    // Raw values of each PayTrace field from synced transactions, for the sample.
    void setSamples(const QMap<QString, QStringList> &samples);
    // Brings the fallback settings into view (a fallback line was selected on the canvas).
    void showFallback();
    void showChain();

    // The operations offered ("trim", "stripPrefix", ...): those this build's Transform reads.
    static QStringList availableOps();
    static QString opTitle(const QString &op);
    // A step in words: "strip prefix “#”", "zero-pad to 9".
    static QString describe(const QJsonObject &step);
    static QString describeChain(const QJsonArray &chain);

    QListWidget *stepsList() const { return m_steps; }
    QTableWidget *sampleTable() const { return m_sample; }
    QComboBox *pairCombo() const { return m_pair; }
    // Appends a step with its default parameters (what "Add step" does).
    void addStep(const QString &op);
    void removeStep(int index);
    void moveStep(int index, int delta);
    // Sets one parameter of step `index` (what the parameter editors do).
    void setStepParameter(int index, const QString &key, const QJsonValue &value);

private:
    void refresh();
    void rebuildParameters();
    void updateSample();
    QJsonArray chain() const;
    void setChain(const QJsonArray &chain, const QString &text, const QString &mergeKey = {});

    MappingDraft *m_draft;
    QMap<QString, QStringList> m_samples;
    bool m_readOnly = false;
    bool m_updating = false;
    bool m_keepParameters = false;
    int m_paramsFor = -1;

    QScrollArea *m_scroll = nullptr;
    QComboBox *m_pair = nullptr;
    QGroupBox *m_chainBox = nullptr;
    QListWidget *m_steps = nullptr;
    QToolButton *m_add = nullptr;
    QPushButton *m_remove = nullptr;
    QPushButton *m_up = nullptr;
    QPushButton *m_down = nullptr;
    QGroupBox *m_paramsBox = nullptr;
    QFormLayout *m_params = nullptr;
    QLabel *m_chainError = nullptr;
    QLineEdit *m_try = nullptr;
    QTableWidget *m_sample = nullptr;
    QGroupBox *m_fallbackBox = nullptr;
    QCheckBox *m_fallbackEnabled = nullptr;
    QSpinBox *m_tolerance = nullptr;
    QSpinBox *m_window = nullptr;
    QCheckBox *m_last4 = nullptr;
};

} // namespace pb::ui::studio
