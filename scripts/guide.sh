#!/usr/bin/env bash
# The visual guide, regenerated from the running product: every guide journey runs in headless
# Chromium against a freshly loaded demo database (tests/browser/test_guide_journeys.py) and
# saves a picture per step, in Arabic and English; then both PDF editions are written.
# The pictures and PDFs land in src/rukhsa/guide/static/guide/; commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

if [ ! -x "${RUKHSA_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q chromium fonts-noto-core >/dev/null
  else
    echo "Chromium is needed for the guide's pictures: sudo apt-get install chromium fonts-noto-core" >&2
    exit 1
  fi
fi

folder=src/rukhsa/guide/static/guide
echo "== Pictures (phone width, Arabic and English) =="
rm -rf "$folder/ar" "$folder/en"  # no picture of a step that is gone survives
RUKHSA_GUIDE=capture .venv/bin/pytest tests/browser/test_guide_journeys.py -q
echo "== PDF editions =="
# The committed editions point at the public address (GUIDE_SITE_URL), never at this machine: a
# deployment rebuilds them for its own SITE_URL (docs/deploy.md).
SITE_URL="${GUIDE_SITE_URL:-https://rukhsa.example.sa}" DEBUG=1 .venv/bin/python manage.py guide_pdf
du -sh "$folder"
