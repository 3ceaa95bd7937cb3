# Build the Windows installer for Family Support Log (run on a Windows 10/11 x64 PC).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
#
# Needs Python 3.11 x64 (python.org, "py" launcher) and Inno Setup 6.3 or later. Steps: a virtual
# environment in .venv-win with the app and PyInstaller, the one-folder build in packaging\dist,
# smoke tests of the frozen program (PASS/FAIL each), then the installer
# packaging\dist\FamilySupportLog-<version>-setup.exe. Not run on the Linux machine the project is
# developed on: see README.md for what was and was not checked there.
param(
    # A Python 3.11 to make .venv-win with; by default the py launcher's 3.11.
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

$Venv = Join-Path $Root ".venv-win"
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) {
    if ($Python) { & $Python -m venv $Venv } else { py -3.11 -m venv $Venv }
    if ($LASTEXITCODE -ne 0) { throw "Python 3.11 x64 is needed (python.org installer, with the py launcher)." }
}
& $Py -m pip install -qq --upgrade pip
& $Py -m pip install -qq -e ".[build]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$Version = & $Py -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
Write-Host "Building Family Support Log $Version"

$Started = Get-Date
& $Py -m PyInstaller packaging\setting_app.spec --noconfirm --log-level WARN `
    --distpath packaging\dist --workpath packaging\build
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$App = Join-Path $Root "packaging\dist\setting-app"
$Size = (Get-ChildItem $App -Recurse -File | Measure-Object -Property Length -Sum).Sum / 1MB
Write-Host ("PASS  build in {0:N0} s, {1:N0} MB" -f ((Get-Date) - $Started).TotalSeconds, $Size)

# The smoke steps every platform shares (packaging\smoke_test.py; CI runs the same against the
# installed app): version, init in a temporary %LOCALAPPDATA%, the folder's access-control list, an
# entry, a PDF, screenshots offscreen, a wrong passphrase, a windowed FamilySupportLog.exe.
& $Py packaging\smoke_test.py $App --expect-version $Version
if ($LASTEXITCODE -ne 0) { throw "Smoke tests failed: no installer made" }

$Iscc = @(
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $Iscc) { throw "Inno Setup 6 not found: install it from https://jrsoftware.org/isdl.php" }
& $Iscc "/DAppVersion=$Version" packaging\windows\setting_app.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "Installer: packaging\dist\FamilySupportLog-$Version-setup.exe"
