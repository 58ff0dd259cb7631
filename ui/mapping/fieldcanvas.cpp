#include "fieldcanvas.h"

#include "linkkeypanel.h"
#include "mappingdraft.h"
#include "mapping/mappingprofile.h"

#include <QApplication>
#include <QGraphicsLineItem>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QJsonArray>
#include <QKeyEvent>
#include <algorithm>
#include <cmath>
#include <QMouseEvent>
#include <QPainter>
#include <QPalette>
#include <QStyleOptionGraphicsItem>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

constexpr qreal kNodeWidth = 210;
constexpr qreal kNodeHeight = 34;
constexpr qreal kRowGap = 12;
constexpr qreal kLeftX = 20;
constexpr qreal kRightX = 620;
constexpr qreal kTop = 50;
constexpr qreal kErpY = 470;

const QColor kLinkColor(0x1f, 0x6f, 0xd1);
const QColor kFallbackColor(0x8a, 0x5a, 0x00);

enum class Side { PayTrace, Magento, Erp };

} // namespace

// One field: a rounded box with its name and what it is.
class FieldNode : public QGraphicsRectItem
{
public:
    FieldNode(Side side, QString field, QString caption, bool linkable)
        : QGraphicsRectItem(0, 0, side == Side::Erp ? 150 : kNodeWidth, side == Side::Erp ? 50 : kNodeHeight)
        , side(side)
        , field(std::move(field))
        , caption(std::move(caption))
        , linkable(linkable)
    {
        setFlag(ItemIsFocusable);
        setAcceptHoverEvents(true);
        setToolTip(this->caption);
    }

    QString id() const
    {
        return (side == Side::PayTrace ? u"paytrace."_s : side == Side::Magento ? u"magento."_s : u"erp."_s) + field;
    }
    QPointF anchor(bool outgoing) const
    {
        const QRectF r = sceneBoundingRect();
        if (side == Side::Erp)
            return QPointF(r.center().x(), r.top());
        if (side == Side::PayTrace)
            return outgoing ? QPointF(r.right(), r.center().y()) : QPointF(r.center().x(), r.bottom());
        return outgoing ? QPointF(r.left(), r.center().y()) : QPointF(r.center().x(), r.bottom());
    }

    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        const QPalette pal = QApplication::palette();
        painter->setRenderHint(QPainter::Antialiasing);
        QColor fill = side == Side::PayTrace ? QColor(0xe8, 0xf0, 0xfb)
            : side == Side::Magento          ? QColor(0xfb, 0xee, 0xe6)
                                             : QColor(0xea, 0xf5, 0xea);
        if (highlighted)
            fill = fill.darker(112);
        painter->setBrush(fill);
        QPen pen(active ? kLinkColor : pal.color(QPalette::Mid), active || hasFocus() ? 2.0 : 1.0);
        painter->setPen(pen);
        painter->drawRoundedRect(rect().adjusted(1, 1, -1, -1), 6, 6);
        painter->setPen(linkable || side == Side::Erp ? QColor(0x20, 0x20, 0x20) : QColor(0x60, 0x60, 0x60));
        QFont f = QApplication::font();
        f.setBold(active);
        painter->setFont(f);
        if (side == Side::Erp) {
            // Where the figure comes from, under its name: PayBridge's booking rules fill these.
            painter->drawText(rect().adjusted(10, 4, -10, -rect().height() / 2), Qt::AlignVCenter | Qt::AlignLeft, field);
            QFont small = f;
            small.setBold(false);
            small.setPointSizeF(f.pointSizeF() * 0.85);
            painter->setFont(small);
            painter->setPen(QColor(0x55, 0x55, 0x55));
            painter->drawText(rect().adjusted(10, rect().height() / 2 - 2, -6, -4), Qt::AlignVCenter | Qt::AlignLeft,
                              source);
        } else {
            // Magento's connector dot is on the left: the name starts after it.
            painter->drawText(rect().adjusted(side == Side::Magento ? 20 : 10, 0, -10, 0),
                              Qt::AlignVCenter | Qt::AlignLeft, field);
        }
        if (linkable) {
            // The connector a drag starts from.
            const QPointF dot = side == Side::PayTrace ? QPointF(rect().right() - 8, rect().center().y())
                                                       : QPointF(rect().left() + 8, rect().center().y());
            painter->setBrush(active ? kLinkColor : pal.color(QPalette::Mid));
            painter->setPen(Qt::NoPen);
            painter->drawEllipse(dot, 4, 4);
        }
    }

    Side side;
    QString field;
    QString caption;
    bool linkable;
    QString source; // ERP fields: where the value comes from
    bool active = false;
    bool highlighted = false;
};

