#include "linkkeypanel.h"

#include "mappingdraft.h"
#include "mapping/mappingprofile.h"
#include "mapping/transform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

const QString kTransforms = u"linkKey.transforms"_s;

// Parameters a new step starts with: valid, and a common case for payment references.
QJsonObject defaultStep(const QString &op)
{
    QJsonObject s{{u"op"_s, op}};
    if (op == u"prefix" || op == u"suffix")
        s.insert(u"value"_s, op == u"prefix" ? u"INV-"_s : u"-A"_s);
    else if (op == u"stripPrefix" || op == u"stripSuffix")
        s.insert(u"value"_s, u"#"_s);
    else if (op == u"regexExtract")
        s.insert(u"pattern"_s, u"(\\d+)"_s), s.insert(u"group"_s, 1);
    else if (op == u"zeroPad")
        s.insert(u"width"_s, 9);
    else if (op == u"dateFormat")
        s.insert(u"from"_s, u"M/d/yyyy"_s), s.insert(u"to"_s, u"yyyy-MM-dd"_s);
    else if (op == u"mapLookup")
        s.insert(u"table"_s, QJsonObject{{u"old"_s, u"new"_s}}), s.insert(u"onMissing"_s, u"keep"_s);
    return s;
}

QString tableText(const QJsonObject &table)
{
    QStringList lines;
    for (auto it = table.begin(); it != table.end(); ++it)
        lines << it.key() + u" = "_s + it.value().toString();
    return lines.join(u'\n');
}

QJsonObject tableFromText(const QString &text)
{
    QJsonObject table;
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq < 0)
            continue;
        table.insert(line.left(eq).trimmed(), line.mid(eq + 1).trimmed());
    }
    return table;
}

} // namespace

QStringList LinkKeyPanel::availableOps()
{
    static const QStringList ops = [] {
        QStringList out;
        for (const QString &op : {u"trim"_s, u"uppercase"_s, u"lowercase"_s, u"stripPrefix"_s, u"stripSuffix"_s,
                                  u"prefix"_s, u"suffix"_s, u"regexExtract"_s, u"zeroPad"_s, u"dateFormat"_s,
                                  u"mapLookup"_s})
            if (pb::mapping::Transform::fromJson(defaultStep(op)))
                out << op;
        return out;
    }();
    return ops;
}

QString LinkKeyPanel::opTitle(const QString &op)
{
    if (op == u"trim") return tr("Trim spaces");
    if (op == u"uppercase") return tr("Uppercase");
    if (op == u"lowercase") return tr("Lowercase");
    if (op == u"copy") return tr("Copy");
    if (op == u"prefix") return tr("Add prefix");
    if (op == u"suffix") return tr("Add suffix");
    if (op == u"stripPrefix") return tr("Strip prefix");
    if (op == u"stripSuffix") return tr("Strip suffix");
    if (op == u"regexExtract") return tr("Extract with a pattern");
    if (op == u"zeroPad") return tr("Zero-pad");
    if (op == u"dateFormat") return tr("Date format");
    if (op == u"mapLookup") return tr("Lookup table");
    if (op == u"moneyFormat") return tr("Money format");
    return op;
}

QString LinkKeyPanel::describe(const QJsonObject &step)
{
    const QString op = step.value(u"op"_s).toString();
    const QString value = step.value(u"value"_s).toString();
    if (op == u"prefix") return tr("add prefix “%1”").arg(value);
    if (op == u"suffix") return tr("add suffix “%1”").arg(value);
    if (op == u"stripPrefix") return tr("strip prefix “%1”").arg(value);
    if (op == u"stripSuffix") return tr("strip suffix “%1”").arg(value);
    if (op == u"regexExtract")
        return tr("extract group %1 of /%2/").arg(step.value(u"group"_s).toInt(1)).arg(step.value(u"pattern"_s).toString());
    if (op == u"zeroPad") return tr("zero-pad to %1").arg(step.value(u"width"_s).toInt());
    if (op == u"dateFormat")
        return tr("date %1 → %2").arg(step.value(u"from"_s).toString(), step.value(u"to"_s).toString());
    if (op == u"mapLookup") return tr("lookup (%n entries)", nullptr, int(step.value(u"table"_s).toObject().size()));
    return opTitle(op).toLower();
}

