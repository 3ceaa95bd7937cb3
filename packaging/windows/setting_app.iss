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
; The app holds these mutexes while open (APP_MUTEX_NAMES in setting_app/ui/app.py): setup and the
; uninstaller see it is running, in this session or another user's, and ask for it to be closed.
AppMutex=FamilySupportLog.Running,Global\FamilySupportLog.Running
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

; No [UninstallDelete] for the data folder, on purpose: uninstalling keeps the casebook unless the
; person uninstalling asks, below (never in a silent uninstall).

[Code]
// The casebook of the Windows account running the uninstaller: default_data_dir() in
// setting_app/paths.py, and the app's logs beside it (default_log_dir() in setting_app/ui/errors.py).
function CasebookFolder(): String;
begin
  Result := ExpandConstant('{localappdata}\FamilySupportLog');
end;

function LogFolder(): String;
begin
  Result := ExpandConstant('{localappdata}\setting-app-logs');
end;

// After the program is removed, and only in the uninstaller's own window: ask whether to delete the
// records too. "No" is the default button; a silent uninstall never asks and never deletes.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent()) and DirExists(CasebookFolder()) then
  begin
    if MsgBox('Family Support Log has been removed. Your records (the casebook) are still on this PC, in' + #13#10 +
              CasebookFolder() + #13#10#13#10 +
              'Keep them unless you are sure they are no longer needed: your setting must keep records for its ' +
              'retention period, and once deleted only a backup can bring them back.' + #13#10#13#10 +
              'Delete the records as well?', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    begin
      DelTree(LogFolder(), True, True, True);
      if not DelTree(CasebookFolder(), True, True, True) then
        MsgBox('Some files could not be deleted. They are in ' + CasebookFolder(), mbError, MB_OK);
    end;
  end;
end;
