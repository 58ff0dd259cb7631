#include "reconciliationreport.h"

#include "csvexport.h"
#include "money/money.h"
#include "store/database.h"

#include <QAbstractTextDocumentLayout>
#include <QAtomicInteger>
#include <QCoreApplication>
#include <QFileInfo>
#include <QFont>
#include <QLocale>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QTextCursor>
#include <QTextBlock>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <map>

using namespace Qt::StringLiterals;

namespace pb::ui::report {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ReconciliationReport", text);
}

Error fileError(const QString &path, const QString &why)
{
    return makeError(u"report.write"_s, path, why);
}

std::optional<Currency> currencyOf(const QString &code)
{
    const auto c = Currency::fromCode(code);
    return c ? std::optional<Currency>(*c) : std::nullopt;
}

// Exact decimal text for CSV (machine-read): "12.50"; empty when absent.
QString decimal(std::optional<qint64> minor, const QString &code)
{
    if (!minor)
        return {};
    const auto c = currencyOf(code);
    return c ? Money::fromMinor(*minor, *c).toDecimalString() : QString::number(*minor);
}

// Amount for people: "USD 12.50".
QString shown(std::optional<qint64> minor, const QString &code)
{
    if (!minor)
        return {};
    const auto c = currencyOf(code);
    return c ? Money::fromMinor(*minor, *c).toString() : QString::number(*minor);
}

QString utcText(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(u"yyyy-MM-dd HH:mm 'UTC'"_s) : QString();
}

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString reference(const reconcile::ItemRecord &i)
{
    QStringList parts;
    if (!i.transactionId.isEmpty())
        parts << tr("txn %1").arg(i.transactionId);
    if (!i.incrementId.isEmpty())
        parts << tr("order %1").arg(i.incrementId);
    if (!i.batch.isEmpty())
        parts << tr("batch %1").arg(i.batch);
    if (i.settlementLineId)
        parts << tr("line %1").arg(i.settlementLineId);
    return parts.join(u", "_s);
}

