#include "erp/ledgerfilesink.h"

#include <QHash>
#include <QRegularExpression>


#include <utility>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

constexpr qsizetype kMaxReportedErrors = 20;

Error sinkError(const QString &code, const QString &field, const QString &message)
{
    return makeError(code, field, message);
}

struct Amount
{
    std::optional<Money> money;
    QString error;
};

// "USD -110.00", "USD-110.00", "-110.00 USD", "-USD 110.00": an ISO code and a plain decimal.
Amount parseAmount(const QString &text)
{
    static const QRegularExpression codeFirst(u"^(-?)([A-Z]{3})\\s*([-+]?)(\\d+(?:\\.\\d+)?)$"_s);
    static const QRegularExpression numberFirst(u"^([-+]?)(\\d+(?:\\.\\d+)?)\\s*([A-Z]{3})$"_s);
    QString sign, code, digits;
    if (const auto m = codeFirst.match(text); m.hasMatch()) {
        if (!m.captured(1).isEmpty() && !m.captured(3).isEmpty())
            return {std::nullopt, u"two signs in '%1'"_s.arg(text)};
        sign = m.captured(1).isEmpty() ? m.captured(3) : m.captured(1);
        code = m.captured(2);
        digits = m.captured(4);
    } else if (const auto n = numberFirst.match(text); n.hasMatch()) {
        sign = n.captured(1);
        digits = n.captured(2);
        code = n.captured(3);
    } else {
        return {std::nullopt, u"'%1' is not an amount PayBridge reads (ISO code and a plain decimal such as "
                              "\"USD -110.00\"; no prices, assertions or thousands separators)"_s.arg(text)};
    }
    const auto currency = Currency::fromCode(code);
    if (!currency)
        return {std::nullopt, u"'%1' is not a known ISO 4217 currency"_s.arg(code)};
    Result<Money> m = Money::parse(sign == u"-"_s ? u'-' + digits : digits, *currency);
    if (!m)
        return {std::nullopt, m.error().message};
    return {*m, {}};
}

QString refTag(QStringView comment)
{
    static const QRegularExpression re(u"(?:^|[\\s,])ref:([^,]*)"_s);
    const auto m = re.match(comment);
    return m.hasMatch() ? m.captured(1).trimmed() : QString();
}

// The transaction being read and where it started.
struct Pending
{
    JournalEntry entry;
    int line = 0;
    QList<int> elided; // indexes of postings written without an amount
    QList<int> postingLines;
};

class Parser
{
public:
    void line(int number, QString text);
    Result<QList<JournalEntry>> finish();
    // Names of the `account` directives, in file order.
    const QStringList &declaredAccounts() const { return m_declared; }

private:
    void closeTransaction();
    void fail(int line, const QString &message) { m_errors.append({line, message}); }

    QList<JournalEntry> m_entries;
    QHash<QString, int> m_refLines;
    std::optional<Pending> m_txn;
    bool m_inDirective = false; // indented sub-directives of account/commodity are allowed
    bool m_inCommentBlock = false;
    QList<std::pair<int, QString>> m_errors;
    QStringList m_declared;
};

