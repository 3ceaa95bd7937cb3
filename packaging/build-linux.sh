#!/usr/bin/env bash
# Build the one-folder Linux app with PyInstaller, then smoke-test the frozen programs.
#
#   bash packaging/build-linux.sh              build, then test
#   bash packaging/build-linux.sh --test-only  test the build already in packaging/dist
#   add --tarball to either to pack a release archive once every test has passed
#
# Output: packaging/dist/setting-app/ (gitignored), holding setting-app, FamilySupportLog and
# _internal/; with --tarball also packaging/dist/family-support-log-VERSION-linux-ARCH.tar.gz
# (the app folder, linux/install.sh, the .desktop file, AppStream metadata and icons). Every smoke step prints PASS or FAIL; the script exits 1 if any step failed.
# The frozen programs run with a cleared environment (env -i), from a temporary folder, so nothing
# from the source tree or the virtual environment can stand in for what the bundle lacks.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
DIST=$ROOT/packaging/dist
WORK=$ROOT/packaging/build
APP=$DIST/setting-app

if [ ! -x "$PY" ]; then
  echo "No Python at $PY: run 'bash .ci/setup' first (or set PYTHON)." >&2
  exit 1
fi

build=1
tarball=0
for arg in "$@"; do
  case $arg in
    --test-only) build=0 ;;
    --tarball) tarball=1 ;;
    *) echo "build-linux.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ $build -eq 1 ]; then
  if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "Installing PyInstaller (the 'build' extra) into the virtual environment"
    "$PY" -m pip install -q -e "$ROOT[build]" 2>&1 | grep -v '^WARNING: Location' || true
  fi
  echo "Building with PyInstaller $("$PY" -m PyInstaller --version) ..."
  mkdir -p "$WORK"
  LOG=$WORK/pyinstaller.log
  started=$(date +%s)
  if ! "$PY" -m PyInstaller "$ROOT/packaging/setting_app.spec" --noconfirm --log-level WARN \
      --distpath "$DIST" --workpath "$WORK" >"$LOG" 2>&1; then
    tail -30 "$LOG" >&2
    echo "FAIL  build (full log: $LOG)"
    exit 1
  fi
  echo "PASS  build in $(($(date +%s) - started)) s (log: $LOG)"
fi

if [ ! -x "$APP/setting-app" ]; then
  echo "FAIL  no build at $APP"
  exit 1
fi
echo "      size: $(du -sh "$APP" | cut -f1) in $(find "$APP" -type f | wc -l) files ($APP)"

VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('$ROOT/pyproject.toml', 'rb'))['project']['version'])")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DATA=$TMP/casebook
PASSPHRASE="smoke test passphrase $(date +%s)"
failures=0

