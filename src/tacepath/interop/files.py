"""Input files: the one place a user's file is opened and checked before it is parsed.

Every reader checks, in this order, and refuses with an :class:`~tacepath.errors.InputError`
naming the file and what is wrong (never a traceback):

1. the path exists and is a regular file (not a directory), is not empty, and is not larger
   than the limit of its format: :data:`MAX_DOCUMENT_BYTES` for JSON and YAML (parsed whole;
   a cohort belongs in JSON Lines or CSV), :data:`MAX_TABLE_BYTES` for CSV, Parquet, SAS XPT
   and JSON Lines;
2. where text is expected, the file is not binary: NUL bytes in its first KiB, or the magic
   number of a PDF, PNG, JPEG, GIF, ZIP (XLSX, DOCX), gzip, Parquet, SAS XPT, ... file;
3. the text decodes as UTF-8 (a byte-order mark is accepted) or as the encoding asked for;
   otherwise the error gives the offset of the first bad byte and the encoding the bytes
   look like (``charset-normalizer``), and says to re-save the file as UTF-8;
4. it parses: JSON, YAML and JSON Lines errors give the line and column (a file cut short
   says so); a Parquet or XPT file must be one; tables name their missing columns.

A file's content is never echoed back; paths and values shown are cut to 80 characters.
"""

from __future__ import annotations

import codecs
import importlib
import io
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tacepath.errors import InputError
from tacepath.interop._text import file_label, reason_of, shown, shown_path
from tacepath.interop.documents import parse_json, parse_json_line, parse_jsonl, parse_yaml

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TABLE_BYTES",
    "TABLE_SUFFIXES",
    "TableFormat",
    "binary_kind",
    "check_file",
    "decode_text",
    "file_label",
    "parse_json",
    "parse_json_line",
    "parse_jsonl",
    "parse_yaml",
    "read_bytes",
    "read_json",
    "read_json_or_yaml",
    "read_jsonl",
    "read_table",
    "read_table_bytes",
    "read_text",
    "shown",
    "shown_path",
    "text_codec",
]

_MIB = 1024 * 1024
#: Largest JSON or YAML file read (parsed whole into memory): 20 MiB.
MAX_DOCUMENT_BYTES = 20 * _MIB
#: Largest CSV, Parquet, SAS XPT or JSON Lines file read: 1 GiB.
MAX_TABLE_BYTES = 1024 * _MIB

TableFormat = Literal["csv", "parquet", "xpt"]
#: File name suffixes of the table formats.
TABLE_SUFFIXES: Mapping[str, TableFormat] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xpt": "xpt",
}
_FORMAT_NAMES: Mapping[TableFormat, str] = {"csv": "CSV", "parquet": "Parquet", "xpt": "SAS XPT"}