// A line between two fields, with a label in the middle; selectable.
class LinkEdge : public QGraphicsPathItem
{
public:
    LinkEdge(QString kind, QPointF from, QPointF to, bool vertical, const QColor &color, Qt::PenStyle style,
             qreal width, const QString &label)
        : kind(std::move(kind))
        , m_color(color)
        , m_style(style)
        , m_width(width)
    {
        QPainterPath path(from);
        if (vertical) {
            const qreal dy = (to.y() - from.y()) / 2;
            path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
        } else {
            const qreal dx = (to.x() - from.x()) / 2;
            path.cubicTo(from + QPointF(dx, 0), to - QPointF(dx, 0), to);
        }
        setPath(path);
        setFlag(ItemIsSelectable);
        setFlag(ItemIsFocusable);
        setZValue(-1);
        updatePen();
        if (!label.isEmpty()) {
            auto *box = new QGraphicsRectItem(this);
            auto *text = new QGraphicsSimpleTextItem(label, box);
            QFont f = QApplication::font();
            f.setPointSizeF(f.pointSizeF() * 0.95);
            text->setFont(f);
            text->setBrush(color.darker(130));
            const QRectF tr = text->boundingRect();
            const QPointF mid = path.pointAtPercent(0.5);
            box->setRect(0, 0, tr.width() + 12, tr.height() + 6);
            box->setPos(mid - QPointF((tr.width() + 12) / 2, (tr.height() + 6) / 2));
            text->setPos(6, 3);
            box->setBrush(QColor(255, 255, 255, 235));
            box->setPen(QPen(color, 1));
            m_label = text;
        }
    }

    QString labelText() const { return m_label ? m_label->text() : QString(); }

    QPainterPath shape() const override
    {
        QPainterPathStroker stroker;
        stroker.setWidth(12); // easy to click
        return stroker.createStroke(path());
    }

    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override
    {
        // A selected line shows by its width, not by Qt's dashed box around the whole curve.
        QStyleOptionGraphicsItem plain(*option);
        plain.state &= ~QStyle::State_Selected;
        QGraphicsPathItem::paint(painter, &plain, widget);
    }

    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override
    {
        if (change == ItemSelectedHasChanged)
            updatePen();
        return QGraphicsPathItem::itemChange(change, value);
    }

    QString kind;

private:
    void updatePen()
    {
        QPen pen(m_color, isSelected() ? m_width + 2 : m_width, m_style);
        pen.setCapStyle(Qt::RoundCap);
        setPen(pen);
    }

    QColor m_color;
    Qt::PenStyle m_style;
    qreal m_width;
    QGraphicsSimpleTextItem *m_label = nullptr;
};

FieldCanvas::FieldCanvas(MappingDraft *draft, QWidget *parent)
    : QGraphicsView(parent)
    , m_draft(draft)
    , m_scene(new QGraphicsScene(this))
{
    setObjectName(u"fieldCanvas"_s);
    setAccessibleName(tr("Field mapping canvas"));
    setScene(m_scene);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(480, 360);
    setBackgroundBrush(QColor(0xfa, 0xfa, 0xfa));
    setFocusPolicy(Qt::StrongFocus);
    buildNodes();
    rebuildEdges();
    connect(m_draft, &MappingDraft::changed, this, [this](const QStringList &paths) {
        bool mine = paths.isEmpty();
        for (const QString &p : paths)
            mine = mine || p.startsWith(u"linkKey"_s);
        if (mine)
            rebuildEdges();
    });
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] { Q_EMIT edgeSelected(selectedEdge()); });
}

FieldCanvas::~FieldCanvas()
{
    // ~QWidget deletes the scene (a child) while this object's connections still stand: its
    // last selectionChanged must not reach a half-destroyed canvas.
    disconnect(m_scene, nullptr, this, nullptr);
}