QString LinkKeyPanel::describeChain(const QJsonArray &chain)
{
    QStringList parts;
    for (const QJsonValue &v : chain)
        parts << describe(v.toObject());
    return parts.isEmpty() ? tr("equals") : parts.join(u" → "_s);
}

LinkKeyPanel::LinkKeyPanel(MappingDraft *draft, QWidget *parent)
    : QWidget(parent)
    , m_draft(draft)
{
    setObjectName(u"linkKeyPanel"_s);
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);

    // The pair: the keyboard's way to do what dragging on the canvas does.
    auto *pairBox = new QGroupBox(tr("Link key"));
    auto *pairLayout = new QFormLayout(pairBox);
    m_pair = new QComboBox;
    m_pair->setObjectName(u"linkPair"_s);
    for (const auto &[pt, mg] : pb::mapping::LinkKey::supportedPairs())
        m_pair->addItem(tr("PayTrace %1 → Magento %2").arg(pt, mg), QStringList{pt, mg});
    auto *pairLabel = new QLabel(tr("Lin&k:"));
    pairLabel->setBuddy(m_pair);
    pairLayout->addRow(pairLabel, m_pair);
    layout->addWidget(pairBox);
    connect(m_pair, &QComboBox::activated, this, [this] {
        const QStringList p = m_pair->currentData().toStringList();
        m_draft->set({{u"linkKey.paytraceField"_s, p.value(0)}, {u"linkKey.magentoField"_s, p.value(1)}},
                     tr("Link %1 to %2").arg(p.value(0), p.value(1)));
    });

    // The chain.
    m_chainBox = new QGroupBox(tr("Transforms on the PayTrace value, in order"));
    auto *chainLayout = new QVBoxLayout(m_chainBox);
    auto *stepsRow = new QHBoxLayout;
    m_steps = new QListWidget;
    m_steps->setObjectName(u"transformSteps"_s);
    m_steps->setAccessibleName(tr("Transform steps"));
    m_steps->setMaximumHeight(130);
    stepsRow->addWidget(m_steps, 1);
    auto *buttons = new QVBoxLayout;
    m_add = new QToolButton;
    m_add->setObjectName(u"addStep"_s);
    m_add->setText(tr("&Add step"));
    m_add->setPopupMode(QToolButton::InstantPopup);
    m_add->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_add->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    auto *menu = new QMenu(m_add);
    for (const QString &op : availableOps())
        menu->addAction(opTitle(op), this, [this, op] { addStep(op); });
    m_add->setMenu(menu);
    m_remove = new QPushButton(tr("Remove"));
    m_up = new QPushButton(tr("Move up"));
    m_down = new QPushButton(tr("Move down"));
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    buttons->addStretch(1);
    stepsRow->addLayout(buttons);
    chainLayout->addLayout(stepsRow);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeStep(m_steps->currentRow()); });
    connect(m_up, &QPushButton::clicked, this, [this] { moveStep(m_steps->currentRow(), -1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveStep(m_steps->currentRow(), +1); });
    connect(m_steps, &QListWidget::currentRowChanged, this, [this] {
        if (!m_updating)
            rebuildParameters();
    });

    m_paramsBox = new QGroupBox(tr("Step parameters"));
    m_params = new QFormLayout(m_paramsBox);
    chainLayout->addWidget(m_paramsBox);
    m_chainError = new QLabel;
    m_chainError->setObjectName(u"chainError"_s);
    m_chainError->setWordWrap(true);
    m_chainError->setStyleSheet(u"color: #b3261e;"_s);
    chainLayout->addWidget(m_chainError);
    layout->addWidget(m_chainBox);

    // The sample.
    auto *sampleBox = new QGroupBox(tr("Sample from synced transactions"));
    auto *sampleLayout = new QVBoxLayout(sampleBox);
    m_try = new QLineEdit;
    m_try->setObjectName(u"tryValue"_s);
    m_try->setPlaceholderText(tr("Try a value…"));
    m_try->setClearButtonEnabled(true);
    sampleLayout->addWidget(m_try);
    m_sample = new QTableWidget(0, 2);
    m_sample->setObjectName(u"sampleTable"_s);
    m_sample->setAccessibleName(tr("Sample: raw value and result"));
    m_sample->setHorizontalHeaderLabels({tr("Raw"), tr("Result")});
    m_sample->verticalHeader()->setVisible(false);
    m_sample->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_sample->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sample->setMinimumHeight(150);
    sampleLayout->addWidget(m_sample);
    layout->addWidget(sampleBox);
    connect(m_try, &QLineEdit::textChanged, this, &LinkKeyPanel::updateSample);

    // The fallback match.
    m_fallbackBox = new QGroupBox(tr("Fallback match, when the key finds no order"));
    m_fallbackBox->setObjectName(u"fallbackBox"_s);
    auto *fb = new QFormLayout(m_fallbackBox);
    m_fallbackEnabled = new QCheckBox(tr("Match by amount, time and car&d"));
    m_fallbackEnabled->setObjectName(u"fallbackEnabled"_s);
    m_tolerance = new QSpinBox;
    m_tolerance->setObjectName(u"fallbackTolerance"_s);
    m_tolerance->setRange(0, 100000);
    m_tolerance->setSuffix(tr(" minor units"));
    m_tolerance->setToolTip(tr("How far the amount may be from the order's grand total, in the currency's minor "
                               "units (cents)"));
    m_window = new QSpinBox;
    m_window->setObjectName(u"fallbackWindow"_s);
    m_window->setRange(1, 7 * 24 * 60);
    m_window->setSuffix(tr(" minutes"));
    m_last4 = new QCheckBox(tr("Card last f&our must equal the order's"));
    m_last4->setObjectName(u"fallbackLast4"_s);
    fb->addRow(m_fallbackEnabled);
    fb->addRow(tr("Amount toleran&ce:"), m_tolerance);
    fb->addRow(tr("Time wi&ndow:"), m_window);
    fb->addRow(m_last4);
    layout->addWidget(m_fallbackBox);
    layout->addStretch(1);
    connect(m_fallbackEnabled, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating)
            m_draft->set(u"linkKey.fallback.enabled"_s, on, on ? tr("Turn the fallback match on") : tr("Turn the fallback match off"));
    });
    connect(m_last4, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating)
            m_draft->set(u"linkKey.fallback.matchLast4"_s, on, tr("Fallback: card last four"));
    });
    connect(m_tolerance, &QSpinBox::valueChanged, this, [this](int v) {
        if (!m_updating)
            m_draft->set(u"linkKey.fallback.amountToleranceMinor"_s, v, tr("Fallback: amount tolerance %1").arg(v),
                         u"fallback.tolerance"_s);
    });
    connect(m_window, &QSpinBox::valueChanged, this, [this](int v) {
        if (!m_updating)
            m_draft->set(u"linkKey.fallback.timeWindowMinutes"_s, v, tr("Fallback: time window %1 min").arg(v),
                         u"fallback.window"_s);
    });

    m_scroll = new QScrollArea;
    m_scroll->setWidget(content);
    m_scroll->setWidgetResizable(true);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the panel fits its width
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_scroll);

    connect(m_draft, &MappingDraft::changed, this, [this](const QStringList &paths) {
        bool mine = paths.isEmpty();
        for (const QString &p : paths)
            mine = mine || p.startsWith(u"linkKey"_s);
        if (mine)
            refresh();
    });
    refresh();
}

