#pragma once

#include "util/result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QRegularExpression>
#include <QString>
#include <QStringView>

namespace pb::mapping {

// One step of a field transform, as the visual mapping editor builds them. The set is small
// and safe on purpose: every step is validated when it is built, and regular expressions are
// bounded (pattern length, no nested quantifiers, no back-references, a PCRE match limit and a
// capped input length) so a profile cannot hang the sync thread.
class Transform
{
public:
    enum class Op {
        Copy, Uppercase, Lowercase, Trim, Prefix, Suffix, RegexExtract, MapLookup, MoneyFormat,
        StripPrefix, StripSuffix, ZeroPad, DateFormat
    };
    enum class OnMissing { Error, Keep, Default };

    static constexpr qsizetype kMaxPatternLength = 200;
    static constexpr qsizetype kMaxRegexInput = 512;
    static constexpr int kRegexMatchLimit = 100000;
    static constexpr qsizetype kMaxAffixLength = 64;
    static constexpr qsizetype kMaxTableSize = 1000;
    static constexpr int kMaxPadWidth = 32;
    static constexpr qsizetype kMaxDateFormatLength = 64;

    // {"op": "copy" | "uppercase" | "lowercase" | "trim"}
    // {"op": "prefix" | "suffix", "value": "INV-"}
    // {"op": "regexExtract", "pattern": "^INV-(\\d+)$", "group": 1}
    // {"op": "mapLookup", "table": {"a": "b"}, "onMissing": "error" | "keep" | "default", "default": "x"}
    // {"op": "moneyFormat", "currency": "USD", "withCode": false}
    // {"op": "stripPrefix" | "stripSuffix", "value": "#"}  removes the text when present, else keeps the input
    // {"op": "zeroPad", "width": 9}  left-pads a number written without leading zeros ("123") with '0' to
    //                                width 1..32; other values (with letters, or already starting with '0') pass
    // {"op": "dateFormat", "from": "M/d/yyyy", "to": "yyyy-MM-dd"}  Qt date formats, C locale; fails when
    //                                                               the input does not read with "from"
    // `path` prefixes the field of every error, e.g. "linkKey.transforms[0]".
    static Result<Transform> fromJson(const QJsonValue &json, const QString &path = {});

    static Transform simple(Op op); // copy, uppercase, lowercase, trim
    static Result<Transform> affix(Op op, const QString &value); // prefix, suffix, stripPrefix or stripSuffix
    static Result<Transform> zeroPad(int width);
    static Result<Transform> dateFormat(const QString &from, const QString &to);
    static Result<Transform> regexExtract(const QString &pattern, int group = 1);
    static Result<Transform> mapLookup(const QMap<QString, QString> &table, OnMissing onMissing,
                                       const QString &defaultValue = {});
    static Result<Transform> moneyFormat(const QString &currencyCode, bool withCode);

    QJsonObject toJson() const;
    Result<QString> apply(QStringView input) const;

    Op op() const { return m_op; }
    QString value() const { return m_value; } // affix text, pattern, default, currency, dateFormat's "from"
    int width() const { return m_width; }     // zeroPad
    static QString opName(Op op);

    friend bool operator==(const Transform &a, const Transform &b);

private:
    Op m_op = Op::Copy;
    QString m_value;       // prefix/suffix text, regex pattern, default value, currency code
    int m_group = 1;
    QMap<QString, QString> m_table;
    OnMissing m_onMissing = OnMissing::Error;
    bool m_withCode = false;
    int m_width = 0;       // zeroPad
    QString m_to;          // dateFormat's output format (m_value holds "from")
    QRegularExpression m_regex; // compiled once, with the match-limit verb in front
};

// Transforms applied in order; an empty chain copies its input.
class TransformChain
{
public:
    static constexpr qsizetype kMaxSteps = 16;

    static Result<TransformChain> fromJson(const QJsonValue &json, const QString &path);
    QJsonArray toJson() const;
    Result<QString> apply(QStringView input) const;

    void append(const Transform &t) { m_steps.append(t); }
    const QList<Transform> &steps() const { return m_steps; }
    bool isEmpty() const { return m_steps.isEmpty(); }

    friend bool operator==(const TransformChain &a, const TransformChain &b) { return a.m_steps == b.m_steps; }

private:
    QList<Transform> m_steps;
};

// Checks a pattern before it is compiled: length, constructs that can backtrack
// catastrophically (a quantified group that itself holds a quantifier or an alternation),
// back-references, recursion and PCRE verbs. The error's message says what was found.
Status checkRegexSafety(const QString &pattern, const QString &field);

} // namespace pb::mapping
