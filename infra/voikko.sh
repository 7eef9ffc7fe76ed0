#!/usr/bin/env bash
# Finnish morphology for tagging and search: Voikko (Debian's libvoikko1 + voikko-fi; the Python
# binding `libvoikko` comes from PyPI with euradar). Installs the two Debian packages when they
# are missing and we are root with apt-get; otherwise says what Finnish loses. Never fails the
# caller: without Voikko, Finnish falls back to a stemmer. Called by run.sh and test.sh.
set -uo pipefail

voikko_installed() {
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}\n' libvoikko1 voikko-fi 2>/dev/null | grep -c "install ok installed" | grep -qx 2
  else
    ldconfig -p 2>/dev/null | grep -q 'libvoikko\.so\.1'
  fi
}

if voikko_installed; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Finnish morphology (Debian packages libvoikko1 voikko-fi) ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvoikko1 voikko-fi >/dev/null) \
    || echo "!! could not install libvoikko1 voikko-fi: Finnish falls back to a stemmer (poorer search and tagging)" >&2
else
  echo "!! libvoikko1 and voikko-fi are not installed (needs root and apt-get): Finnish falls back to a stemmer; install them for full Finnish search and tagging" >&2
fi
exit 0