QJsonArray LinkKeyPanel::chain() const
{
    return m_draft->value(kTransforms).toArray();
}

void LinkKeyPanel::setChain(const QJsonArray &chain, const QString &text, const QString &mergeKey)
{
    m_draft->set(kTransforms, chain, text, mergeKey);
}

void LinkKeyPanel::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    refresh();
}

void LinkKeyPanel::setSamples(const QMap<QString, QStringList> &samples)
{
    m_samples = samples;
    updateSample();
}

void LinkKeyPanel::showFallback()
{
    m_scroll->ensureWidgetVisible(m_fallbackBox);
    m_fallbackEnabled->setFocus();
}

void LinkKeyPanel::showChain()
{
    m_scroll->verticalScrollBar()->setValue(0);
}

void LinkKeyPanel::addStep(const QString &op)
{
    if (m_readOnly)
        return;
    QJsonArray c = chain();
    if (c.size() >= pb::mapping::TransformChain::kMaxSteps)
        return;
    c.append(defaultStep(op));
    setChain(c, tr("Add step: %1").arg(opTitle(op).toLower()));
    m_steps->setCurrentRow(int(c.size()) - 1);
}

void LinkKeyPanel::removeStep(int index)
{
    QJsonArray c = chain();
    if (m_readOnly || index < 0 || index >= c.size())
        return;
    const QString what = describe(c.at(index).toObject());
    c.removeAt(index);
    setChain(c, tr("Remove step: %1").arg(what));
    m_steps->setCurrentRow(std::min(index, int(c.size()) - 1));
}

