; Inno Setup 6 script: the Windows installer for Family Support Log.
;
; Built on Windows by packaging\windows\build-windows.ps1 (see README.md beside this file), which
; first makes packaging\dist\setting-app with PyInstaller and then runs:
;   ISCC.exe /DAppVersion=<version from pyproject.toml> packaging\windows\setting_app.iss
; The version is never written here: it lives only in pyproject.toml.
;
; Installs per user by default (no administrator needed: %LOCALAPPDATA%\Programs), or for all
; users when run as an administrator with /ALLUSERS. Casebooks are never in the install folder:
; each user's casebook is in %LOCALAPPDATA%\FamilySupportLog and uninstalling leaves it alone.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: ISCC /DAppVersion=X.Y.Z setting_app.iss (build-windows.ps1 does)
#endif

#define AppName "Family Support Log"
#define AppExe "FamilySupportLog.exe"
#define BuildDir "..\dist\setting-app"

[Setup]
; AppId identifies the app to Windows across upgrades: never change it.
AppId={{D52C370F-271E-408D-A95A-8AA952BCB696}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Family Support Log contributors
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\icons\setting-app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\dist
OutputBaseFilename=FamilySupportLog-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade closes a running copy first (Windows Restart Manager) and reopens nothing by itself.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version replaces the whole bundle: no stale libraries from the last one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Record and review family support"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] for the data folder, on purpose: uninstalling must never delete casebooks.