void Parser::line(int number, QString text)
{
    if (text.endsWith(u'\r'))
        text.chop(1);
    if (m_inCommentBlock) {
        if (text.trimmed() == "end comment"_L1)
            m_inCommentBlock = false;
        return;
    }
    if (text.trimmed().isEmpty()) {
        closeTransaction();
        m_inDirective = false;
        return;
    }
    const QChar first = text.at(0);
    if (first == u' ' || first == u'\t') {
        const QString body = text.trimmed();
        if (m_inDirective && !m_txn)
            return;
        if (!m_txn) {
            if (body.startsWith(u';') || body.startsWith(u'#'))
                return; // an indented comment between transactions
            fail(number, u"an indented line outside a transaction"_s);
            return;
        }
        if (body.startsWith(u';')) {
            // A comment line before the first posting belongs to the transaction (tags too).
            if (m_txn->entry.postings.isEmpty() && m_txn->entry.externalRef.isEmpty())
                m_txn->entry.externalRef = refTag(QStringView(body).mid(1));
            else if (!m_txn->entry.postings.isEmpty())
                m_txn->entry.postings.last().memo += u' ' + body.mid(1).trimmed();
            return;
        }
        QString rest = body;
        if (rest.startsWith(u'*') || rest.startsWith(u'!'))
            rest = rest.mid(1).trimmed();
        qsizetype split = -1;
        for (qsizetype i = 0; i < rest.size(); ++i) {
            if (rest.at(i) == u'\t' || (rest.at(i) == u' ' && i + 1 < rest.size() && rest.at(i + 1) == u' ')) {
                split = i;
                break;
            }
        }
        Posting p;
        p.account = (split < 0 ? rest : rest.left(split)).trimmed();
        QString tail = split < 0 ? QString() : rest.mid(split).trimmed();
        if (p.account.startsWith(u'(') || p.account.startsWith(u'[')) {
            fail(number, u"virtual postings ('%1') are not supported"_s.arg(p.account));
            return;
        }
        if (const qsizetype semi = tail.indexOf(u';'); semi >= 0) {
            p.memo = tail.mid(semi + 1).trimmed();
            tail = tail.left(semi).trimmed();
        }
        if (tail.isEmpty()) {
            m_txn->elided.append(int(m_txn->entry.postings.size()));
        } else {
            const Amount a = parseAmount(tail);
            if (!a.money) {
                fail(number, a.error);
                return;
            }
            p.amount = *a.money;
        }
        m_txn->entry.postings.append(p);
        m_txn->postingLines.append(number);
        return;
    }

    closeTransaction();
    m_inDirective = false;
    if (first == u';' || first == u'#' || first == u'*')
        return; // a top-level comment line
    if (first.isDigit()) {
        static const QRegularExpression header(
            u"^(\\d{4})([-/.])(\\d{1,2})\\2(\\d{1,2})(?:=[0-9/.-]+)?(?:[ \\t]+(.*))?$"_s);
        const auto m = header.match(text);
        const QDate date = m.hasMatch() ? QDate(m.captured(1).toInt(), m.captured(3).toInt(), m.captured(4).toInt())
                                        : QDate();
        if (!date.isValid()) {
            fail(number, u"'%1' does not start with a valid date (YYYY-MM-DD)"_s.arg(text.left(40)));
            return;
        }
        QString rest = m.captured(5).trimmed();
        if (rest.startsWith(u'*') || rest.startsWith(u'!'))
            rest = rest.mid(1).trimmed();
        if (rest.startsWith(u'(')) {
            const qsizetype close = rest.indexOf(u')');
            rest = close < 0 ? rest : rest.mid(close + 1).trimmed();
        }
        Pending t;
        t.line = number;
        t.entry.date = date;
        const qsizetype semi = rest.indexOf(u';');
        t.entry.description = (semi < 0 ? rest : rest.left(semi)).trimmed();
        if (semi >= 0)
            t.entry.externalRef = refTag(QStringView(rest).mid(semi + 1));
        m_txn = t;
        return;
    }
    const QString keyword = text.section(u' ', 0, 0).section(u'\t', 0, 0);
    if (keyword == "decimal-mark"_L1) {
        if (text.mid(keyword.size()).trimmed() != "."_L1)
            fail(number, u"only \"decimal-mark .\" is supported"_s);
        return;
    }
    if (keyword == "account"_L1) {
        // "account NAME  ; comment": the name ends where a posting's account would (two spaces,
        // a tab) or at a comment.
        QString name = text.mid(keyword.size()).trimmed();
        for (qsizetype i = 0; i < name.size(); ++i) {
            if (name.at(i) == u'\t' || name.at(i) == u';' || (name.at(i) == u' ' && i + 1 < name.size() && name.at(i + 1) == u' ')) {
                name.truncate(i);
                break;
            }
        }
        name = name.trimmed();
        if (!name.isEmpty() && !m_declared.contains(name))
            m_declared.append(name);
    }
    if (keyword == "account"_L1 || keyword == "commodity"_L1 || keyword == "payee"_L1 || keyword == "tag"_L1
        || keyword == "P"_L1) {
        m_inDirective = true; // declarations: no postings, no references
        return;
    }
    if (keyword == "comment"_L1) {
        m_inCommentBlock = true;
        return;
    }
    fail(number, u"'%1' is not something PayBridge reads (transactions, comments and account, commodity, "
                  "payee, tag, P and decimal-mark directives only)"_s.arg(text.left(40)));
}