// The human title of a class name stored in the database.
QString classTitle(const QString &name)
{
    static const std::map<QString, const char *> titles{
        {u"missing_in_magento"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Missing in Magento")},
        {u"missing_in_paytrace"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Missing in PayTrace")},
        {u"missing_in_settlement"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Missing in settlement")},
        {u"amount_mismatch"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Amount mismatch")},
        {u"currency_mismatch"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Currency mismatch")},
        {u"status_mismatch"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Status mismatch")},
        {u"duplicate_charge"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Duplicate charge")},
        {u"unexpected_batch"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Settled in an unexpected batch")},
        {u"unexplained_fee_or_adjustment"_s, QT_TRANSLATE_NOOP("ReconciliationReport", "Unexplained fee or adjustment")},
    };
    const auto it = titles.find(name);
    return it == titles.end() ? name : tr(it->second);
}

QString resolutionTitle(reconcile::ResolutionKind k)
{
    switch (k) {
    case reconcile::ResolutionKind::Accept: return tr("Accepted");
    case reconcile::ResolutionKind::Link: return tr("Linked by hand");
    case reconcile::ResolutionKind::CreditMemo: return tr("Credit memo created");
    case reconcile::ResolutionKind::Refund: return tr("Refund created");
    case reconcile::ResolutionKind::WriteOff: return tr("Written off");
    }
    return {};
}

QString scopeTitle(const QString &scopeKey)
{
    if (scopeKey.startsWith(u"day:"_s))
        return tr("Batch day %1").arg(scopeKey.mid(4));
    if (scopeKey.startsWith(u"batch:"_s))
        return tr("Batch %1").arg(scopeKey.mid(6));
    if (scopeKey.startsWith(u"range:"_s))
        return tr("Days %1").arg(scopeKey.mid(6).replace(u".."_s, u" – "_s));
    return scopeKey;
}

// The resolution as one sentence with who and when, for the PDF.
QString resolutionText(const reconcile::ItemRecord &i)
{
    if (!i.resolution)
        return {};
    QString s = resolutionTitle(*i.resolution);
    if (*i.resolution == reconcile::ResolutionKind::WriteOff && i.writeOff)
        s += u' ' + tr("%1 to %2").arg(i.writeOff->toString(), i.writeOffAccount);
    if (!i.linkedRef.isEmpty())
        s += u' ' + tr("(%1)").arg(i.linkedRef);
    return s;
}

QString table(const QStringList &headers, const QList<QStringList> &rows, const QList<int> &rightAligned = {})
{
    QString h = u"<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\" border=\"1\" "
                u"style=\"border-collapse: collapse; border-color: #999999;\"><thead><tr>"_s;
    for (qsizetype c = 0; c < headers.size(); ++c)
        h += u"<th bgcolor=\"#e8e8e8\" align=\"%1\">%2</th>"_s.arg(rightAligned.contains(int(c)) ? u"right"_s : u"left"_s,
                                                                  esc(headers[c]));
    h += u"</tr></thead>"_s;
    for (const QStringList &r : rows) {
        h += u"<tr>"_s;
        for (qsizetype c = 0; c < r.size(); ++c)
            h += u"<td align=\"%1\">%2</td>"_s.arg(rightAligned.contains(int(c)) ? u"right"_s : u"left"_s, r[c]);
        h += u"</tr>"_s;
    }
    return h + u"</table>"_s;
}

// One discrepancy or set-aside table: a row of facts, then the explanation and the resolution
// under it, so a long explanation never squeezes the amounts.
QString itemsTable(const QList<const reconcile::ItemRecord *> &items, bool discrepancies)
{
    QString h = u"<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\" border=\"1\" "
                u"style=\"border-collapse: collapse; border-color: #999999;\"><thead><tr>"_s;
    const QStringList headers = discrepancies
        ? QStringList{tr("#"), tr("Class"), tr("Reference"), tr("Expected"), tr("Found"), tr("State")}
        : QStringList{tr("#"), tr("Rule"), tr("Reference"), tr("Expected"), tr("Found"), tr("State")};
    for (qsizetype c = 0; c < headers.size(); ++c)
        h += u"<th bgcolor=\"#e8e8e8\" align=\"%1\">%2</th>"_s.arg(c == 3 || c == 4 ? u"right"_s : u"left"_s,
                                                                  esc(headers[c]));
    h += u"</tr></thead>"_s;
    for (const reconcile::ItemRecord *i : items) {
        const QString state = i->state == u"open"_s ? u"<b>%1</b>"_s.arg(esc(tr("open")))
                              : i->state == u"resolved"_s ? esc(tr("resolved"))
                                                          : esc(tr("set aside"));
        h += u"<tr><td>%1</td><td>%2</td><td>%3</td><td align=\"right\">%4</td><td align=\"right\">%5</td>"
             u"<td>%6</td></tr>"_s
                 .arg(QString::number(i->id),
                      esc(discrepancies ? classTitle(i->cls ? reconcile::className(*i->cls) : QString()) : i->rule),
                      esc(reference(*i)), esc(shown(i->expectedMinor, i->currency)),
                      esc(shown(i->actualMinor, i->currency)), state);
        QString detail = esc(i->explanation);
        if (i->resolution) {
            detail += u"<br/><b>%1</b> %2"_s.arg(esc(tr("Resolution:")), esc(resolutionText(*i)));
            detail += u"<br/>%1"_s.arg(esc(tr("by %1 on %2").arg(i->resolvedBy, utcText(i->resolvedAt))));
        }
        if (!i->note.isEmpty())
            detail += u"<br/><b>%1</b> %2"_s.arg(esc(tr("Note:")), esc(i->note));
        h += u"<tr><td></td><td colspan=\"5\"><span style=\"color: #333333;\">%1</span></td></tr>"_s.arg(detail);
    }
    return h + u"</table>"_s;
}

QString buildHtml(const Data &data, const Request &request, const QDateTime &generatedAt)
{
    const reconcile::RunSummary &run = data.run;
    QString h = u"<html><body>"_s;
    h += u"<h1 style=\"font-size: 16pt;\">%1</h1>"_s.arg(esc(tr("Settlement reconciliation: %1").arg(scopeTitle(run.scope))));
    QStringList facts;
    facts << tr("Profile: %1").arg(request.profileName);
    if (!request.merchant.isEmpty())
        facts << tr("Merchant: %1").arg(request.merchant);
    facts << tr("Reconciled %1 by %2 (run %3, pass %4)")
                 .arg(utcText(run.finishedAt), run.runBy, QString::number(run.runId), QString::number(run.generation));
    facts << tr("Report generated %1").arg(utcText(generatedAt));
    h += u"<p>"_s + esc(facts.join(u'\n')).replace(u"\n"_s, u"<br/>"_s) + u"</p>"_s;
    h += u"<p><b>%1</b></p>"_s.arg(
        esc(run.closed() ? tr("The day is closed: every discrepancy is resolved.")
                         : tr("The day is open: %1 discrepancies are not resolved.").arg(run.open)));

    // Totals per currency.
    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Totals")));
    QList<QStringList> totalRows;
    for (auto it = run.totals.cbegin(); it != run.totals.cend(); ++it) {
        const QString c = it.key();
        totalRows.append({esc(c), esc(shown(it->expected, c)), esc(shown(it->settled, c)),
                          esc(shown(it->settled - it->expected, c)), esc(shown(it->fees, c)),
                          esc(shown(it->deposited, c))});
    }
    h += table({tr("Currency"), tr("Expected (PayTrace)"), tr("Settled"), tr("Settled − expected"),
                tr("Fees and adjustments"), tr("Deposited")},
               totalRows, {1, 2, 3, 4, 5});

    // Counts per bucket and class.
    struct Count { qint64 rows = 0, open = 0, resolved = 0; };
    std::map<QString, Count> byClass, byRule;
    std::map<QString, qint64> resolutions;
    std::map<std::pair<QString, QString>, qint64> writeOffs; // (account, currency) -> minor
    QList<const reconcile::ItemRecord *> discrepancies, setAside;
    for (const auto &i : data.items) {
        if (i.bucket == reconcile::Bucket::SetAside) {
            setAside.append(&i);
            ++byRule[i.rule].rows;
            continue;
        }
        discrepancies.append(&i);
        Count &c = byClass[i.cls ? reconcile::className(*i.cls) : QString()];
        ++c.rows;
        if (i.state == u"open"_s)
            ++c.open;
        else if (i.state == u"resolved"_s)
            ++c.resolved;
        if (i.resolution)
            ++resolutions[resolutionTitle(*i.resolution)];
        if (i.writeOff)
            writeOffs[{i.writeOffAccount, i.currency}] += i.writeOff->minor();
    }
    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Rows by bucket")));
    QList<QStringList> countRows;
    countRows.append({esc(tr("Matched")), QString(), QString::number(run.matched), QString(), QString()});
    for (const auto &[cls, c] : byClass)
        countRows.append({esc(tr("Discrepancy")), esc(classTitle(cls)), QString::number(c.rows), QString::number(c.open),
                          QString::number(c.resolved)});
    for (const auto &[rule, c] : byRule)
        countRows.append({esc(tr("Set aside")), esc(rule), QString::number(c.rows), QString(), QString()});
    countRows.append({u"<b>%1</b>"_s.arg(esc(tr("All rows"))), QString(),
                      u"<b>%1</b>"_s.arg(run.matched + run.discrepancies + run.setAside),
                      u"<b>%1</b>"_s.arg(run.open), QString()});
    h += table({tr("Bucket"), tr("Class or reason"), tr("Rows"), tr("Open"), tr("Resolved")}, countRows, {2, 3, 4});
    h += u"<p>"_s + esc(tr("Inputs read: %1 settlement lines, %2 PayTrace transactions, %3 Magento orders.")
                            .arg(run.linesRead).arg(run.transactionsRead).arg(run.ordersRead))
         + u"</p>"_s;

    // Resolutions.
    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Resolutions")));
    if (resolutions.empty()) {
        h += u"<p>"_s + esc(tr("No discrepancy has been resolved.")) + u"</p>"_s;
    } else {
        QList<QStringList> rows;
        for (const auto &[kind, n] : resolutions)
            rows.append({esc(kind), QString::number(n)});
        h += table({tr("Resolution"), tr("Rows")}, rows, {1});
        if (!writeOffs.empty()) {
            QList<QStringList> wo;
            for (const auto &[key, minor] : writeOffs)
                wo.append({esc(key.first), esc(shown(minor, key.second))});
            h += u"<p></p>"_s + table({tr("Write-off account"), tr("Written off")}, wo, {1});
        }
    }

    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Discrepancies")));
    h += discrepancies.isEmpty() ? u"<p>"_s + esc(tr("None.")) + u"</p>"_s : itemsTable(discrepancies, true);
    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Set aside (not reconcilable in this scope)")));
    h += setAside.isEmpty() ? u"<p>"_s + esc(tr("None.")) + u"</p>"_s : itemsTable(setAside, false);

    // Sign-off: one table so that it is not split over two pages.
    h += u"<h2 style=\"font-size: 12pt;\">%1</h2>"_s.arg(esc(tr("Sign-off")));
    h += u"<table width=\"100%\" cellspacing=\"0\" cellpadding=\"10\" border=\"0\">"_s;
    const QString wide = u"<td style=\"border-bottom: 1px solid #000000;\" width=\"45%\">&nbsp;</td>"_s;
    const QString narrow = u"<td style=\"border-bottom: 1px solid #000000;\" width=\"25%\">&nbsp;</td>"_s;
    for (const QString &who : {tr("Prepared by"), tr("Reviewed by")}) {
        h += u"<tr><td width=\"20%\"><b>%1</b></td>%2<td width=\"10%\">%3</td>%4</tr>"_s.arg(
            esc(who), wide, esc(tr("Date")), narrow);
        h += u"<tr><td>%1</td>%2<td></td><td></td></tr>"_s.arg(esc(tr("Signature")), wide);
    }
    h += u"</table>"_s;
    return h + u"</body></html>"_s;
}

// Draws one line of text left and one right inside `band`.
void drawBand(QPainter &p, const QRectF &band, const QString &left, const QString &right)
{
    p.drawText(band, Qt::AlignLeft | Qt::AlignVCenter, left);
    p.drawText(band, Qt::AlignRight | Qt::AlignVCenter, right);
}

} // namespace

std::optional<Format> formatForPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"pdf"_s)
        return Format::Pdf;
    if (suffix == u"csv"_s)
        return Format::Csv;
    return std::nullopt;
}

QPageSize defaultPageSize(const QLocale &locale)
{
    // Countries whose standard paper is Letter.
    switch (locale.territory()) {
    case QLocale::UnitedStates:
    case QLocale::Canada:
    case QLocale::Mexico:
    case QLocale::PuertoRico:
    case QLocale::Philippines:
    case QLocale::Chile:
    case QLocale::Colombia:
    case QLocale::Venezuela:
    case QLocale::Guatemala:
    case QLocale::CostaRica:
    case QLocale::Panama:
        return QPageSize(QPageSize::Letter);
    default:
        return QPageSize(QPageSize::A4);
    }
}

Result<Data> load(QSqlDatabase &db, const QString &scopeKey)
{
    reconcile::ReconciliationStore store(db);
    PB_TRY(run, store.run(scopeKey));
    if (!run)
        return makeError(u"reconcile.not_found"_s, u"scope"_s,
                         u"no reconciliation of "_s + scopeKey + u" (run paybridge reconcile first)"_s);
    Data data;
    data.run = *run;
    reconcile::ItemFilter filter;
    for (;;) {
        PB_TRY(page, store.items(data.run.runId, filter));
        data.items += page;
        if (page.size() < filter.limit)
            break;
        filter.afterId = page.last().id;
    }
    return data;
}

Status writeCsv(const Data &data, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fileError(path, file.errorString());
    // Column names are stable identifiers for spreadsheets and scripts: not translated.
    QByteArray out = CsvExport::line({u"item_id"_s, u"scope"_s, u"bucket"_s, u"class"_s, u"rule"_s, u"subject"_s,
                                      u"transaction_id"_s, u"increment_id"_s, u"settlement_line_id"_s, u"batch"_s,
                                      u"currency"_s, u"expected"_s, u"found"_s, u"state"_s, u"resolution"_s,
                                      u"note"_s, u"resolved_by"_s, u"resolved_at_utc"_s, u"write_off_account"_s,
                                      u"write_off"_s, u"linked_ref"_s, u"explanation"_s})
                         .toUtf8();
    for (const auto &i : data.items) {
        out += CsvExport::line(
                   {QString::number(i.id), data.run.scope, reconcile::bucketName(i.bucket),
                    i.cls ? reconcile::className(*i.cls) : QString(), i.rule, i.subject, i.transactionId,
                    i.incrementId, i.settlementLineId ? QString::number(i.settlementLineId) : QString(), i.batch,
                    i.currency, decimal(i.expectedMinor, i.currency), decimal(i.actualMinor, i.currency), i.state,
                    i.resolution ? reconcile::resolutionName(*i.resolution) : QString(), i.note, i.resolvedBy,
                    i.resolvedAt.isValid() ? i.resolvedAt.toUTC().toString(Qt::ISODate) : QString(),
                    i.writeOffAccount, i.writeOff ? i.writeOff->toDecimalString() : QString(), i.linkedRef,
                    i.explanation})
                   .toUtf8();
        if (out.size() > (1 << 20)) {
            if (file.write(out) != out.size())
                return fileError(path, file.errorString());
            out.clear();
        }
    }
    if (file.write(out) != out.size() || !file.commit())
        return fileError(path, file.errorString());
    return {};
}

namespace {

// The sign-off block starts a new page when it would otherwise be split over two: a person
// signs both lines on one sheet.
void keepSignOffTogether(QTextDocument &doc, qreal pageHeight)
{
    const QString title = tr("Sign-off");
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
        if (b.text() != title)
            continue;
        const qreal top = doc.documentLayout()->blockBoundingRect(b).top();
        const qreal end = doc.documentLayout()->documentSize().height();
        if (int(top / pageHeight) != int((end - 1) / pageHeight)) {
            QTextBlockFormat f = b.blockFormat();
            f.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
            QTextCursor(b).setBlockFormat(f);
        }
        return;
    }
}

} // namespace

Status writePdf(const Data &data, const Request &request)
{
    const QDateTime generatedAt = request.generatedAt.isValid() ? request.generatedAt.toUTC()
                                                                : QDateTime::currentDateTimeUtc();
    QSaveFile file(request.outputPath);
    if (!file.open(QIODevice::WriteOnly))
        return fileError(request.outputPath, file.errorString());
    {
        QPdfWriter writer(&file);
        constexpr int dpi = 300;
        writer.setResolution(dpi);
        writer.setCreator(u"PayBridge"_s);
        writer.setTitle(tr("Settlement reconciliation: %1").arg(scopeTitle(data.run.scope)));
        // Our own margins: the header and footer are drawn in them.
        writer.setPageLayout(QPageLayout(request.pageSize.isValid() ? request.pageSize : defaultPageSize(QLocale()),
                                         QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        const auto mm = [](qreal v) { return v * dpi / 25.4; };
        const QRectF page(QPointF(0, 0), QSizeF(writer.width(), writer.height()));
        const QRectF body = page.adjusted(mm(16), mm(22), -mm(16), -mm(20));

        QTextDocument doc;
        doc.documentLayout()->setPaintDevice(&writer);
        QFont font(u"DejaVu Sans"_s);
        font.setStyleHint(QFont::SansSerif);
        font.setPointSizeF(8.5);
        doc.setDefaultFont(font);
        doc.setDocumentMargin(0);
        doc.setPageSize(body.size());
        doc.setHtml(buildHtml(data, request, generatedAt));
        keepSignOffTogether(doc, body.height());

        QPainter p;
        if (!p.begin(&writer))
            return fileError(request.outputPath, tr("cannot start the PDF"));
        QFont small = font;
        small.setPointSizeF(7.5);
        const int pages = doc.pageCount();
        const QString header = request.merchant.isEmpty()
            ? tr("Profile %1").arg(request.profileName)
            : tr("%1 · profile %2").arg(request.merchant, request.profileName);
        for (int n = 0; n < pages; ++n) {
            if (n > 0 && !writer.newPage())
                return fileError(request.outputPath, tr("cannot add a page"));
            p.save();
            p.translate(body.left(), body.top() - n * body.height());
            QAbstractTextDocumentLayout::PaintContext ctx;
            ctx.clip = QRectF(0, n * body.height(), body.width(), body.height());
            p.setClipRect(ctx.clip);
            doc.documentLayout()->draw(&p, ctx);
            p.restore();

            p.setFont(small);
            p.setPen(QPen(Qt::black, mm(0.2)));
            const QRectF head(body.left(), mm(8), body.width(), mm(8));
            drawBand(p, head, tr("Settlement reconciliation: %1").arg(scopeTitle(data.run.scope)), header);
            p.drawLine(QPointF(body.left(), head.bottom() + mm(1)), QPointF(body.right(), head.bottom() + mm(1)));
            const QRectF foot(body.left(), page.height() - mm(14), body.width(), mm(8));
            p.drawLine(QPointF(body.left(), foot.top() - mm(1)), QPointF(body.right(), foot.top() - mm(1)));
            drawBand(p, foot, tr("Generated %1 · run %2, pass %3").arg(utcText(generatedAt)).arg(data.run.runId).arg(data.run.generation),
                     tr("Page %1 of %2").arg(n + 1).arg(pages));
        }
        if (!p.end())
            return fileError(request.outputPath, tr("cannot finish the PDF"));
    }
    if (!file.commit())
        return fileError(request.outputPath, file.errorString());
    return {};
}

Status writeReconciliationReport(const Request &request)
{
    // A connection of our own, named per call: SQL connections belong to one thread.
    static QAtomicInteger<quint64> serial;
    const QString name = u"reconciliation-report-%1"_s.arg(serial.fetchAndAddRelaxed(1));
    Result<Data> data = makeError(u"report.read"_s, {}, {});
    {
        auto db = store::Database::openReader(request.storePath, name);
        data = db ? load(db.value(), request.scopeKey) : Result<Data>(db.error());
    }
    store::Database::close(name);
    if (!data)
        return data.error();
    return request.format == Format::Csv ? writeCsv(data.value(), request.outputPath) : writePdf(data.value(), request);
}

QFuture<Status> startReconciliationReport(const Request &request)
{
    return QtConcurrent::run([request] { return writeReconciliationReport(request); });
}

} // namespace pb::ui::report
