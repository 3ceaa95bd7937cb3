"""``la verify``: is a return (or a merged dataset) intact, signed, well formed, and within its rule?

Checks, each naming the file it concerns: the manifest and its Ed25519 signature (against the key in
the manifest and, when given, a pinned key); every file's SHA-256; no file the manifest does not
cover; each CSV against its Table Schema in ``datapackage.json`` (header, types, enums, patterns,
required values, primary key) by our own reading, independent of Frictionless; and the disclosure
rule on every field marked ``"sdc": "count"``: each value is a symbol, 0, or a multiple of the base no
smaller than the rounded threshold.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from setting_app.domain.errors import AppError, ValidationError
from setting_app.services.la_export import signing, writer
from setting_app.services.la_export.sdc import SdcParams
from setting_app.storage.bounded_read import (
    KEY_FILE_LIMIT,
    LA_RETURN_LIMIT,
    SMALL_JSON_LIMIT,
    InputRefused,
    read_bytes,
    read_text,
)

MAX_PROBLEMS = 50
_INTEGER = re.compile(r"^\d+$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


@dataclass
class VerifyReport:
    directory: Path
    manifest: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    signed: bool = False
    rows_checked: int = 0
    #: The bytes of every file that matched its hash (what a merge reads, so nothing changes under it).
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    @property
    def period_code(self) -> str:
        return str((self.manifest.get("period") or {}).get("code", ""))

    @property
    def provider_urn(self) -> str:
        return str(self.manifest.get("provider_urn", ""))

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def raise_if_failed(self) -> None:
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise AppError(f"{self.directory} failed verification: {self.problems[0]}{more}")


def _safe_name(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    path = PurePosixPath(name)
    return len(path.parts) == 1 and name not in (".", "..") and "\\" not in name


def verify_package(directory: Path, *, pinned_key: bytes | None = None) -> VerifyReport:
    directory = Path(directory)
    report = VerifyReport(directory)
    if not directory.is_dir():
        report.add(f"{directory}: not a folder")
        return report
    manifest_path = directory / writer.MANIFEST
    if not manifest_path.exists():
        report.add(f"{writer.MANIFEST}: missing: this is not a return made by setting-app")
        return report
    try:
        manifest_bytes = read_bytes(manifest_path, SMALL_JSON_LIMIT)
        manifest = json.loads(manifest_bytes)
    except InputRefused as exc:
        report.add(f"{writer.MANIFEST}: {exc}")
        return report
    except (OSError, ValueError, RecursionError):
        report.add(f"{writer.MANIFEST}: not readable JSON")
        return report
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != writer.MANIFEST_FORMAT
        or manifest.get("version") not in writer.READABLE_VERSIONS
    ):
        versions = " or ".join(str(v) for v in writer.READABLE_VERSIONS)
        report.add(f"{writer.MANIFEST}: not a version {versions} setting-app return manifest")
        return report
    report.manifest = manifest
    if manifest.get("kind") not in (writer.KIND_SETTING, writer.KIND_MERGE):
        report.add(f"{writer.MANIFEST}: unknown kind {manifest.get('kind')!r}")
        return report
    _check_signature(report, manifest_bytes, pinned_key)
    listed = _check_hashes(report)
    report.files = listed
    _check_package(report, listed)
    return report


def _check_signature(report: VerifyReport, manifest_bytes: bytes, pinned_key: bytes | None) -> None:
    manifest = report.manifest
    sig_path = report.directory / writer.SIGNATURE
    key_block = manifest.get("signing_key")
    if not sig_path.exists():
        if manifest.get("kind") == writer.KIND_SETTING or pinned_key is not None:
            report.add(f"{writer.SIGNATURE}: missing: the return is unsigned")
        return
    if not isinstance(key_block, dict) or key_block.get("algorithm") != signing.ALGORITHM:
        report.add(f"{writer.MANIFEST}: no Ed25519 signing key to check {writer.SIGNATURE} with")
        return
    try:
        public_raw = signing.unb64(str(key_block.get("public_key", "")), "the signing key")
        signature = signing.unb64(
            read_text(sig_path, KEY_FILE_LIMIT, encoding="ascii").strip(), writer.SIGNATURE
        )
    except (AppError, OSError, UnicodeDecodeError):
        report.add(f"{writer.SIGNATURE}: not a readable signature")
        return
    if len(public_raw) != 32:
        report.add(f"{writer.MANIFEST}: the signing key is not an Ed25519 public key")
        return
    report.fingerprint = signing.fingerprint(public_raw)
    if key_block.get("fingerprint") != report.fingerprint:
        report.add(f"{writer.MANIFEST}: the key fingerprint it states is not its key's fingerprint")
    if not signing.signature_ok(public_raw, manifest_bytes, signature):
        report.add(
            f"{writer.SIGNATURE}: the signature does not match {writer.MANIFEST} (changed after signing, or a different key)"
        )
        return
    if pinned_key is not None and public_raw != pinned_key:
        report.add(
            f"{writer.SIGNATURE}: signed by key {report.fingerprint}, not the expected key {signing.fingerprint(pinned_key)}"
        )
        return
    report.signed = True


def _check_hashes(report: VerifyReport) -> dict[str, bytes]:
    """Every listed file present and unchanged; every present file listed. Returns the listed files' bytes."""
    files = report.manifest.get("files")
    listed: dict[str, bytes] = {}
    if not isinstance(files, list) or not files:
        report.add(f"{writer.MANIFEST}: lists no files")
        return listed
    left = LA_RETURN_LIMIT  # for all the files together: a merge holds many returns at once
    for entry in files:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not _safe_name(name) or name in (writer.MANIFEST, writer.SIGNATURE):
            report.add(f"{writer.MANIFEST}: lists a file name it may not use: {name!r}")
            continue
        if not (report.directory / name).exists():
            report.add(f"{name}: missing")
            continue
        try:
            data = read_bytes(report.directory / name, max(left, 0))
        except (InputRefused, OSError) as exc:
            report.add(f"{name}: {exc}" if left > 0 else f"{name}: the return is too large altogether")
            continue
        left -= len(data)
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            report.add(f"{name}: changed since the manifest was made (SHA-256 differs)")
            continue
        listed[name] = data
    expected = {e.get("path") for e in files if isinstance(e, dict)} | {writer.MANIFEST, writer.SIGNATURE}
    for path in sorted(report.directory.iterdir()):
        if path.name not in expected:
            report.add(f"{path.name}: not covered by the manifest")
    return listed