void LinkKeyPanel::moveStep(int index, int delta)
{
    QJsonArray c = chain();
    const int to = index + delta;
    if (m_readOnly || index < 0 || index >= c.size() || to < 0 || to >= c.size())
        return;
    const QJsonValue v = c.at(index);
    c.removeAt(index);
    c.insert(to, v);
    setChain(c, tr("Move step: %1").arg(describe(v.toObject())));
    m_steps->setCurrentRow(to);
}

void LinkKeyPanel::setStepParameter(int index, const QString &key, const QJsonValue &value)
{
    QJsonArray c = chain();
    if (m_readOnly || index < 0 || index >= c.size())
        return;
    QJsonObject step = c.at(index).toObject();
    if (step.value(key) == value)
        return;
    step.insert(key, value);
    c[index] = step;
    m_keepParameters = true; // the editor being used stays; undo and other edits rebuild it
    setChain(c, tr("Change %1: %2").arg(opTitle(step.value(u"op"_s).toString()).toLower(), key),
             u"step.%1.%2"_s.arg(index).arg(key));
    m_keepParameters = false;
}

void LinkKeyPanel::refresh()
{
    m_updating = true;
    const QString pt = m_draft->string(u"linkKey.paytraceField"_s);
    const QString mg = m_draft->string(u"linkKey.magentoField"_s);
    m_pair->setCurrentIndex(m_pair->findData(QStringList{pt, mg}));
    m_pair->setEnabled(!m_readOnly);

    const QJsonArray c = chain();
    const int current = m_steps->currentRow();
    m_steps->clear();
    for (int i = 0; i < c.size(); ++i) {
        const QJsonObject step = c.at(i).toObject();
        auto *item = new QListWidgetItem(u"%1. %2"_s.arg(i + 1).arg(describe(step)));
        if (auto t = pb::mapping::Transform::fromJson(step, u"linkKey.transforms[%1]"_s.arg(i)); !t) {
            item->setText(item->text() + u"  ⚠"_s);
            item->setToolTip(t.error().toString());
        }
        m_steps->addItem(item);
    }
    if (c.isEmpty()) {
        auto *none = new QListWidgetItem(tr("No steps: the value is used as it is."));
        none->setFlags(Qt::NoItemFlags);
        m_steps->addItem(none);
    } else {
        m_steps->setCurrentRow(std::clamp(current, 0, int(c.size()) - 1));
    }
    m_add->setEnabled(!m_readOnly && c.size() < pb::mapping::TransformChain::kMaxSteps);
    const bool hasStep = !c.isEmpty();
    m_remove->setEnabled(!m_readOnly && hasStep);
    m_up->setEnabled(!m_readOnly && hasStep && m_steps->currentRow() > 0);
    m_down->setEnabled(!m_readOnly && hasStep && m_steps->currentRow() < c.size() - 1);

    const QJsonObject fb = m_draft->value(u"linkKey.fallback"_s).toObject();
    m_fallbackEnabled->setChecked(fb.value(u"enabled"_s).toBool(true));
    m_tolerance->setValue(fb.value(u"amountToleranceMinor"_s).toInt(0));
    m_window->setValue(fb.value(u"timeWindowMinutes"_s).toInt(120));
    m_last4->setChecked(fb.value(u"matchLast4"_s).toBool(true));
    for (QWidget *w : std::initializer_list<QWidget *>{m_fallbackEnabled, m_tolerance, m_window, m_last4})
        w->setEnabled(!m_readOnly);
    m_tolerance->setEnabled(!m_readOnly && m_fallbackEnabled->isChecked());
    m_window->setEnabled(!m_readOnly && m_fallbackEnabled->isChecked());
    m_last4->setEnabled(!m_readOnly && m_fallbackEnabled->isChecked());
    m_updating = false;
    rebuildParameters();
    updateSample();
}

