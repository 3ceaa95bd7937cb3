#!/usr/bin/env bash
# Build the one-folder Linux app with PyInstaller, then smoke-test the frozen programs.
#
#   bash packaging/build-linux.sh              build, then test
#   bash packaging/build-linux.sh --test-only  test the build already in packaging/dist
#   add --tarball to either to pack a release archive once every test has passed
#
# The smoke steps are packaging/smoke_test.py's, shared with Windows and macOS; only install.sh is
# tested here. Output: packaging/dist/setting-app/ (gitignored), holding setting-app, FamilySupportLog and
# _internal/; with --tarball also packaging/dist/family-support-log-VERSION-linux-ARCH.tar.gz
# (the app folder, linux/install.sh, the .desktop file, AppStream metadata and icons). Every smoke step prints PASS or FAIL; the script exits 1 if any step failed.
# The frozen programs run with a cleared environment (env -i), from a temporary folder, so nothing
# from the source tree or the virtual environment can stand in for what the bundle lacks.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
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
    "$PY" -m pip install -qq -e "${ROOT}[build]"
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

# The steps every platform shares (version, init in the default data folder, its 0700 folder, an
# entry, a PDF, DOCX, a transfer key, screenshots offscreen, a wrong passphrase, no display):
# packaging/smoke_test.py, which the Windows CI job runs against the installed app too.
"$PY" "$ROOT/packaging/smoke_test.py" "$APP" --expect-version "$VERSION" |
  grep -vE '^(All smoke tests passed|[0-9]+ smoke test)' | tee "$TMP/smoke.log"
failures=$(grep -c '^FAIL' "$TMP/smoke.log")

# Linux only: install into a temporary prefix, start through the symlink the menus use, uninstall.
DATA=$TMP/casebook
PASSPHRASE="smoke test passphrase $(date +%s)"
frozen() {
  (cd "$TMP" && env -i HOME="$TMP/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    SETTING_APP_DATA_DIR="$DATA" SETTING_APP_USER=manager SETTING_APP_PASSPHRASE="$PASSPHRASE" \
    "$@")
}
mkdir -p "$TMP/home"
frozen "$APP/setting-app" init --setting-name "Smoke Test Nursery" --urn EY000001 --nation england \
  --la-code E09000019 --la-name Islington --manager manager --manager-name "Smoke Manager" >"$TMP/install.log" 2>&1
APP_ID=io.github.familysupportlog.FamilySupportLog
prefix=$TMP/prefix
if bash "$ROOT/packaging/linux/install.sh" --prefix "$prefix" >>"$TMP/install.log" 2>&1 &&
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

if [ "$failures" -ne 0 ]; then
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