_SNIFF_BYTES = 1024
_CHUNK = 16 * _MIB
_COHORT_ADVICE = "; for a cohort use JSON Lines (.jsonl) or CSV"
_PARQUET_MAGIC = b"PAR1"
_XPT_MAGIC = b"HEADER RECORD*******LIBRARY HEADER RECORD"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"PK\x03\x04", "ZIP, e.g. XLSX or DOCX"),
    (b"PK\x05\x06", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (_PARQUET_MAGIC, "Parquet"),
    (_XPT_MAGIC, "SAS XPT"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file, e.g. XLS"),
    (b"SQLite format 3\x00", "SQLite"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


# --------------------------------------------------------------------------- naming


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1024 * _MIB), ("MiB", _MIB), ("KiB", 1024)):
        if n >= factor:
            return f"{n / factor:.4g} {unit}"
    return f"{n} bytes"


# --------------------------------------------------------------------------- the file


def check_file(
    path: Path, *, field: str | None = None, what: str = "file", max_bytes: int, advice: str = ""
) -> int:
    """The size of ``path`` once it is known to be an existing, non-empty regular file of at
    most ``max_bytes`` bytes; otherwise an :class:`InputError` naming it."""
    label = file_label(path, field)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(field or "file", shown_path(path), f"an existing {what}") from None
    except OSError as exc:
        raise InputError(label, "not accessible", f"a readable {what} ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(label, "a directory", f"{what}, not a directory")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(label, "not a regular file", what)
    if st.st_size == 0:
        raise InputError(label, "an empty file (0 bytes)", what)
    if st.st_size > max_bytes:
        raise InputError(label, _size(st.st_size), f"at most {_size(max_bytes)}{advice}")
    return st.st_size


def read_bytes(
    path: Path,
    *,
    field: str | None = None,
    what: str = "file",
    max_bytes: int | None = None,
    advice: str = "",
) -> bytes:
    """The bytes of a checked file (:func:`check_file`); the limit defaults to
    :data:`MAX_DOCUMENT_BYTES`."""
    limit = MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes
    check_file(path, field=field, what=what, max_bytes=limit, advice=advice)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(
            file_label(path, field), "not readable", f"a readable {what} ({exc.strerror})"
        ) from None
    if len(data) > limit:  # grew after the check
        raise InputError(file_label(path, field), f"more than {_size(limit)}", what)
    return data


# --------------------------------------------------------------------------- text


def binary_kind(head: bytes, *, nul_is_binary: bool = True) -> str | None:
    """What the first bytes of a file say it is when it is not text (``"PDF"``, ``"PNG"``,
    ``"ZIP, e.g. XLSX or DOCX"``, ..., ``"NUL bytes"``); None when it may be text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if nul_is_binary and _bom_encoding(head) is None and b"\x00" in head[:_SNIFF_BYTES]:
        return "NUL bytes"
    return None


def _bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _binary(kind: str) -> str:
    return (
        "binary file (NUL bytes in its first KiB)"
        if kind == "NUL bytes"
        else f"binary file (looks like {kind})"
    )


def text_codec(encoding: str | None = None, *, option: str | None = None) -> str:
    """The codec to decode with: UTF-8 accepting a byte-order mark unless ``encoding`` names
    another one Python knows (``cp1252``, ``latin-1``, ``utf-16``...)."""
    if encoding is None:
        return "utf-8-sig"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            option or "encoding",
            shown(encoding),
            "a text encoding, e.g. utf-8, cp1252, latin-1, utf-16",
        ) from None
    return "utf-8-sig" if name == "utf-8" else name


def _codec_label(codec: str) -> str:
    return "UTF-8" if codec == "utf-8-sig" else codec


def _first_bad_byte(data: bytes, codec: str) -> int | None:
    """Offset of the first byte that does not decode with ``codec``; UTF-8 (the default,
    and the large files) is checked in 16 MiB steps, other codecs in one go."""
    if codec != "utf-8-sig":
        try:
            data.decode(codec)
        except UnicodeDecodeError as exc:
            return exc.start
        return None
    # UTF-8 after the BOM: utf-8-sig's incremental decoder lets a cut BOM at the end pass.
    skip = len(codecs.BOM_UTF8) * data.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)[skip:]
    for start in range(0, len(view), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[start : start + _CHUNK], final=start + _CHUNK >= len(view))
        except UnicodeDecodeError as exc:
            return skip + start - pending + exc.start
    return None


_MICRO_UNIT = re.compile(rb"([\x80-\xff]{1,4})(?:mol|g|kat)/[lL]")


def _reads_micro_sign(sample: bytes, encoding: str) -> bool:
    """Whether the unit prefix of ``µmol/L``, ``µg/L``, ``µkat/L`` decodes to a micro sign."""
    prefixes = set(_MICRO_UNIT.findall(sample))
    return all(p.decode(encoding, errors="replace") in ("µ", "μ") for p in prefixes)


def guess_encodings(sample: bytes) -> list[str]:
    """Likely encodings of ``sample`` (a byte-order mark's, else charset-normalizer's), best
    first. cp1252 stands first for every match it could be (Western European exports; it also
    reads Latin-1), and encodings that misread a lab unit's micro sign come last: it is the
    non-ASCII text a clinical table most often holds."""
    bom = _bom_encoding(sample)
    if bom is not None:
        return [bom]
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    out = ["cp1252"] if any("cp1252" in m.could_be_from_charset for m in matches) else []
    for match in matches:
        if str(match.encoding) not in out:
            out.append(str(match.encoding))
    return sorted(out, key=lambda e: not _reads_micro_sign(sample, e))


def undecodable(
    name: str,
    *,
    kind: str,
    codec: str,
    offset: int,
    bad_byte: int,
    sample: bytes,
    option: str | None,
    line: tuple[int, bytes] | None = None,
) -> InputError:
    """The error for text that does not decode with ``codec``: the first bad byte and its
    offset (and line), the encodings ``sample`` looks like, how the line then reads, and the
    option to pass."""
    guesses = [g for g in guess_encodings(sample) if not _same_codec(g, codec)]
    value = f"not {_codec_label(codec)}: byte 0x{bad_byte:02X} at offset {offset}"
    if line is not None:
        value += f" on line {line[0]}"
    if guesses:
        value += f" (looks like {guesses[0]}"
        if line is not None:
            value += f"; the line then reads {shown(line[1].decode(guesses[0], 'replace').strip())}"
        value += ")"
    allowed = f"{kind} text in UTF-8: re-save the file as UTF-8"
    if option:
        allowed += f", or pass {option} {guesses[0] if guesses else 'ENCODING'}"
        if len(guesses) > 1:
            allowed += " (or " + ", ".join(guesses[1:3]) + ")"
    return InputError(name, value, allowed)


def _same_codec(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name one codec (UTF-8 with or without its BOM is one)."""
    try:
        names = {codecs.lookup(c).name.removesuffix("-sig") for c in (a, b)}
    except LookupError:
        return False
    return len(names) == 1


def decode_text(
    data: bytes,
    *,
    name: str,
    kind: str = "text",
    encoding: str | None = None,
    encoding_option: str | None = None,
) -> str:
    """``data`` as text once it is known not to be binary and to decode (UTF-8, BOM stripped,
    unless ``encoding`` is given); ``name`` names the file in errors, ``kind`` what text is
    expected (``"JSON"``), ``encoding_option`` the option to suggest (``"--encoding"``)."""
    codec = _check_text(data, name=name, kind=kind, encoding=encoding, option=encoding_option)
    return data.decode(codec)


def _check_text(
    data: bytes, *, name: str, kind: str, encoding: str | None, option: str | None
) -> str:
    """The codec ``data`` decodes with; binary or undecodable data is an input error."""
    codec = text_codec(encoding, option=option)
    found = binary_kind(
        data[:_SNIFF_BYTES], nul_is_binary=not codec.startswith(("utf-16", "utf-32"))
    )
    if found is not None:
        raise InputError(name, _binary(found), f"{kind} text")
    offset = _first_bad_byte(data, codec)
    if offset is None:
        return codec
    window = data[max(0, offset - 32768) : offset + 32768]
    raise undecodable(
        name,
        kind=kind,
        codec=codec,
        offset=offset,
        bad_byte=data[offset],
        sample=data[:4] + window if offset > 32768 else window,
        option=option,
    )


def read_text(
    path: Path,
    *,
    field: str | None = None,
    kind: str = "text",
    what: str | None = None,
    encoding: str | None = None,
    encoding_option: str | None = None,
    max_bytes: int | None = None,
    advice: str = "",
) -> str:
    """The text of a checked file (:func:`read_bytes`, :func:`decode_text`); a file of
    white space only is refused."""
    data = read_bytes(
        path, field=field, what=what or f"{kind} file", max_bytes=max_bytes, advice=advice
    )
    label = file_label(path, field)
    text = decode_text(
        data, name=label, kind=kind, encoding=encoding, encoding_option=encoding_option
    )
    if not text.strip():
        raise InputError(label, "only white space", f"{kind} text")
    return text


# --------------------------------------------------------------------------- JSON and YAML


def read_json(
    path: Path, *, field: str | None = None, what: str = "JSON file", max_bytes: int | None = None
) -> Any:
    """A checked JSON file, parsed (at most :data:`MAX_DOCUMENT_BYTES` unless told)."""
    text = read_text(
        path, field=field, kind="JSON", what=what, max_bytes=max_bytes, advice=_COHORT_ADVICE
    )
    return parse_json(text, name=file_label(path, field))


def read_json_or_yaml(
    path: Path, *, field: str | None = None, what: str = "JSON or YAML file"
) -> Any:
    """A checked JSON file, or YAML when the name ends in ``.yaml``/``.yml``, parsed."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return read_json(path, field=field, what=what)
    text = read_text(path, field=field, kind="YAML", what=what, advice=_COHORT_ADVICE)
    return parse_yaml(text, name=file_label(path, field))


def read_jsonl(path: Path, *, field: str | None = None, what: str = "JSON Lines file") -> list[Any]:
    """A checked JSON Lines file, one value per line (at most :data:`MAX_TABLE_BYTES`)."""
    text = read_text(path, field=field, kind="JSON Lines", what=what, max_bytes=MAX_TABLE_BYTES)
    return parse_jsonl(text, name=file_label(path, field))


# --------------------------------------------------------------------------- tables


def _table_format(path: Path, field: str | None, formats: Sequence[TableFormat]) -> TableFormat:
    fmt = TABLE_SUFFIXES.get(path.suffix.lower())
    if fmt is None or fmt not in formats:
        ends = [s for s, f in TABLE_SUFFIXES.items() if f in formats and s != ".pq"]
        allowed = "a file ending in " + ", ".join(ends[:-1]) + " or " * (len(ends) > 1) + ends[-1]
        raise InputError(field or "file", shown_path(path), allowed)
    return fmt


def check_table_head(path: Path, fmt: TableFormat, *, field: str | None = None) -> None:
    """Refuse a file whose first bytes are not the ``fmt`` table it claims to be: a Parquet or
    XPT file without its signature, a CSV file that is binary (a byte-order mark of UTF-16 or
    UTF-32 is text: it needs ``--encoding``)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    label = file_label(path, field)
    if fmt != "csv":
        _check_magic(fmt, head, label)
        return
    found = binary_kind(head, nul_is_binary=_bom_encoding(head) is None)
    if found is not None:
        raise InputError(label, _binary(found), "CSV text")


def _not_a(fmt: TableFormat, head: bytes) -> str:
    kind = binary_kind(head)
    what = f"looks like {kind}" if kind is not None else "text"
    if kind == "NUL bytes":
        what = "other binary data"
    return f"not a {_FORMAT_NAMES[fmt]} file ({what})"


def _check_magic(fmt: TableFormat, head: bytes, name: str) -> None:
    magic = {"parquet": _PARQUET_MAGIC, "xpt": _XPT_MAGIC[:13]}.get(fmt)
    if magic is not None and not head.startswith(magic):
        raise InputError(name, _not_a(fmt, head), f"a {_FORMAT_NAMES[fmt]} file")


def _missing(
    frame: pd.DataFrame, columns: Sequence[str] | None, name: str, header: Sequence[str] = ()
) -> pd.DataFrame:
    """``frame``'s ``columns`` in that order; an absent one is an input error."""
    if columns is None:
        return frame
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        have = ", ".join(str(c) for c in (header or frame.columns))
        raise InputError(
            name,
            shown("no column " + ", ".join(absent)),
            shown(f"columns {', '.join(columns)} (the file has {have})"),
        )
    return frame[list(columns)]


def _csv(
    data: bytes,
    *,
    name: str,
    encoding: str | None,
    option: str | None,
    columns: Sequence[str] | None,
    dtype: Mapping[str, Any] | None,
) -> pd.DataFrame:
    import pandas as pd

    codec = _check_text(data, name=name, kind="CSV", encoding=encoding, option=option)
    header: list[str] = []

    def keep(column: str) -> bool:
        header.append(column)
        return column in (columns or ())

    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=codec,
            dtype=dict(dtype) if dtype else None,
            usecols=None if columns is None else keep,
            keep_default_na=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputError(
            name, shown(f"not readable as CSV ({reason_of(exc)})"), "CSV text"
        ) from None
    return _missing(frame, columns, name, header)


def _parquet(source: Path | bytes, *, name: str, columns: Sequence[str] | None) -> pd.DataFrame:
    import pandas as pd

    try:
        pq: Any = importlib.import_module("pyarrow.parquet")
    except ImportError:  # pragma: no cover - pyarrow is a declared extra
        raise InputError(name, "a Parquet file", "pip install 'tacepath[parquet]'") from None
    src: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        names = [str(n) for n in pq.read_schema(src).names]
        if isinstance(src, io.BytesIO):
            src.seek(0)
        present = None if columns is None else [c for c in columns if c in names]
        frame = pd.read_parquet(src, columns=present)
    except (ValueError, OSError, TypeError) as exc:
        raise InputError(
            name, shown(f"not a readable Parquet file ({reason_of(exc)})"), "a Parquet file"
        ) from None
    return _missing(frame, columns, name, names)


def _xpt(source: Path | bytes, *, name: str, columns: Sequence[str] | None) -> pd.DataFrame:
    pyreadstat: Any = importlib.import_module("pyreadstat")
    if isinstance(source, bytes):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.xpt"
            path.write_bytes(source)
            return _xpt(path, name=name, columns=columns)
    try:
        frame, meta = pyreadstat.read_xport(str(source))
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, ValueError, OSError) as exc:
        raise InputError(
            name, shown(f"not a readable SAS XPT file ({reason_of(exc)})"), "a SAS XPT v5 file"
        ) from None
    frame = _missing(frame, columns, name)
    frame.attrs["label"] = str(meta.file_label or "")
    return frame


def read_table_bytes(
    data: bytes,
    *,
    name: str,
    fmt: TableFormat = "csv",
    encoding: str | None = None,
    encoding_option: str | None = None,
    columns: Sequence[str] | None = None,
    dtype: Mapping[str, Any] | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """A table from bytes (an upload): CSV (``encoding``, UTF-8 with or without BOM by
    default; binary refused), Parquet or SAS XPT (the file label in ``frame.attrs["label"]``).

    ``columns`` selects columns, in that order; one that is absent is an input error.
    ``dtype`` applies to CSV columns only. ``name`` names the file in errors.
    """
    limit = MAX_TABLE_BYTES if max_bytes is None else max_bytes
    if not data:
        raise InputError(name, "an empty file (0 bytes)", f"a {_FORMAT_NAMES[fmt]} file")
    if len(data) > limit:
        raise InputError(name, _size(len(data)), f"at most {_size(limit)}")
    if fmt == "csv":
        return _csv(
            data, name=name, encoding=encoding, option=encoding_option, columns=columns, dtype=dtype
        )
    _check_magic(fmt, data[:_SNIFF_BYTES], name)
    reader = _parquet if fmt == "parquet" else _xpt
    return reader(data, name=name, columns=columns)


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    max_bytes: int | None = None,
    field: str | None = None,
    what: str | None = None,
    formats: Sequence[TableFormat] = ("csv", "parquet", "xpt"),
    dtype: Mapping[str, Any] | None = None,
    encoding_option: str | None = "--encoding",
) -> pd.DataFrame:
    """A checked table file, by its suffix: ``.csv``, ``.parquet``/``.pq`` or ``.xpt``.

    The suffix must be one of ``formats``; the file is checked (:func:`check_file`, at most
    ``max_bytes``, default :data:`MAX_TABLE_BYTES`) and read as :func:`read_table_bytes`
    does. ``field`` is the option that gave the path (named in errors), ``what`` the file's
    description (``"ADSL file"``).
    """
    fmt = _table_format(path, field, formats)
    limit = MAX_TABLE_BYTES if max_bytes is None else max_bytes
    description = what or f"{_FORMAT_NAMES[fmt]} file"
    name = file_label(path, field)
    if fmt == "csv":
        data = read_bytes(path, field=field, what=description, max_bytes=limit)
        return read_table_bytes(
            data, name=name, encoding=encoding, encoding_option=encoding_option,
            columns=columns, dtype=dtype, max_bytes=limit,
        )  # fmt: skip
    check_file(path, field=field, what=description, max_bytes=limit)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    _check_magic(fmt, head, name)
    reader = _parquet if fmt == "parquet" else _xpt
    return reader(path, name=name, columns=columns)
