"""A small reader for R's ``.rda`` files (XDR serialisation, versions 2 and 3), enough for the data
frames, character / numeric vectors and lists that the eesyscreener package ships in ``data/``.

Written for this test helper so that the package's own lookup tables and examples can be read where
they are available, without R and without numpy/pandas.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from dataclasses import dataclass, field
from typing import Any

NA_INTEGER = -(2**31)
NILVALUE, SYMSXP, LISTSXP, CLOSXP, ENVSXP = 254, 1, 2, 3, 4
CHARSXP, LGLSXP, INTSXP, REALSXP, CPLXSXP, STRSXP, VECSXP = 9, 10, 13, 14, 15, 16, 19
REFSXP, GLOBALENV, EMPTYENV, BASEENV, MISSINGARG, BASENAMESPACE = 255, 253, 242, 241, 251, 247
NAMESPACESXP, PACKAGESXP, PERSISTSXP, ALTREP = 249, 250, 247, 238
UNBOUNDVALUE, EXPRSXP, LANGSXP, S4SXP, BCODESXP, EXTPTRSXP, WEAKREFSXP, RAWSXP = (
    252,
    20,
    6,
    25,
    21,
    22,
    23,
    24,
)
ATTRLISTSXP, ATTRLANGSXP = 239, 240


@dataclass
class RObject:
    """A value with R attributes (names, class, row.names ...)."""

    value: Any
    attributes: dict[str, Any] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.refs: list[Any] = []

    def int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def double(self) -> float | None:
        raw = self.data[self.pos : self.pos + 8]
        self.pos += 8
        if raw == b"\x7f\xf0\x00\x00\x00\x00\x07\xa2":  # NA_real_
            return None
        return struct.unpack(">d", raw)[0]

    def string(self) -> str | None:
        length = self.int()
        if length == -1:
            return None
        text = self.data[self.pos : self.pos + length].decode("utf-8", errors="replace")
        self.pos += length
        return text

    def item(self) -> Any:
        flags = self.int()
        kind = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if kind == NILVALUE:
            return None
        if kind in (GLOBALENV, EMPTYENV, BASEENV, BASENAMESPACE, MISSINGARG, UNBOUNDVALUE):
            return None
        if kind == REFSXP:
            index = flags >> 8
            if index == 0:
                index = self.int()
            return self.refs[index - 1]
        if kind == SYMSXP:
            name = self.item()
            self.refs.append(name)
            return name
        if kind in (NAMESPACESXP, PACKAGESXP, PERSISTSXP):
            self.int()  # 0
            values = [self.item() for _ in range(self.int())]
            self.refs.append(values)
            return values
        if kind == ENVSXP:
            env: dict = {}
            self.refs.append(env)
            self.int()  # locked
            self.item()  # enclosure
            frame = self.item()
            hashtab = self.item()
            attributes = self.item()
            for part in (frame, hashtab):
                if isinstance(part, dict):
                    env.update(part)
            del attributes
            return env
        if kind in (LISTSXP, LANGSXP, CLOSXP, ATTRLISTSXP, ATTRLANGSXP):
            attributes = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            car = self.item()
            cdr = self.item()
            pairs = [(tag, car)]
            if isinstance(cdr, list) and cdr and isinstance(cdr[0], tuple):
                pairs.extend(cdr)
            del attributes
            return pairs
        if kind == CHARSXP:
            return self.string()
        if kind == ALTREP:
            info = self.item()
            state = self.item()
            attributes = self.item()
            class_name = info[0][1] if isinstance(info, list) else None
            if class_name == "compact_intseq":
                n, start, step = (int(v) for v in _plain(state))
                value: Any = list(range(start, start + n * step, step))
            elif class_name == "compact_realseq":
                n, start, step = state.value if isinstance(state, RObject) else state
                value = [start + i * step for i in range(int(n))]
            elif class_name and class_name.startswith("wrap_"):
                value = state[0] if isinstance(state, list) else state
            elif class_name == "deferred_string":
                arg = state[0][1] if isinstance(state, list) else state
                value = [None if v is None else str(v) for v in _plain(arg)]
            else:
                raise ValueError(f"unsupported ALTREP class {class_name}")
            return self._with_attributes(_plain(value), attributes)
        if kind in (LGLSXP, INTSXP):
            n = self.int()
            values = [self.int() for _ in range(n)]
            if kind == LGLSXP:
                out: list = [None if v == NA_INTEGER else bool(v) for v in values]
            else:
                out = [None if v == NA_INTEGER else v for v in values]
            return self._attrs(out, has_attr)
        if kind == REALSXP:
            n = self.int()
            return self._attrs([self.double() for _ in range(n)], has_attr)
        if kind == STRSXP:
            n = self.int()
            return self._attrs([self.item() for _ in range(n)], has_attr)
        if kind in (VECSXP, EXPRSXP):
            n = self.int()
            return self._attrs([self.item() for _ in range(n)], has_attr)
        if kind == RAWSXP:
            n = self.int()
            raw = self.data[self.pos : self.pos + n]
            self.pos += n
            return self._attrs(raw, has_attr)
        if kind == EXTPTRSXP:
            holder: list = []
            self.refs.append(holder)
            self.item()  # protected value
            self.item()  # tag
            return self._attrs(None, has_attr)
        if kind == WEAKREFSXP:
            self.refs.append(None)
            return self._attrs(None, has_attr)
        if kind == S4SXP:
            return self._attrs(None, has_attr)
        raise ValueError(f"unsupported R type {kind} at byte {self.pos}")

    def _attrs(self, value: Any, has_attr: bool) -> Any:
        if not has_attr:
            return value
        return self._with_attributes(value, self.item())

    @staticmethod
    def _with_attributes(value: Any, attributes: Any) -> Any:
        if not attributes:
            return value
        return RObject(value, {str(k): _plain_attr(v) for k, v in attributes})


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, RObject) else value


def _plain_attr(value: Any) -> Any:
    return value


def _decompress(raw: bytes) -> bytes:
    if raw[:3] == b"BZh":
        return bz2.decompress(raw)
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:5] == b"\xfd7zXZ":
        return lzma.decompress(raw)
    return raw


def read_rda(raw: bytes) -> dict[str, Any]:
    """The objects saved in an ``.rda`` file, by name, as plain Python values (see :func:`to_python`)."""
    data = _decompress(raw)
    if not data.startswith((b"RDX2\n", b"RDX3\n")):
        raise ValueError("not an R data file in XDR format")
    reader = _Reader(data[5:])
    if reader.data[:2] != b"X\n":
        raise ValueError("only XDR R data files are read")
    reader.pos = 2
    version = reader.int()
    reader.int()
    reader.int()
    if version == 3:
        reader.string()
    top = reader.item()
    return {str(name): to_python(value) for name, value in top}


def to_python(value: Any) -> Any:
    """A data frame becomes ``{"columns": [...], "rows": [...]}`` (cells as strings or None); a
    named list becomes a dict; an unnamed list a list; a vector a list (or a scalar's list)."""
    if isinstance(value, RObject):
        classes = value.attributes.get("class") or []
        classes = classes.value if isinstance(classes, RObject) else classes
        names = value.attributes.get("names")
        names = names.value if isinstance(names, RObject) else names
        if "data.frame" in (classes or []):
            columns = [str(n) for n in names]
            cols = [_cells(to_python(c)) for c in value.value]
            n = max((len(c) for c in cols), default=0)
            return {"columns": columns, "rows": [[c[i] for c in cols] for i in range(n)]}
        inner = value.value
        if isinstance(inner, list) and names and len(names) == len(inner) and not _is_atomic(inner):
            return {str(k): to_python(v) for k, v in zip(names, inner, strict=True)}
        return to_python(inner)
    if isinstance(value, list):
        return [to_python(v) for v in value]
    return value


def _is_atomic(values: list) -> bool:
    return all(v is None or isinstance(v, (str, int, float, bool)) for v in values)


def _cells(values: Any) -> list[str | None]:
    out: list[str | None] = []
    for v in values if isinstance(values, list) else [values]:
        if v is None:
            out.append(None)
        elif isinstance(v, bool):
            out.append("TRUE" if v else "FALSE")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out
