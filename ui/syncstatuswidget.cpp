#include "syncstatuswidget.h"

#include "displayformat.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace pb::ui {

SyncStatusWidget::SyncStatusWidget(QWidget *parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_state(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_lastSync(new QLabel(this))
    , m_counts(new QLabel(this))
{
    setObjectName(u"syncStatus"_s);
    setAccessibleName(tr("Sync status"));
    m_state->setObjectName(u"syncStateLabel"_s);
    m_state->setTextFormat(Qt::PlainText);
    m_state->setMaximumWidth(520);
    m_progress->setObjectName(u"syncProgress"_s);
    m_progress->setAccessibleName(tr("Sync progress"));
    m_progress->setMaximumWidth(160);
    m_progress->setMaximumHeight(m_state->sizeHint().height());
    m_progress->setTextVisible(false);
    m_progress->hide();
    m_lastSync->setObjectName(u"lastSyncLabel"_s);
    m_lastSync->setTextFormat(Qt::PlainText);
    m_counts->setObjectName(u"countsLabel"_s);
    m_counts->setTextFormat(Qt::PlainText);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(6);
    layout->addWidget(m_icon);
    layout->addWidget(m_state);
    layout->addWidget(m_progress);
    layout->addSpacing(16);
    layout->addWidget(m_lastSync);
    layout->addSpacing(16);
    layout->addWidget(m_counts);
    layout->addStretch(1);

    setLastSuccess({});
    setCounts(-1, -1, -1);
    setIdle();
}

void SyncStatusWidget::setStateIcon(int standardPixmap)
{
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(QStyle::StandardPixmap(standardPixmap), nullptr, this).pixmap(size, size));
}

void SyncStatusWidget::setUnavailable()
{
    setStateIcon(QStyle::SP_MessageBoxInformation);
    m_state->setText(tr("Sync not connected"));
    m_state->setToolTip(tr("This window shows the store only; no sync service is running."));
    m_progress->hide();
}

void SyncStatusWidget::setIdle()
{
    setStateIcon(QStyle::SP_DialogApplyButton);
    m_state->setText(tr("Sync idle"));
    m_state->setToolTip({});
    m_progress->hide();
}

void SyncStatusWidget::setRunning()
{
    setStateIcon(QStyle::SP_BrowserReload);
    m_state->setText(tr("Syncing…"));
    m_state->setToolTip({});
    m_progress->setRange(0, 0); // busy until the first progress report says how much there is
    m_progress->show();
}

void SyncStatusWidget::setProgress(const pb::sync::SyncProgress &progress)
{
    using Phase = pb::sync::SyncProgress::Phase;
    QString phase;
    switch (progress.phase) {
    case Phase::Connecting: phase = tr("Connecting…"); break;
    case Phase::Orders: phase = tr("Fetching orders…"); break;
    case Phase::Transactions: phase = tr("Fetching transactions…"); break;
    case Phase::Linking: phase = tr("Linking transactions to orders…"); break;
    case Phase::Done: phase = tr("Finishing…"); break;
    }
    if (progress.total > 0) {
        m_progress->setRange(0, progress.total);
        m_progress->setValue(qBound(0, progress.done, progress.total));
        m_state->setText(tr("%1 %2 of %3").arg(phase, Format::count(progress.done), Format::count(progress.total)));
    } else {
        m_progress->setRange(0, 0);
        m_state->setText(progress.done > 0 ? tr("%1 %2").arg(phase, Format::count(progress.done)) : phase);
    }
    m_progress->show();
}

void SyncStatusWidget::setFailed(const pb::Error &error)
{
    setStateIcon(QStyle::SP_MessageBoxWarning);
    // The core's message is diagnostic English; the framing around it is ours and translated.
    const QString reason = error.toString();
    const QString text = reason.isEmpty() ? tr("Sync failed") : tr("Sync failed: %1").arg(reason);
    m_state->setText(m_state->fontMetrics().elidedText(text, Qt::ElideRight, m_state->maximumWidth()));
    m_state->setToolTip(error.code.isEmpty() ? text : tr("%1\n(%2)").arg(text, error.code));
    m_state->setAccessibleDescription(text);
    m_progress->hide();
}

void SyncStatusWidget::setLastSuccess(const QDateTime &at)
{
    m_lastSync->setText(at.isValid() ? tr("Last sync: %1").arg(Format::dateTime(at.toMSecsSinceEpoch()))
                                     : tr("Last sync: never"));
    m_lastSync->setToolTip(at.isValid() ? Format::dateTimeLong(at.toMSecsSinceEpoch()) : QString());
}

void SyncStatusWidget::setCounts(qint64 orders, qint64 transactions, qint64 unlinkedTransactions)
{
    if (orders < 0 || transactions < 0) {
        m_counts->clear();
        return;
    }
    // "Label: n" needs no plural forms.
    QString text = tr("Orders: %1 · Transactions: %2").arg(Format::count(orders), Format::count(transactions));
    if (unlinkedTransactions > 0)
        text = tr("%1 · Unlinked: %2").arg(text, Format::count(unlinkedTransactions));
    m_counts->setText(text);
}

QString SyncStatusWidget::stateText() const
{
    return m_state->text();
}

QString SyncStatusWidget::lastSyncText() const
{
    return m_lastSync->text();
}

QString SyncStatusWidget::countsText() const
{
    return m_counts->text();
}

bool SyncStatusWidget::isProgressVisible() const
{
    return !m_progress->isHidden();
}

} // namespace pb::ui
