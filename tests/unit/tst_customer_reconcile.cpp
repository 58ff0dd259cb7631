// The three-way field comparison of a linked customer (core/customers/fieldreconcile): every
// direction against every pattern of change, plus the base that follows.
#include "customers/fieldreconcile.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::customers;
using mapping::FieldDirection;

Q_DECLARE_METATYPE(pb::mapping::FieldDirection)
Q_DECLARE_METATYPE(pb::customers::FieldAction)

namespace {

const QString kNoBase = u"<none>"_s;

std::optional<QString> baseOf(const QString &text)
{
    return text == kNoBase ? std::nullopt : std::optional<QString>(text);
}

} // namespace

class TestCustomerReconcile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void field_data()
    {
        QTest::addColumn<FieldDirection>("direction");
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("magento");
        QTest::addColumn<QString>("paytrace");
        QTest::addColumn<FieldAction>("action");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("conflict");

        const FieldDirection M = FieldDirection::MagentoWins;
        const FieldDirection P = FieldDirection::PayTraceWins;
        const FieldDirection A = FieldDirection::Ask;
        const FieldAction none = FieldAction::None, toM = FieldAction::WriteMagento, toP = FieldAction::WritePayTrace,
                          adopt = FieldAction::Adopt, ask = FieldAction::AskPerson;
        struct Row
        {
            const char *name;
            FieldDirection d;
            QString base, m, p;
            FieldAction action;
            QString value;
            bool conflict;
        };
        const QList<Row> rows = {
            // Nothing changed: nothing to do, whatever the direction.
            {"unchanged magento", M, u"a"_s, u"a"_s, u"a"_s, none, {}, false},
            {"unchanged paytrace", P, u"a"_s, u"a"_s, u"a"_s, none, {}, false},
            {"unchanged ask", A, u"a"_s, u"a"_s, u"a"_s, none, {}, false},
            // Only Magento changed: it flows to PayTrace; Ask waits.
            {"magento changed, magento wins", M, u"a"_s, u"b"_s, u"a"_s, toP, u"b"_s, false},
            {"magento changed, paytrace wins", P, u"a"_s, u"b"_s, u"a"_s, toP, u"b"_s, false},
            {"magento changed, ask", A, u"a"_s, u"b"_s, u"a"_s, ask, {}, false},
            // Only PayTrace changed: it flows to Magento; Ask waits.
            {"paytrace changed, magento wins", M, u"a"_s, u"a"_s, u"c"_s, toM, u"c"_s, false},
            {"paytrace changed, paytrace wins", P, u"a"_s, u"a"_s, u"c"_s, toM, u"c"_s, false},
            {"paytrace changed, ask", A, u"a"_s, u"a"_s, u"c"_s, ask, {}, false},
            // Both changed alike: the base follows.
            {"same change, magento wins", M, u"a"_s, u"b"_s, u"b"_s, adopt, u"b"_s, false},
            {"same change, paytrace wins", P, u"a"_s, u"b"_s, u"b"_s, adopt, u"b"_s, false},
            {"same change, ask", A, u"a"_s, u"b"_s, u"b"_s, adopt, u"b"_s, false},
            // Both changed differently: a conflict, decided by the direction or by a person.
            {"conflict, magento wins", M, u"a"_s, u"b"_s, u"c"_s, toP, u"b"_s, true},
            {"conflict, paytrace wins", P, u"a"_s, u"b"_s, u"c"_s, toM, u"c"_s, true},
            {"conflict, ask", A, u"a"_s, u"b"_s, u"c"_s, ask, {}, true},
            // A side cleared: never erases the other side.
            {"magento cleared", M, u"a"_s, u""_s, u"a"_s, none, {}, false},
            {"paytrace cleared", P, u"a"_s, u"a"_s, u""_s, none, {}, false},
            {"conflict, winner empty", M, u"a"_s, u""_s, u"c"_s, none, {}, true},
            {"conflict, winner empty, paytrace", P, u"a"_s, u"b"_s, u""_s, none, {}, true},
            // A side filled in where the base was empty: an ordinary change.
            {"magento filled", M, u""_s, u"b"_s, u""_s, toP, u"b"_s, false},
            {"paytrace filled, ask", A, u""_s, u""_s, u"c"_s, ask, {}, false},
            // Linked just now (no base): equal is adopted, an empty side is filled, a difference
            // goes the direction's way or to a person; never a conflict.
            {"first equal", M, kNoBase, u"a"_s, u"a"_s, adopt, u"a"_s, false},
            {"first both empty", A, kNoBase, u""_s, u""_s, adopt, u""_s, false},
            {"first paytrace empty", P, kNoBase, u"a"_s, u""_s, toP, u"a"_s, false},
            {"first magento empty", M, kNoBase, u""_s, u"c"_s, toM, u"c"_s, false},
            {"first magento empty, ask", A, kNoBase, u""_s, u"c"_s, toM, u"c"_s, false},
            {"first differ, magento wins", M, kNoBase, u"b"_s, u"c"_s, toP, u"b"_s, false},
            {"first differ, paytrace wins", P, kNoBase, u"b"_s, u"c"_s, toM, u"c"_s, false},
            {"first differ, ask", A, kNoBase, u"b"_s, u"c"_s, ask, {}, false},
        };
        for (const Row &r : rows)
            QTest::newRow(r.name) << r.d << r.base << r.m << r.p << r.action << r.value << r.conflict;
    }

    void field()
    {
        QFETCH(FieldDirection, direction);
        QFETCH(QString, base);
        QFETCH(QString, magento);
        QFETCH(QString, paytrace);
        QFETCH(FieldAction, action);
        QFETCH(QString, value);
        QFETCH(bool, conflict);
        const FieldDecision d = reconcileField(CustomerField::Phone, direction, baseOf(base), magento, paytrace);
        QCOMPARE(fieldActionName(d.action), fieldActionName(action));
        QCOMPARE(d.value, value);
        QCOMPARE(d.conflict, conflict);
        QCOMPARE(d.field, CustomerField::Phone);
        QCOMPARE(d.magento, magento);
        QCOMPARE(d.paytrace, paytrace);
        QCOMPARE(d.base, base == kNoBase ? QString() : base);
    }

    void dismissedDifferenceStaysQuiet()
    {
        const QList<DismissedDifference> dismissed = {{CustomerField::Name, u"Jane Doe"_s, u"J Doe"_s}};
        // Exactly the dismissed pair: nothing, under any direction.
        for (FieldDirection d : {FieldDirection::MagentoWins, FieldDirection::PayTraceWins, FieldDirection::Ask}) {
            const FieldDecision x =
                reconcileField(CustomerField::Name, d, u"Jane"_s, u"Jane Doe"_s, u"J Doe"_s, dismissed);
            QCOMPARE(x.action, FieldAction::None);
        }
        // A new change on either side is seen again.
        QCOMPARE(reconcileField(CustomerField::Name, FieldDirection::Ask, u"Jane"_s, u"Jane Doe"_s, u"Janet Doe"_s,
                                dismissed)
                     .action,
                 FieldAction::AskPerson);
        // Another field with the same values is not covered.
        QCOMPARE(reconcileField(CustomerField::Email, FieldDirection::Ask, u"Jane"_s, u"Jane Doe"_s, u"J Doe"_s,
                                dismissed)
                     .action,
                 FieldAction::AskPerson);
    }

    void wholeRecordAndNextBase()
    {
        CustomerFieldValues base;
        base.name = u"Jane Doe"_s;
        base.email = u"jane@example.com"_s;
        base.phone = u"+19145550100"_s;
        base.billing = PostalAddress{{}, u"1 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};

        CustomerFieldValues magento = base;
        magento.billing.street = u"2 Elm St"_s; // moved, in Magento
        magento.email = u"jane@new.example"_s;  // new e-mail on both sides
        CustomerFieldValues paytrace = base;
        paytrace.phone = u"+19145550199"_s;     // new phone in PayTrace
        paytrace.email = u"jane@new.example"_s;

        QMap<CustomerField, FieldDirection> directions = mapping::CustomerRules::defaultDirections();
        const QList<FieldDecision> ds = reconcileFields(base, magento, paytrace, directions);
        QCOMPARE(ds.size(), 4);
        QCOMPARE(ds.at(0).field, CustomerField::Name);
        QCOMPARE(ds.at(0).action, FieldAction::None);
        QCOMPARE(ds.at(1).field, CustomerField::Email);
        QCOMPARE(ds.at(1).action, FieldAction::Adopt);
        QCOMPARE(ds.at(2).field, CustomerField::Billing);
        QCOMPARE(ds.at(2).action, FieldAction::WritePayTrace);
        QCOMPARE(ds.at(2).value, magento.value(CustomerField::Billing));
        QVERIFY(ds.at(2).value.contains(u"2 Elm St"_s));
        QCOMPARE(ds.at(3).field, CustomerField::Phone);
        QCOMPARE(ds.at(3).action, FieldAction::WriteMagento);
        QCOMPARE(ds.at(3).value, u"+19145550199"_s);

        // The base moves for the adopted e-mail only: writes move it once both sides hold them.
        const CustomerFieldValues next = nextBase(base, ds);
        QCOMPARE(next.email, u"jane@new.example"_s);
        QCOMPARE(next.value(CustomerField::Billing), base.value(CustomerField::Billing));
        QCOMPARE(next.phone, base.phone);
        QCOMPARE(next.name, base.name);

        // After both writes landed, the next comparison adopts them and then finds nothing.
        CustomerFieldValues landed = magento;
        landed.phone = paytrace.phone;
        const QList<FieldDecision> after = reconcileFields(next, landed, landed, directions);
        for (const FieldDecision &d : after)
            QVERIFY(d.action == FieldAction::Adopt || d.action == FieldAction::None);
        const CustomerFieldValues settled = nextBase(next, after);
        QCOMPARE(settled, landed);
        for (const FieldDecision &d : reconcileFields(settled, landed, landed, directions))
            QCOMPARE(d.action, FieldAction::None);

        // Spacing and case are not changes: the values compared are the normalised ones.
        MagentoCustomerRecord record;
        record.firstname = u" Jane "_s;
        record.lastname = u"Doe"_s;
        record.email = u"JANE@example.com "_s;
        record.phone = u"+1 (914) 555-0100"_s;
        record.billing = PostalAddress{u"Jane Doe"_s, u"1  Oak Ave"_s, {}, u"Purchase"_s, u"ny"_s, u"10577"_s, u"us"_s};
        for (const FieldDecision &d : reconcileFields(base, record.fields(), base, directions))
            QVERIFY2(d.action == FieldAction::None, qPrintable(customerFieldName(d.field)));
    }

    void perFieldDirections()
    {
        CustomerFieldValues base;
        base.name = u"A"_s;
        base.phone = u"1"_s;
        CustomerFieldValues magento = base, paytrace = base;
        magento.name = u"B"_s;
        paytrace.name = u"C"_s;   // conflict on name
        paytrace.phone = u"2"_s;  // one-sided on phone
        QMap<CustomerField, FieldDirection> directions = mapping::CustomerRules::defaultDirections();
        directions[CustomerField::Name] = FieldDirection::PayTraceWins;
        directions[CustomerField::Phone] = FieldDirection::Ask;
        const QList<FieldDecision> ds = reconcileFields(base, magento, paytrace, directions);
        QCOMPARE(ds.at(0).action, FieldAction::WriteMagento);
        QCOMPARE(ds.at(0).value, u"C"_s);
        QVERIFY(ds.at(0).conflict);
        QCOMPARE(ds.at(3).action, FieldAction::AskPerson);
        QVERIFY(!ds.at(3).conflict);
        // No base at all (just linked): a first difference, decided by the direction.
        const QList<FieldDecision> first = reconcileFields(std::nullopt, magento, paytrace, directions);
        QCOMPARE(first.at(0).action, FieldAction::WriteMagento);
        QVERIFY(!first.at(0).conflict);
        QCOMPARE(first.at(3).action, FieldAction::AskPerson);
        QCOMPARE(nextBase(std::nullopt, first).email, QString());
    }
};

QTEST_GUILESS_MAIN(TestCustomerReconcile)
#include "tst_customer_reconcile.moc"
