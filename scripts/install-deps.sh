#!/usr/bin/env bash
# Installs the Debian 12 packages Pli needs to build, run and test.
# Idempotent: only missing packages are installed; sudo only when not root; never prompts.
set -euo pipefail

core=(
  # build: tesseract crate (bindgen) and leptonica
  pkg-config clang libclang-dev libtesseract-dev libleptonica-dev
  # OCR models: French, English, orientation detection
  tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd
  # tests: independent PDF tools; fonts for the generated letters; strace (durability order)
  poppler-utils fonts-dejavu-core fonts-liberation2 strace
  # the shared registry: PostgreSQL 15 (with unaccent), and pg_virtualenv for throwaway test clusters
  postgresql-15 postgresql-common
  # tests of directory sign-in: each starts its own slapd (never the system's)
  slapd ldap-utils openssl
  # tests of acknowledgements by e-mail: a real SMTP server on loopback (aiosmtpd)
  python3-aiosmtpd
)
desktop=(
  # desktop: Tauri 2 on WebKitGTK, and its end-to-end tests
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libssl-dev
  webkit2gtk-driver xvfb xauth xdg-utils
  # pli serve's browser end-to-end test: Chromium driven headless by chromedriver
  chromium chromium-driver
)
# The window's front end is built with Node.js and npm (the machine's own when present).
command -v npm >/dev/null || desktop+=(nodejs npm)
want=("${core[@]}")
# Without --core, the desktop too (--core: enough for the library, the CLI and their tests).
[ "${1:-}" = "--core" ] || want+=("${desktop[@]}")

missing=()
for p in "${want[@]}"; do
  case "$p" in \#*) continue;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installation des paquets manquants / installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# slapd without a configuration of its own: no system directory is set up nor started.
if printf '%s\n' "${missing[@]}" | grep -qx slapd; then
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