void FieldCanvas::buildNodes()
{
    QStringList linkablePt, linkableMg;
    for (const auto &[pt, mg] : pb::mapping::LinkKey::supportedPairs()) {
        linkablePt << pt;
        linkableMg << mg;
    }
    const auto heading = [this](const QString &text, QPointF at) {
        auto *h = m_scene->addSimpleText(text);
        QFont f = QApplication::font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.1);
        h->setFont(f);
        h->setPos(at);
    };
    heading(tr("PayTrace transaction"), {kLeftX, 14});
    heading(tr("Magento order"), {kRightX, 14});
    heading(tr("ERP journal entry"), {kLeftX, kErpY - 36});

    const struct { QString field; QString caption; } paytrace[] = {
        {u"transaction_id"_s, tr("PayTrace's transaction number")},
        {u"invoice_id"_s, tr("The invoice number sent with the payment")},
        {u"customer_reference_id"_s, tr("The customer reference sent with the payment")},
        {u"description"_s, tr("Free text sent with the payment")},
        {u"amount"_s, tr("Amount charged (fallback match)")},
        {u"created_at"_s, tr("When the payment was made (fallback match)")},
        {u"card_last4"_s, tr("Last four digits of the card (fallback match)")},
        {u"currency"_s, tr("Currency of the payment")},
    };
    const struct { QString field; QString caption; } magento[] = {
        {u"increment_id"_s, tr("The order number customers see")},
        {u"entity_id"_s, tr("Magento's internal order id")},
        {u"last_trans_id"_s, tr("The payment module's last transaction id")},
        {u"grand_total"_s, tr("Order total (fallback match)")},
        {u"created_at"_s, tr("When the order was placed (fallback match)")},
        {u"cc_last4"_s, tr("Last four digits stored on the order (fallback match)")},
    };
    const struct { QString field; QString source; QString caption; } erp[] = {
        {u"reference"_s, tr("← Magento increment_id"), tr("pb:<kind>:<order number>: one entry per effect")},
        {u"amount"_s, tr("← PayTrace amount"), tr("The payment's amount")},
        {u"currency"_s, tr("← PayTrace currency"), tr("The payment's currency: picks the per-currency accounts")},
        {u"accounts"_s, tr("← ERP accounts tab"), tr("Debit and credit accounts by role: the ERP accounts tab")},
        {u"description"_s, tr("← Magento increment_id"), tr("\"Card payment <order number>\"")},
    };
    qreal y = kTop;
    for (const auto &f : paytrace) {
        auto *n = new FieldNode(Side::PayTrace, f.field, f.caption, linkablePt.contains(f.field));
        n->setPos(kLeftX, y);
        m_scene->addItem(n);
        m_nodes.insert(n->id(), n);
        y += kNodeHeight + kRowGap;
    }
    y = kTop;
    for (const auto &f : magento) {
        auto *n = new FieldNode(Side::Magento, f.field, f.caption, linkableMg.contains(f.field));
        n->setPos(kRightX, y);
        m_scene->addItem(n);
        m_nodes.insert(n->id(), n);
        y += kNodeHeight + kRowGap;
    }
    qreal x = kLeftX;
    for (const auto &f : erp) {
        auto *n = new FieldNode(Side::Erp, f.field, f.caption, false);
        n->source = f.source;
        n->setToolTip(f.caption + u"\n"_s + tr("Filled by PayBridge's booking rules."));
        n->setPos(x, kErpY);
        m_scene->addItem(n);
        m_nodes.insert(n->id(), n);
        x += 150 + 16;
    }
    m_scene->setSceneRect(QRectF(0, 0, kRightX + kNodeWidth + 20, kErpY + 50 + 20));
}

