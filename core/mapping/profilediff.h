#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace pb::mapping {

// One difference between two mapping documents.
struct ProfileChange
{
    QString path;   // "statusMap.approved", "linkKey.transforms[1].width"
    QString before; // compact JSON text; "" when absent
    QString after;  // compact JSON text; "" when absent
    friend bool operator==(const ProfileChange &, const ProfileChange &) = default;
};

// The differences between two JSON documents by key path. Objects are compared key by key
// (keys in alphabetical order), arrays element by element (an array of different length
// reports the extra or missing elements); a value whose JSON type differs is one change.
// A document that does not parse as a JSON object counts as an empty object.
QList<ProfileChange> diffProfiles(const QByteArray &from, const QByteArray &to);

} // namespace pb::mapping
