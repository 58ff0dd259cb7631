#pragma once

#include "mapping/mappingprofile.h"
#include "model/customer.h"

#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace pb::customers {

// What the sync does with one kept-in-step field of a linked pair (docs/customers.md).
enum class FieldAction {
    None,          // nothing to do: unchanged, or a change PayBridge does not write (see below)
    WriteMagento,  // PayTrace's value goes to the Magento customer
    WritePayTrace, // Magento's value goes to the vault profile
    Adopt,         // both sides hold the same new value: only the base moves
    AskPerson,     // a person decides (direction Ask, or a first difference under Ask)
};
QString fieldActionName(FieldAction action); // "none", "write_magento", "write_paytrace", "adopt", "ask"

struct FieldDecision
{
    CustomerField field = CustomerField::Name;
    FieldAction action = FieldAction::None;
    QString base;      // canonical values (CustomerFieldValues::value); base "" when there is none
    QString magento;
    QString paytrace;
    QString value;     // WriteMagento, WritePayTrace, Adopt: the value both sides end with
    // Both sides changed since the base, to different values. Recorded for people even when
    // the direction decided it (then action is a write of the winning side's value).
    bool conflict = false;
};

// A difference a person dismissed ("leave both as they are"): the same pair of values is not
// raised again; a new change on either side is.
struct DismissedDifference
{
    CustomerField field = CustomerField::Name;
    QString magento;
    QString paytrace;
};

// The three-way comparison of one field. `base` is what both sides held at the last sync;
// nullopt for a pair linked just now (no common ancestor yet).
//
//   no base:      equal → adopt; one side empty → the other side's value fills it;
//                 different → the direction's side is written (Ask: a person)
//   with a base:  unchanged → none; only one side changed → written to the other side
//                 (Ask: a person); both changed alike → adopt; both changed differently →
//                 conflict: the direction's side is written (Ask: a person)
//
// An empty value is never written over a non-empty one (a cleared phone in one system is
// not taken as an instruction to erase the other): that field is left alone (None).
FieldDecision reconcileField(CustomerField field, mapping::FieldDirection direction,
                             const std::optional<QString> &base, const QString &magento, const QString &paytrace,
                             const QList<DismissedDifference> &dismissed = {});

// Every field, in kCustomerFields order.
QList<FieldDecision> reconcileFields(const std::optional<CustomerFieldValues> &base,
                                     const CustomerFieldValues &magento, const CustomerFieldValues &paytrace,
                                     const QMap<CustomerField, mapping::FieldDirection> &directions,
                                     const QList<DismissedDifference> &dismissed = {});

// The base to store after the decisions: adopted values move; a written value moves only once
// both sides hold it (the next sync adopts it), so a write that fails is tried again rather
// than forgotten.
CustomerFieldValues nextBase(const std::optional<CustomerFieldValues> &base, const QList<FieldDecision> &decisions);

} // namespace pb::customers
