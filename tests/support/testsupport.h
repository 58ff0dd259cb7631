#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

namespace pb::test {

// ../shared (the read-only API notes and recordings beside the repository).
QString sharedDir();
// A recorded body from ../shared/api/recordings/<relativePath>; fails the test when missing.
QByteArray recording(const QString &relativePath);
// The repository root.
QString sourceDir();

// Points HOME and the XDG data/config/cache/state locations at a fresh temporary directory for
// the lifetime of the object, so a test never touches the user's real profiles or data.
class IsolatedHome
{
public:
    IsolatedHome();
    ~IsolatedHome();
    QString path() const { return m_dir.path(); }
    bool isValid() const { return m_dir.isValid(); }

private:
    QTemporaryDir m_dir;
};

} // namespace pb::test