void Parser::closeTransaction()
{
    if (!m_txn)
        return;
    Pending t = std::move(*m_txn);
    m_txn.reset();
    JournalEntry &e = t.entry;
    if (e.postings.size() < 2) {
        fail(t.line, u"a transaction needs at least two postings"_s);
        return;
    }
    // Sums per currency of the postings with amounts.
    QMap<QString, Money> sums;
    for (const Posting &p : std::as_const(e.postings)) {
        if (!p.amount.isValid())
            continue;
        Result<Money> next = sums.value(p.amount.currency().code(), Money::zero(p.amount.currency())).plus(p.amount);
        if (!next) {
            fail(t.line, next.error().message);
            return;
        }
        sums.insert(p.amount.currency().code(), *next);
    }
    if (t.elided.size() > 1) {
        fail(t.postingLines.at(t.elided.at(1)), u"more than one posting without an amount"_s);
        return;
    }
    if (t.elided.size() == 1) {
        // ledger infers the one missing amount; PayBridge does so only for one currency.
        if (sums.size() != 1) {
            fail(t.postingLines.at(t.elided.first()), u"cannot infer the missing amount of a multi-currency transaction"_s);
            return;
        }
        e.postings[t.elided.first()].amount = sums.first().negated();
        sums.clear();
    }
    for (auto it = sums.begin(); it != sums.end(); ++it) {
        if (!it.value().isZero()) {
            fail(t.line, u"the transaction does not balance (off by %1)"_s.arg(it.value().toString()));
            return;
        }
    }
    if (!e.externalRef.isEmpty()) {
        if (Status s = validateExternalRef(e.externalRef); !s) {
            fail(t.line, s.error().message);
            return;
        }
        if (const auto prev = m_refLines.constFind(e.externalRef); prev != m_refLines.constEnd()) {
            fail(t.line, u"reference %1 is also on line %2"_s.arg(e.externalRef).arg(prev.value()));
            return;
        }
        m_refLines.insert(e.externalRef, t.line);
    }
    m_entries.append(e);
}

Result<QList<JournalEntry>> Parser::finish()
{
    closeTransaction();
    if (m_inCommentBlock)
        fail(0, u"a \"comment\" block is not closed with \"end comment\""_s);
    if (m_errors.isEmpty())
        return m_entries;
    QStringList parts;
    for (qsizetype i = 0; i < m_errors.size() && i < kMaxReportedErrors; ++i)
        parts.append(u"line %1: %2"_s.arg(m_errors.at(i).first).arg(m_errors.at(i).second));
    if (m_errors.size() > kMaxReportedErrors)
        parts.append(u"and %1 more"_s.arg(m_errors.size() - kMaxReportedErrors));
    return sinkError(u"erp.ledger.parse"_s, u"line %1"_s.arg(m_errors.first().first), parts.join(u"; "_s));
}

} // namespace

LedgerFileSink::LedgerFileSink(QString path) : FileJournal(std::move(path), u"erp.ledger"_s, u"journal"_s) {}

QByteArray LedgerFileSink::newFileBytes() const
{
    return QByteArrayLiteral("; PayBridge journal (ledger/hledger format). Each entry carries its reference as\n"
                             "; the tag ref:<reference>; PayBridge never posts a reference twice.\n"
                             "decimal-mark .\n");
}

QByteArray LedgerFileSink::entryBytes(const JournalEntry &entry) const
{
    return '\n' + format(entry).toUtf8(); // a blank line between entries
}

QString LedgerFileSink::format(const JournalEntry &e)
{
    qsizetype width = 0;
    for (const Posting &p : e.postings)
        width = std::max(width, p.account.size());
    QString out = e.date.toString(Qt::ISODate) + u' ' + e.description + u"  ; ref:"_s + e.externalRef + u'\n';
    for (const Posting &p : e.postings) {
        out += u"    "_s + p.account + QString(width - p.account.size() + 4, u' ') + p.amount.currency().code() + u' '
            + p.amount.toDecimalString();
        if (!p.memo.isEmpty())
            out += u"  ; "_s + p.memo;
        out += u'\n';
    }
    return out;
}

Result<QStringList> LedgerFileSink::accountNames(const QByteArray &text)
{
    Parser parser;
    const QStringList lines = QString::fromUtf8(text).split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i)
        parser.line(int(i + 1), lines.at(i));
    PB_TRY(entries, parser.finish());
    QStringList out = parser.declaredAccounts();
    for (const JournalEntry &e : std::as_const(entries)) {
        for (const Posting &p : e.postings) {
            if (!out.contains(p.account))
                out.append(p.account);
        }
    }
    return out;
}

Result<QList<JournalEntry>> LedgerFileSink::parse(const QByteArray &text)
{
    Parser parser;
    const QStringList lines = QString::fromUtf8(text).split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i)
        parser.line(int(i + 1), lines.at(i));
    return parser.finish();
}

} // namespace pb::erp