void LinkKeyPanel::rebuildParameters()
{
    const int index = m_steps->currentRow();
    const QJsonArray c = chain();
    m_up->setEnabled(!m_readOnly && index > 0 && index < c.size());
    m_down->setEnabled(!m_readOnly && index >= 0 && index < c.size() - 1);
    // A parameter being typed keeps its editor: only another step (or another op) rebuilds.
    const QJsonObject step = index >= 0 && index < c.size() ? c.at(index).toObject() : QJsonObject();
    const QString op = step.value(u"op"_s).toString();
    const QString signature = u"%1:%2"_s.arg(index).arg(op);
    if (m_keepParameters && m_params->property("signature").toString() == signature && m_params->rowCount() > 0) {
        if (auto t = pb::mapping::Transform::fromJson(step, u"linkKey.transforms[%1]"_s.arg(index)); !t)
            m_chainError->setText(t.error().toString());
        else
            m_chainError->clear();
        return;
    }
    m_params->setProperty("signature", signature);
    while (m_params->rowCount() > 0)
        m_params->removeRow(0);
    m_chainError->clear();
    if (op.isEmpty()) {
        m_paramsBox->setTitle(tr("Step parameters"));
        m_params->addRow(new QLabel(tr("Select a step to change it.")));
        return;
    }
    m_paramsBox->setTitle(tr("Step %1: %2").arg(index + 1).arg(opTitle(op)));
    const auto text = [&](const QString &key, const QString &label) {
        auto *edit = new QLineEdit(step.value(key).toString());
        edit->setObjectName(u"param_"_s + key);
        edit->setReadOnly(m_readOnly);
        connect(edit, &QLineEdit::editingFinished, this,
                [this, index, key, edit] { setStepParameter(index, key, edit->text()); });
        m_params->addRow(label, edit);
    };
    const auto number = [&](const QString &key, const QString &label, int min, int max) {
        auto *spin = new QSpinBox;
        spin->setObjectName(u"param_"_s + key);
        spin->setRange(min, max);
        spin->setValue(step.value(key).toInt(min));
        spin->setEnabled(!m_readOnly);
        connect(spin, &QSpinBox::valueChanged, this, [this, index, key](int v) { setStepParameter(index, key, v); });
        m_params->addRow(label, spin);
    };
    if (op == u"prefix" || op == u"suffix" || op == u"stripPrefix" || op == u"stripSuffix") {
        text(u"value"_s, tr("Text:"));
    } else if (op == u"regexExtract") {
        text(u"pattern"_s, tr("Pattern:"));
        number(u"group"_s, tr("Group:"), 0, 9);
    } else if (op == u"zeroPad") {
        number(u"width"_s, tr("Width:"), 1, 32);
    } else if (op == u"dateFormat") {
        text(u"from"_s, tr("From format:"));
        text(u"to"_s, tr("To format:"));
    } else if (op == u"mapLookup") {
        auto *table = new QPlainTextEdit(tableText(step.value(u"table"_s).toObject()));
        table->setObjectName(u"param_table"_s);
        table->setReadOnly(m_readOnly);
        table->setMaximumHeight(90);
        table->setPlaceholderText(tr("one “from = to” per line"));
        auto *apply = new QPushButton(tr("Apply table"));
        apply->setEnabled(!m_readOnly);
        connect(apply, &QPushButton::clicked, this,
                [this, index, table] { setStepParameter(index, u"table"_s, tableFromText(table->toPlainText())); });
        m_params->addRow(tr("Table:"), table);
        m_params->addRow(QString(), apply);
        auto *missing = new QComboBox;
        missing->addItem(tr("Keep the value"), u"keep"_s);
        missing->addItem(tr("Fail (no key)"), u"error"_s);
        missing->addItem(tr("Use the default"), u"default"_s);
        missing->setCurrentIndex(std::max(0, missing->findData(step.value(u"onMissing"_s).toString())));
        missing->setEnabled(!m_readOnly);
        connect(missing, &QComboBox::activated, this,
                [this, index, missing] { setStepParameter(index, u"onMissing"_s, missing->currentData().toString()); });
        m_params->addRow(tr("When missing:"), missing);
        text(u"default"_s, tr("Default:"));
    } else {
        m_params->addRow(new QLabel(tr("No parameters.")));
    }
    if (auto t = pb::mapping::Transform::fromJson(step, u"linkKey.transforms[%1]"_s.arg(index)); !t)
        m_chainError->setText(t.error().toString());
}

