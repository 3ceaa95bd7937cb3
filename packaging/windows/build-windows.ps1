# Build the Windows installer for Family Support Log (run on a Windows 10/11 x64 PC).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
#
# Needs Python 3.11 x64 (python.org, "py" launcher) and Inno Setup 6.3 or later. Steps: a virtual
# environment in .venv-win with the app and PyInstaller, the one-folder build in packaging\dist,
# smoke tests of the frozen program (PASS/FAIL each), then the installer
# packaging\dist\FamilySupportLog-<version>-setup.exe. Not run on the Linux machine the project is
# developed on: see README.md for what was and was not checked there.
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

$Venv = Join-Path $Root ".venv-win"
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) {
    py -3.11 -m venv $Venv
    if ($LASTEXITCODE -ne 0) { throw "Python 3.11 x64 is needed (python.org installer, with the py launcher)." }
}
& $Py -m pip install --quiet --upgrade pip
& $Py -m pip install --quiet -e ".[build]"
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

# Smoke tests on a temporary data folder; the passphrase comes from the environment, as in scripts.
$Failures = 0
$Tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("fsl-smoke-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $Tmp | Out-Null
$env:SETTING_APP_DATA_DIR = Join-Path $Tmp "casebook"
$env:SETTING_APP_USER = "manager"
$env:SETTING_APP_PASSPHRASE = "smoke test passphrase " + (Get-Random)
$env:QT_QPA_PLATFORM = "offscreen"
$Cli = Join-Path $App "setting-app.exe"

function Step([string]$Name, [string]$Expect, [string[]]$Arguments) {
    # Qt writes notices on stderr; Windows PowerShell 5.1 would turn them into errors under "Stop".
    $ErrorActionPreference = "Continue"
    $Output = & $Cli @Arguments 2>&1 | Out-String
    if ($LASTEXITCODE -eq 0 -and $Output.Contains($Expect)) {
        Write-Host "PASS  $Name"
    } else {
        Write-Host "FAIL  $Name (exit $LASTEXITCODE)"
        Write-Host $Output
        $script:Failures += 1
    }
}

Step "--version prints $Version" "setting-app $Version" @("--version")
Step "init a casebook" "RECOVERY CODE" @("init", "--setting-name", "Smoke Test Nursery", "--urn", "EY000001",
    "--nation", "england", "--la-code", "E09000019", "--manager", "manager")
Step "check the casebook" "The casebook is intact" @("check")
Step "monthly summary PDF" "Saved the monthly summary" @("report", "monthly", "--month",
    (Get-Date -Format "yyyy-MM"), "--out", (Join-Path $Tmp "summary.pdf"))
Step "gui --screenshots offscreen" "Saved" @("gui", "--screenshots", (Join-Path $Tmp "shots"))
Remove-Item -Recurse -Force $Tmp
foreach ($Name in "SETTING_APP_DATA_DIR", "SETTING_APP_USER", "SETTING_APP_PASSPHRASE", "QT_QPA_PLATFORM") {
    Remove-Item "Env:$Name"
}
if ($Failures -ne 0) { throw "$Failures smoke test(s) failed: no installer made" }

$Iscc = @(
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $Iscc) { throw "Inno Setup 6 not found: install it from https://jrsoftware.org/isdl.php" }
& $Iscc "/DAppVersion=$Version" packaging\windows\setting_app.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "Installer: packaging\dist\FamilySupportLog-$Version-setup.exe"
