// PayTrace export times: the per-day cached offset (the fast path of Parser::parseExportTime)
// must give what the careful conversion gives (Parser::localToUtc), every day of three years,
// at the hours around a change of daylight time and at the ends of the day.
#include "paytrace/parser.h"

#include <QTest>

using namespace Qt::StringLiterals;
using pb::paytrace::Parser;

class TestPayTraceTimes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cachedOffsetMatchesTheCarefulConversion();
};

void TestPayTraceTimes::cachedOffsetMatchesTheCarefulConversion()
{
    const QTimeZone zone = Parser::batchTimeZone();
    QVERIFY(zone.isValid());
    const QList<QTime> times{QTime(0, 0, 0), QTime(1, 30, 0), QTime(1, 59, 59), QTime(2, 30, 0), QTime(3, 0, 1),
                             QTime(12, 0, 0), QTime(23, 59, 59)};
    int steadyDays = 0;
    for (QDate d(2025, 1, 1); d <= QDate(2027, 12, 31); d = d.addDays(1)) {
        steadyDays += Parser::steadyOffset(d, zone).has_value() ? 1 : 0;
        for (const QTime &t : times) {
            const int hour12 = t.hour() % 12 == 0 ? 12 : t.hour() % 12;
            const QString text = u"%1/%2/%3 %4:%5:%6 %7"_s.arg(d.month()).arg(d.day()).arg(d.year()).arg(hour12)
                                     .arg(t.minute(), 2, 10, QChar(u'0')).arg(t.second(), 2, 10, QChar(u'0'))
                                     .arg(t.hour() < 12 ? u"AM"_s : u"PM"_s);
            const auto parsed = Parser::parseExportTime(text, u"t"_s);
            QVERIFY2(parsed, qPrintable(text));
            QCOMPARE(parsed->timeSpec(), Qt::UTC);
            QVERIFY2(parsed.value() == Parser::localToUtc(d, t, zone),
                     qPrintable(text + u" → "_s + parsed.value().toString(Qt::ISODate) + u" vs "_s
                                + Parser::localToUtc(d, t, zone).toString(Qt::ISODate)));
        }
    }
    // Two changes a year, each making a few days go the careful way; all others are cached.
    QVERIFY2(steadyDays > 3 * 365 - 40 && steadyDays < 3 * 365, qPrintable(QString::number(steadyDays)));
}

QTEST_GUILESS_MAIN(TestPayTraceTimes)
#include "tst_paytrace_times.moc"
