#pragma once

#include "profile/profile.h"

#include <QList>

#include <optional>

namespace pb::profile {

// Connection profiles persisted as JSON, by default <AppConfigLocation>/profiles.json:
//   { "version": 1, "profiles": [ { "name": "Prod", "paytraceUrl": "https://...", ... } ] }
// Writes are atomic (QSaveFile). Every change re-reads the file first, so a profile added by
// `paybridge` on the command line is not lost when the GUI saves, and a file that fails
// validation is reported and never overwritten.
// Synchronous and small; call it off the GUI thread when the GUI needs it.
class ProfileStore
{
public:
    explicit ProfileStore(QString filePath = defaultFilePath());

    static QString defaultFilePath();
    QString filePath() const { return m_path; }

    // Reads the file; a missing file is an empty list. Errors name the field:
    // "profiles[1].paytraceUrl: not an http(s) URL".
    pb::Status load();

    QList<Profile> list() const { return m_profiles; }
    std::optional<Profile> find(const QString &name) const;

    // Refuses invalid profiles and duplicate names ("profile.duplicate"); fills in createdAt
    // (now, UTC) when unset.
    pb::Status add(Profile profile);
    // Replaces the profile with the same name ("profile.not_found" if none); createdAt and
    // createdBy are kept from the stored profile.
    pb::Status update(const Profile &profile);
    pb::Status remove(const QString &name);

private:
    pb::Status save(const QList<Profile> &profiles);

    QString m_path;
    QList<Profile> m_profiles;
};

} // namespace pb::profile