void LinkKeyPanel::updateSample()
{
    const QString field = m_draft->string(u"linkKey.paytraceField"_s);
    QStringList raws;
    if (!m_try->text().isEmpty())
        raws << m_try->text();
    raws << m_samples.value(field);
    const auto chainResult = pb::mapping::TransformChain::fromJson(chain(), kTransforms);
    m_sample->setRowCount(int(raws.size()));
    for (int i = 0; i < raws.size(); ++i) {
        auto *raw = new QTableWidgetItem(u"“%1”"_s.arg(raws.at(i)));
        QString result;
        bool failed = false;
        if (!chainResult) {
            result = tr("(the chain is invalid)");
            failed = true;
        } else if (auto r = chainResult->apply(raws.at(i)); r) {
            result = r->isEmpty() ? tr("(empty: no key)") : u"“%1”"_s.arg(*r);
            failed = r->isEmpty();
        } else {
            result = r.error().message;
            failed = true;
        }
        auto *out = new QTableWidgetItem(result);
        out->setToolTip(result);
        if (failed)
            out->setForeground(QColor(0xb3, 0x26, 0x1e));
        m_sample->setItem(i, 0, raw);
        m_sample->setItem(i, 1, out);
    }
    if (raws.isEmpty()) {
        m_sample->setRowCount(1);
        auto *none = new QTableWidgetItem(tr("No synced transaction carries %1 yet.").arg(field));
        m_sample->setItem(0, 0, none);
        m_sample->setSpan(0, 0, 1, 2);
    } else {
        m_sample->clearSpans();
    }
}

} // namespace pb::ui::studio
