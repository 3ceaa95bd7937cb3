#!/usr/bin/env bash
# Install (or remove) the frozen Linux build of Family Support Log.
#
#   sudo bash install.sh                 for everyone: /opt/family-support-log, /usr/local/bin, menus
#   bash install.sh --user               for you only: ~/.local/opt/family-support-log, ~/.local/bin
#   bash install.sh --prefix DIR         anywhere (DIR/opt/..., DIR/bin, DIR/share/...)
#   add --uninstall to any of these to remove what it installed (casebooks are never touched)
#
# Run it from an unpacked release (setting-app/ beside linux/) or from the repository after
# packaging/build-linux.sh (it then takes packaging/dist/setting-app). Casebooks live in each user's
# ~/.local/share/setting-app (or $XDG_DATA_HOME/setting-app), not in the installed folder.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
APP_ID=io.github.familysupportlog.FamilySupportLog

prefix=/usr/local
opt=/opt/family-support-log
uninstall=0
while [ $# -gt 0 ]; do
  case $1 in
    --user) prefix=$HOME/.local; opt=$HOME/.local/opt/family-support-log ;;
    --prefix) prefix=$2; opt=$2/opt/family-support-log; shift ;;
    --uninstall) uninstall=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

share=$prefix/share
if [ $uninstall -eq 1 ]; then
  rm -rf "$opt"
  rm -f "$prefix/bin/setting-app" "$share/applications/$APP_ID.desktop" "$share/metainfo/$APP_ID.metainfo.xml"
  rm -f "$share"/icons/hicolor/*/apps/setting-app.png "$share/icons/hicolor/scalable/apps/setting-app.svg"
  echo "Removed Family Support Log from $opt. Casebooks in users' data folders were left alone."
  exit 0
fi

for candidate in "$HERE/../setting-app" "$HERE/../dist/setting-app"; do
  if [ -x "$candidate/setting-app" ]; then app=$(cd "$candidate" && pwd); break; fi
done
if [ -z "${app:-}" ]; then
  echo "install.sh: no built app next to $HERE (run packaging/build-linux.sh first)" >&2
  exit 1
fi
icons=$HERE/../icons
[ -d "$icons" ] || icons=$HERE/icons

mkdir -p "$opt" "$prefix/bin" "$share/applications" "$share/metainfo"
rm -rf "$opt.new"
cp -a "$app" "$opt.new"
rm -rf "$opt"
mv "$opt.new" "$opt"
ln -sfn "$opt/setting-app" "$prefix/bin/setting-app"
sed "s|^Exec=setting-app|Exec=$opt/setting-app|" "$HERE/$APP_ID.desktop" >"$share/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$share/metainfo/"
for png in "$icons"/hicolor/*/apps/setting-app.png; do
  size=$(basename "$(dirname "$(dirname "$png")")")
  mkdir -p "$share/icons/hicolor/$size/apps"
  cp "$png" "$share/icons/hicolor/$size/apps/"
done
if [ -f "$app/_internal/resources/icon.svg" ]; then
  mkdir -p "$share/icons/hicolor/scalable/apps"
  cp "$app/_internal/resources/icon.svg" "$share/icons/hicolor/scalable/apps/setting-app.svg"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
echo "Installed Family Support Log $("$opt/setting-app" --version | cut -d' ' -f2) in $opt"
echo "Start it from the applications menu, or run: $prefix/bin/setting-app"