# Runs the frozen program with only the environment it needs, in the temporary folder.
frozen() {
  (cd "$TMP" && env -i HOME="$TMP/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    SETTING_APP_DATA_DIR="$DATA" SETTING_APP_USER=manager SETTING_APP_PASSPHRASE="$PASSPHRASE" \
    "$@")
}

# step NAME EXPECTED_TEXT COMMAND...: PASS when the command exits 0 and its output holds the text.
step() {
  local name=$1 expect=$2
  shift 2
  local out code
  out=$(frozen "$@" 2>&1)
  code=$?
  if [ $code -eq 0 ] && grep -qF -- "$expect" <<<"$out"; then
    echo "PASS  $name"
  else
    echo "FAIL  $name (exit $code; wanted '$expect')"
    sed 's/^/        /' <<<"$out" | tail -15
    failures=$((failures + 1))
  fi
}

mkdir -p "$TMP/home"
step "--version prints $VERSION" "setting-app $VERSION" "$APP/setting-app" --version
step "FamilySupportLog --version" "setting-app $VERSION" "$APP/FamilySupportLog" --version
step "init a casebook in a temporary folder" "RECOVERY CODE" \
  "$APP/setting-app" init --setting-name "Smoke Test Nursery" --urn EY000001 --nation england \
  --la-code E09000019 --la-name Islington --manager manager --manager-name "Smoke Manager"
step "check the casebook" "The casebook is intact" "$APP/setting-app" check
step "add a family" "FAM-" "$APP/setting-app" family add --carer "Alex Example" --child "Sam Example:2023-05-01"
step "log support" "" "$APP/setting-app" log add --family FAM-0001 --domain family_wellbeing --minutes 15 \
  --note "Smoke test entry"
month=$(date +%Y-%m)
step "monthly summary PDF" "Saved the monthly summary" \
  "$APP/setting-app" report monthly --month "$month" --out "$TMP/summary.pdf"
if command -v pdfinfo >/dev/null; then
  if pdfinfo "$TMP/summary.pdf" >/dev/null 2>&1; then
    echo "PASS  the PDF opens in pdfinfo ($(pdfinfo "$TMP/summary.pdf" | awk '/^Pages/ {print $2}') page(s))"
  else
    echo "FAIL  the PDF does not open in pdfinfo"
    failures=$((failures + 1))
  fi
fi
# Partnership working: python-docx's own Word template must be inside the frozen app.
step "agreement template as DOCX" "Wrote" "$APP/setting-app" agreement template --out "$TMP/agreement.docx"
step "agreement template as PDF" "Wrote" "$APP/setting-app" agreement template --out "$TMP/agreement.pdf"
step "transfer key file" "Transfer key fingerprint" "$APP/setting-app" transfer keys --out "$TMP/transfer-key.json"
step "gui --screenshots offscreen" "Saved" "$APP/setting-app" gui --screenshots "$TMP/shots"
shots=$(find "$TMP/shots" -name '*.png' -size +1k 2>/dev/null | wc -l)
if [ "$shots" -ge 3 ]; then
  echo "PASS  $shots screenshots written"
else
  echo "FAIL  only $shots screenshots written"
  failures=$((failures + 1))
fi
# A wrong passphrase must fail with one plain line (exit 1), never a Python traceback.
out=$(frozen env SETTING_APP_PASSPHRASE="not the passphrase" "$APP/setting-app" check 2>&1)
code=$?
if [ $code -eq 1 ] && ! grep -q Traceback <<<"$out" && [ "$(wc -l <<<"$out")" -eq 1 ]; then
  echo "PASS  a wrong passphrase is refused in plain words: $out"
else
  echo "FAIL  a wrong passphrase (exit $code):"
  sed 's/^/        /' <<<"$out" | tail -15
  failures=$((failures + 1))
fi

# Install into a temporary prefix, start through the symlink the menus use, then uninstall.
APP_ID=io.github.familysupportlog.FamilySupportLog
prefix=$TMP/prefix
if bash "$ROOT/packaging/linux/install.sh" --prefix "$prefix" >"$TMP/install.log" 2>&1 &&
   [ -f "$prefix/share/applications/$APP_ID.desktop" ] &&
   [ -f "$prefix/share/icons/hicolor/48x48/apps/setting-app.png" ] &&
   frozen "$prefix/bin/setting-app" --version | grep -qF "setting-app $VERSION" &&
   frozen "$prefix/bin/setting-app" check | grep -qF "intact" &&
   bash "$ROOT/packaging/linux/install.sh" --prefix "$prefix" --uninstall >>"$TMP/install.log" 2>&1 &&
   [ ! -e "$prefix/bin/setting-app" ] && [ -f "$DATA/casebook.db" ]; then
  echo "PASS  install.sh into a prefix, run through its symlink, uninstall (casebook kept)"
else
  echo "FAIL  install.sh:"
  sed 's/^/        /' "$TMP/install.log" | tail -15
  failures=$((failures + 1))
fi

if [ $failures -ne 0 ]; then
  echo "$failures smoke test(s) failed."
  exit 1
fi
echo "All smoke tests passed."
if [ $tarball -eq 1 ]; then
  archive=$DIST/family-support-log-$VERSION-linux-$(uname -m).tar.gz
  stage=$TMP/stage/family-support-log-$VERSION
  mkdir -p "$stage"
  cp -a "$APP" "$ROOT/packaging/linux" "$ROOT/packaging/icons" "$stage/"
  tar -C "$TMP/stage" -czf "$archive" "family-support-log-$VERSION"
  echo "Packed $archive ($(du -h "$archive" | cut -f1))"
fi
exit 0
