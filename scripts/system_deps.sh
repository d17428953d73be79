#!/usr/bin/env bash
# The system packages the test suite needs beyond Python (Debian/Ubuntu names):
#   chromium           the browser tests drive /usr/bin/chromium (Playwright cannot fetch its own)
#   fonts-noto-core    Arabic glyphs for Chromium's screenshots and the PDF fallback font
#   gettext            msgfmt/msgmerge: `make messages` compiles the Arabic catalogue
#   poppler-utils      pdftotext/pdftoppm: the PDF tests read the text and render page 1
#   zbar-tools         zbarimg: the ticket and report tests read back the printed QR codes
#   libpango-1.0-0, libpangoft2-1.0-0   WeasyPrint's text layout (every PDF)
#
# Idempotent and quick when everything is present (no apt call at all). When something is
# missing it installs it with apt as root; otherwise it prints the one command to run and fails,
# so `make test` stops before running anything.
#   scripts/system_deps.sh           install what is missing (root), or explain
#   scripts/system_deps.sh --check   only report; exit 1 when something is missing
set -euo pipefail

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

# package:probe — a command on PATH, or a file that the package installs.
requirements=(
  "chromium:cmd:chromium"
  "fonts-noto-core:file:/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"
  "gettext:cmd:msgfmt"
  "poppler-utils:cmd:pdftoppm"
  "poppler-utils:cmd:pdftotext"
  "zbar-tools:cmd:zbarimg"
  "libpango-1.0-0:lib:libpango-1.0.so.0"
  "libpangoft2-1.0-0:lib:libpangoft2-1.0.so.0"
)

has_lib() {
  if command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q "$1"; then
    return 0
  fi
  compgen -G "/usr/lib/*/$1" >/dev/null || compgen -G "/usr/lib/$1" >/dev/null
}

find_missing() {
  missing=()
  for requirement in "${requirements[@]}"; do
    IFS=: read -r package kind probe <<<"$requirement"
    case "$kind" in
      cmd) command -v "$probe" >/dev/null 2>&1 && continue ;;
      file) [ -e "$probe" ] && continue ;;
      lib) has_lib "$probe" && continue ;;
    esac
    [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
  done
}

find_missing
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

command_line="apt-get update && apt-get install -y ${missing[*]}"
if [ "$check_only" -eq 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the system packages the tests need: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    >/dev/null
  find_missing
  if [ ${#missing[@]} -eq 0 ]; then
    exit 0
  fi
  echo "Still missing after apt-get install: ${missing[*]} (is PATH missing /usr/bin?)" >&2
  exit 1
fi

echo "The test suite needs system packages that are missing: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  echo "Install them (Debian/Ubuntu), then run make test again:" >&2
  echo "  $command_line" >&2
else
  echo "Install them as root (Debian/Ubuntu), then run make test again:" >&2
  echo "  sudo sh -c '$command_line'" >&2
fi
exit 1