void FieldCanvas::rebuildEdges()
{
    const QString selected = selectedEdge();
    for (LinkEdge *e : std::as_const(m_edges)) {
        m_scene->removeItem(e);
        delete e;
    }
    m_edges.clear();
    for (FieldNode *n : std::as_const(m_nodes))
        n->active = false;

    const QString pt = m_draft->string(u"linkKey.paytraceField"_s);
    const QString mg = m_draft->string(u"linkKey.magentoField"_s);
    const auto add = [this](LinkEdge *e) {
        m_scene->addItem(e);
        m_edges << e;
    };
    FieldNode *from = m_nodes.value(u"paytrace."_s + pt);
    FieldNode *to = m_nodes.value(u"magento."_s + mg);
    if (from && to) {
        from->active = to->active = true;
        const QString chain = LinkKeyPanel::describeChain(m_draft->value(u"linkKey.transforms"_s).toArray());
        add(new LinkEdge(u"link"_s, from->anchor(true), to->anchor(true), false, kLinkColor, Qt::SolidLine, 3,
                         tr("link key: %1").arg(chain)));
    }
    const QJsonObject fb = m_draft->value(u"linkKey.fallback"_s).toObject();
    if (fb.value(u"enabled"_s).toBool(true)) {
        const int tol = fb.value(u"amountToleranceMinor"_s).toInt(0);
        const auto fallback = [&](const QString &a, const QString &b, const QString &label) {
            if (FieldNode *x = m_nodes.value(a), *y = m_nodes.value(b); x && y)
                add(new LinkEdge(u"fallback"_s, x->anchor(true), y->anchor(true), false, kFallbackColor, Qt::DashLine,
                                 1.5, label));
        };
        fallback(u"paytrace.amount"_s, u"magento.grand_total"_s,
                 tol == 0 ? tr("fallback: equal amount") : tr("fallback: amount ± %1 minor units").arg(tol));
        fallback(u"paytrace.created_at"_s, u"magento.created_at"_s,
                 tr("fallback: within %1 min").arg(fb.value(u"timeWindowMinutes"_s).toInt(120)));
        if (fb.value(u"matchLast4"_s).toBool(true))
            fallback(u"paytrace.card_last4"_s, u"magento.cc_last4"_s, tr("fallback: same last four"));
    }
    for (FieldNode *n : std::as_const(m_nodes))
        n->update();
    if (!selected.isEmpty())
        selectEdge(selected);
}

QString FieldCanvas::selectedEdge() const
{
    for (QGraphicsItem *i : m_scene->selectedItems())
        if (auto *e = dynamic_cast<LinkEdge *>(i))
            return e->kind;
    return {};
}

void FieldCanvas::selectEdge(const QString &kind)
{
    const QSignalBlocker block(m_scene);
    m_scene->clearSelection();
    for (LinkEdge *e : std::as_const(m_edges))
        if (e->kind == kind) {
            e->setSelected(true);
            break;
        }
}

QString FieldCanvas::linkLabel() const
{
    for (LinkEdge *e : m_edges)
        if (e->kind == u"link")
            return e->labelText();
    return {};
}

QPointF FieldCanvas::nodeCenter(const QString &id) const
{
    const FieldNode *n = m_nodes.value(id);
    return n ? n->sceneBoundingRect().center() : QPointF();
}

FieldNode *FieldCanvas::nodeAt(const QPoint &viewPos) const
{
    for (QGraphicsItem *i : items(viewPos)) {
        if (auto *n = dynamic_cast<FieldNode *>(i))
            return n;
        if (auto *n = dynamic_cast<FieldNode *>(i->parentItem()))
            return n;
    }
    return nullptr;
}

void FieldCanvas::mousePressEvent(QMouseEvent *event)
{
    FieldNode *n = event->button() == Qt::LeftButton ? nodeAt(event->position().toPoint()) : nullptr;
    if (n && !m_readOnly && n->side != Side::Erp) {
        m_dragFrom = n;
        const QPointF start = n->sceneBoundingRect().center();
        m_dragLine = m_scene->addLine(QLineF(start, start), QPen(kLinkColor, 2, Qt::DashLine));
        m_dragLine->setZValue(5);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void FieldCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragFrom && m_dragLine) {
        m_dragLine->setLine(QLineF(m_dragLine->line().p1(), mapToScene(event->position().toPoint())));
        FieldNode *over = nodeAt(event->position().toPoint());
        for (FieldNode *n : std::as_const(m_nodes)) {
            const bool h = n == over && n != m_dragFrom;
            if (n->highlighted != h) {
                n->highlighted = h;
                n->update();
            }
        }
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void FieldCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_dragFrom) {
        QGraphicsView::mouseReleaseEvent(event);
        return;
    }
    FieldNode *from = m_dragFrom;
    m_dragFrom = nullptr;
    delete m_dragLine;
    m_dragLine = nullptr;
    for (FieldNode *n : std::as_const(m_nodes))
        n->highlighted = false;
    m_scene->update();
    FieldNode *to = nodeAt(event->position().toPoint());
    event->accept();
    if (!to || to == from)
        return;
    if (to->side == from->side || to->side == Side::Erp) {
        Q_EMIT connectRefused(to->side == Side::Erp
                                  ? tr("ERP journal fields are filled by PayBridge's booking rules; "
                                       "accounts are set on the ERP accounts tab.")
                                  : tr("A link goes from a PayTrace field to a Magento field."));
        return;
    }
    const FieldNode *pt = from->side == Side::PayTrace ? from : to;
    const FieldNode *mg = from->side == Side::Magento ? from : to;
    Q_EMIT connectRequested(pt->field, mg->field);
}

