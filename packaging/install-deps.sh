#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing PayBridge needs.
# Idempotent: when everything is already installed it only checks and returns in a moment.
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config git
    # Qt 6: Core/Network/Sql/Gui/Widgets/Test, Charts (needs the OpenGL dev package on Debian 12),
    # Linguist tools, the platform plugins (xcb, offscreen)
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    qt6-charts-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev
    # SQL drivers: SQLite (local store) and PostgreSQL (team mode)
    libqt6sql6-sqlite libqt6sql6-psql
    # the matcher reads with SQLite's C API (the library the Qt driver loads)
    libsqlite3-dev
    # secrets in the OS keychain
    qtkeychain-qt6-dev gnome-keyring libsecret-tools dbus dbus-x11
    # TLS and card-data encryption
    libssl-dev openssl ca-certificates
    # tests: X server, time zones, real peers and tools the tests drive
    xvfb xauth tzdata fonts-dejavu-core sqlite3 curl hledger postgresql poppler-utils procps
)

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or with sudo) to install them" >&2
    exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