def _params(report: VerifyReport, package: dict) -> SdcParams | None:
    block = report.manifest.get("sdc")
    if not isinstance(block, dict) or "threshold" not in block:
        return None
    try:
        params = SdcParams(int(block["threshold"]), int(block["base"]))
    except (ValidationError, KeyError, TypeError, ValueError):
        report.add(f"{writer.MANIFEST}: the disclosure rule's threshold or base is out of range")
        return None
    stated = package.get("sdc") if isinstance(package.get("sdc"), dict) else {}
    if stated.get("threshold") != params.threshold or stated.get("base") != params.base:
        report.add(f"{writer.DATAPACKAGE}: states a different threshold or base from {writer.MANIFEST}")
    return params


def _check_package(report: VerifyReport, listed: dict[str, bytes]) -> None:
    data = listed.get(writer.DATAPACKAGE)
    if data is None:
        if writer.DATAPACKAGE not in {
            e.get("path") for e in report.manifest.get("files", []) if isinstance(e, dict)
        }:
            report.add(f"{writer.MANIFEST}: does not cover {writer.DATAPACKAGE}")
        return
    try:
        package = json.loads(data)
        resources = package["resources"]
        assert isinstance(resources, list) and resources
    except (ValueError, KeyError, TypeError, AssertionError):
        report.add(f"{writer.DATAPACKAGE}: not a data package with resources")
        return
    params = _params(report, package)
    in_manifest = {e.get("path") for e in report.manifest.get("files", []) if isinstance(e, dict)}
    for resource in resources:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not _safe_name(path) or path not in in_manifest:
            report.add(f"{writer.DATAPACKAGE}: resource {path!r} is not a file covered by the manifest")
            continue
        if path not in listed:  # missing or changed: already reported
            continue
        schema = resource.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            report.add(f"{path}: no Table Schema in {writer.DATAPACKAGE}")
            continue
        _check_table(report, path, listed[path], schema, params)


def _check_table(
    report: VerifyReport, path: str, data: bytes, schema: dict, params: SdcParams | None
) -> None:
    fields = schema["fields"]
    names = [f.get("name") for f in fields]
    missing = set(schema.get("missingValues", [""]))
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        header = next(reader)
        rows = list(reader)
    except (UnicodeDecodeError, StopIteration, csv.Error):
        report.add(f"{path}: not a readable UTF-8 CSV")
        return
    if header != names:
        report.add(f"{path}: the columns are not the ones its schema lists")
        return
    key_columns = [names.index(k) for k in schema.get("primaryKey", []) if k in names]
    seen_keys: set[tuple[str, ...]] = set()
    for number, row in enumerate(rows, start=2):
        report.rows_checked += 1
        if len(row) != len(names):
            report.add(f"{path} line {number}: {len(row)} values where the header has {len(names)}")
            continue
        if key_columns:
            key = tuple(row[i] for i in key_columns)
            if key in seen_keys:
                report.add(f"{path} line {number}: the primary key {', '.join(key)} appears twice")
            seen_keys.add(key)
        for spec, value in zip(fields, row, strict=True):
            problem = _field_problem(spec, value, missing, params)
            if problem:
                report.add(f"{path} line {number}: {spec.get('name')} {problem}")


def _field_problem(spec: dict, value: str, missing: set[str], params: SdcParams | None) -> str | None:
    constraints = spec.get("constraints") or {}
    if value in missing:
        return "is required" if constraints.get("required") else None
    kind = spec.get("type", "string")
    if kind == "integer":
        if not _INTEGER.match(value):
            return f"= {value!r} is not a whole number of 0 or more"
        number: float = int(value)
    elif kind == "number":
        if not _NUMBER.match(value):
            return f"= {value!r} is not a number of 0 or more"
        number = float(value)
    else:
        number = 0
    if kind in ("integer", "number") and "minimum" in constraints and number < constraints["minimum"]:
        return f"= {value} is below its minimum {constraints['minimum']}"
    if kind in ("integer", "number") and "maximum" in constraints and number > constraints["maximum"]:
        return f"= {value} is above its maximum {constraints['maximum']}"
    if "enum" in constraints and value not in constraints["enum"]:
        return f"= {value!r} is not one of the allowed values"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        return f"= {value!r} does not have the required form"
    if spec.get("sdc") == "count":
        if params is None:
            return "is a disclosure-controlled count but the manifest states no rule"
        if kind != "integer" or not params.allows(int(value)):
            return (
                f"= {value} breaks the disclosure rule (each count must be 0 or a multiple of {params.base} "
                f"of at least {params.smallest_published}; smaller counts are shown as c)"
            )
    return None