QString FieldCanvas::focusedField() const
{
    const auto *n = dynamic_cast<const FieldNode *>(m_scene->focusItem());
    return n ? n->id() : QString();
}

void FieldCanvas::keyPressEvent(QKeyEvent *event)
{
    auto *focused = dynamic_cast<FieldNode *>(m_scene->focusItem());
    const auto column = [this](Side side) {
        QList<FieldNode *> out;
        for (FieldNode *n : std::as_const(m_nodes))
            if (n->side == side)
                out << n;
        std::sort(out.begin(), out.end(), [](FieldNode *a, FieldNode *b) {
            return a->pos().y() != b->pos().y() ? a->pos().y() < b->pos().y() : a->pos().x() < b->pos().x();
        });
        return out;
    };
    const auto focusOn = [this](FieldNode *n) {
        if (!n)
            return;
        m_scene->setFocusItem(n);
        ensureVisible(n);
        m_scene->update();
    };
    const int key = event->key();
    const bool arrow = key == Qt::Key_Up || key == Qt::Key_Down || key == Qt::Key_Left || key == Qt::Key_Right;
    if (arrow && !focused) {
        // Start where the link key starts.
        FieldNode *start = m_nodes.value(u"paytrace."_s + m_draft->string(u"linkKey.paytraceField"_s));
        focusOn(start ? start : column(Side::PayTrace).value(0));
        event->accept();
        return;
    }
    if (arrow) {
        if (key == Qt::Key_Up || key == Qt::Key_Down) {
            const QList<FieldNode *> list = column(focused->side);
            const qsizetype at = list.indexOf(focused) + (key == Qt::Key_Down ? 1 : -1);
            if (at >= 0 && at < list.size())
                focusOn(list.at(at));
        } else if (focused->side == Side::Erp) {
            const QList<FieldNode *> list = column(Side::Erp);
            const qsizetype at = list.indexOf(focused) + (key == Qt::Key_Right ? 1 : -1);
            if (at >= 0 && at < list.size())
                focusOn(list.at(at));
        } else {
            // The field across with the nearest row.
            const Side other = focused->side == Side::PayTrace ? Side::Magento : Side::PayTrace;
            const bool toward = (focused->side == Side::PayTrace) == (key == Qt::Key_Right);
            if (toward) {
                FieldNode *best = nullptr;
                for (FieldNode *n : column(other))
                    if (!best || std::abs(n->pos().y() - focused->pos().y()) < std::abs(best->pos().y() - focused->pos().y()))
                        best = n;
                focusOn(best);
            }
        }
        event->accept();
        return;
    }
    if (key == Qt::Key_Escape && m_picked) {
        m_picked->highlighted = false;
        m_picked = nullptr;
        m_scene->update();
        event->accept();
        return;
    }
    if ((key == Qt::Key_Return || key == Qt::Key_Enter || key == Qt::Key_Space) && focused && !m_readOnly
        && focused->side != Side::Erp) {
        event->accept();
        if (m_picked && m_picked->side != focused->side) {
            FieldNode *from = m_picked;
            m_picked->highlighted = false;
            m_picked = nullptr;
            m_scene->update();
            const FieldNode *pt = from->side == Side::PayTrace ? from : focused;
            const FieldNode *mg = from->side == Side::Magento ? from : focused;
            Q_EMIT connectRequested(pt->field, mg->field);
            return;
        }
        if (m_picked)
            m_picked->highlighted = false;
        m_picked = focused;
        m_picked->highlighted = true;
        m_scene->update();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void FieldCanvas::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fit();
}

void FieldCanvas::fit()
{
    // Whole when the view is smaller than the drawing; never enlarged past 1:1.
    const QRectF r = m_scene->sceneRect();
    const qreal scale = std::min({1.0, viewport()->width() / r.width(), viewport()->height() / r.height()});
    setTransform(QTransform::fromScale(scale, scale));
    centerOn(r.center());
}

} // namespace pb::ui::studio
