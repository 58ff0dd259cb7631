#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QString>

class QGraphicsLineItem;
class QGraphicsScene;

namespace pb::ui::studio {

class FieldNode;
class LinkEdge;
class MappingDraft;

// The field mapping canvas: PayTrace fields on the left, Magento fields on the right, the ERP
// journal fields below, drawn with Qt Graphics View. The link key is a line from a PayTrace
// field to a Magento field labelled with its transform chain; the fallback match is drawn as
// dashed lines between the fields it compares; the ERP lines show where an entry's figures
// come from. Dragging from one field to another proposes a new link key (only the supported
// pairs are taken); selecting a line tells the side panel what to edit.
class FieldCanvas : public QGraphicsView
{
    Q_OBJECT

public:
    explicit FieldCanvas(MappingDraft *draft, QWidget *parent = nullptr);
    ~FieldCanvas() override;

    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    // "link", "fallback", "erp" or empty.
    QString selectedEdge() const;
    void selectEdge(const QString &kind);
    // The scene position of a field's node ("paytrace.invoice_id", "magento.increment_id").
    QPointF nodeCenter(const QString &id) const;
    QString linkLabel() const;
    // The field with the keyboard focus ("paytrace.invoice_id"), empty when none.
    QString focusedField() const;

Q_SIGNALS:
    // A drag from one field to another (PayTrace field, Magento field), before it is checked.
    void connectRequested(const QString &paytraceField, const QString &magentoField);
    // A drag between fields that cannot be linked; `message` says why.
    void connectRefused(const QString &message);
    void edgeSelected(const QString &kind);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    // The keyboard's way to link: arrows move between fields (Left/Right change column), Enter
    // picks a field and Enter on one in the other column links them; Escape drops the pick.
    void keyPressEvent(QKeyEvent *event) override;

private:
    void buildNodes();
    void rebuildEdges();
    FieldNode *nodeAt(const QPoint &viewPos) const;
    void fit();

    MappingDraft *m_draft;
    QGraphicsScene *m_scene;
    QHash<QString, FieldNode *> m_nodes;
    QList<LinkEdge *> m_edges;
    FieldNode *m_dragFrom = nullptr;
    FieldNode *m_picked = nullptr;
    QGraphicsLineItem *m_dragLine = nullptr;
    bool m_readOnly = false;
};

} // namespace pb::ui::studio
