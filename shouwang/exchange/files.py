"""Reading exchange files (CONTRACT §2) into polars frames, and vectorised validation of their columns.

Used by the registry import (shouwang.exchange.registry_import) and by the department-feed import. Everything
here is I/O plus pure checks: nothing touches the database.

* ``read_table`` reads one CSV (UTF-8, UTF-8 with BOM or GB18030, detected strictly) or XLSX file with
  one header row whose headers may be canonical names or their Chinese labels (``ColumnSpec``). It returns
  a ``Table`` whose frame has one Utf8 column per known canonical name (missing optional columns are
  all-null), values stripped, empty cells null. Unknown columns are dropped with a warning.
* ``TableValidator`` turns text columns into typed series (IDs, dates, periods, money in cents, flags,
  enumerations, integers, phones) and collects every failure as a ``RowError`` naming the file row
  (header = row 1) and the column as written in the file; ``refuse_if_errors`` raises one
  ``InputRefused`` with all of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from openpyxl import load_workbook

from shouwang.common import idnumber
from shouwang.common.errors import InputRefused, RowError

# Column value types; they drive XLSX cell conversion and ``TableValidator.check_spec``.
TEXT, ID, DATE, PERIOD, MONEY, FLAG, INT, ENUM, PHONE = (
    "text",
    "id",
    "date",
    "period",
    "money",
    "flag",
    "int",
    "enum",
    "phone",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an exchange file: canonical name, Chinese label (CONTRACT §2), whether required.

    ``type`` tells the XLSX reader how to render a cell (an ID held as a number comes back as its numeric
    repr so the ID check refuses it; a date cell in a period column becomes ``YYYY-MM``). ``aliases`` are
    further accepted headers.
    """

    name: str
    label: str
    required: bool = False
    type: str = TEXT
    aliases: tuple[str, ...] = ()


XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class Table:
    frame: pl.DataFrame
    encoding: str
    warnings: list[str]
    checksum: str
    first_data_row: int = 2
    headers: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    path: Path | None = None
    # With ``keep_unknown``: the unknown columns' headers as written, in file order; their cells are in
    # ``frame`` under the names ``"+<header>"`` (stripped text, empty = null).
    extra_columns: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return self.first_data_row + index

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


# --- Files -------------------------------------------------------------------------------------------


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_file(path: str | Path, checksum: str) -> str:
    """Keep the original bytes at ``DATA_DIR/raw/<checksum[:2]>/<checksum>.<ext>`` (content-addressed,
    so it is written once and never changed). Returns the stored path."""
    src = Path(path)
    ext = src.suffix.lower().lstrip(".") or "bin"
    dest = Path(settings.DATA_DIR) / "raw" / checksum[:2] / f"{checksum}.{ext}"
    if dest.exists():
        return str(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return str(dest)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Strict detection: UTF-8 (BOM optional), then GB18030; anything else is refused."""
    try:
        text = data.decode("utf-8-sig", errors="strict")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030", errors="strict"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputRefused(
            f"{name}：文件编码无法识别，请保存为UTF-8或GB18030编码的CSV，或XLSX文件",
            [RowError(None, "", "", f"第{exc.start + 1}字节处无法按UTF-8或GB18030解码")],
        ) from exc


def _header_map(specs: Sequence[ColumnSpec]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in specs:
        for h in (s.name, s.label, *s.aliases):
            out[_norm_header(h)] = s.name
    return out


def _norm_header(h: object) -> str:
    text = "" if h is None else str(h)
    return text.replace("\ufeff", "").strip().lower().replace(" ", "")


def _resolve_headers(
    raw: list[str], specs: Sequence[ColumnSpec], name: str, kind_label: str
) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Map file column positions to canonical names; refuse missing required or duplicate columns."""
    lookup = _header_map(specs)
    positions: dict[int, str] = {}
    written: dict[str, str] = {}
    warnings: list[str] = []
    errors: list[RowError] = []
    for i, h in enumerate(raw):
        shown = "" if h is None else str(h).replace("\ufeff", "").strip()
        if not shown:
            continue
        canonical = lookup.get(_norm_header(shown))
        if canonical is None:
            warnings.append(f"未知列“{shown}”已忽略")
            continue
        if canonical in written:
            errors.append(RowError(1, shown, "", f"与“{written[canonical]}”列重复（同为{canonical}）"))
            continue
        positions[i] = canonical
        written[canonical] = shown
    for s in specs:
        if s.required and s.name not in written:
            errors.append(RowError(1, s.label, "", f"缺少必填列“{s.label}”（{s.name}）"))
    if errors:
        raise InputRefused(f"{name}：{kind_label}文件的表头不符合数据交换规范", errors)
    return positions, written, warnings


def read_header(path: str | Path) -> list[str]:
    """The header row as written (for detecting a file's kind). Refuses unreadable files."""
    p = Path(path)
    if p.suffix.lower() in XLSX_SUFFIXES:
        rows = _xlsx_rows(p, limit=1)
        return ["" if v is None else str(v).strip() for v in (rows[0] if rows else [])]
    with open(p, "rb") as f:
        head = f.read(64 * 1024)
    # Cut at the last newline so a multi-byte character split at the boundary does not break decoding.
    cut = head.rfind(b"\n")
    text, _ = _decode(head[: cut + 1] if cut >= 0 else head, p.name)
    first = next(csv.reader(io.StringIO(text)), [])
    return [h.replace("\ufeff", "").strip() for h in first]


def read_leading_rows(path: str | Path, n: int) -> list[list[str]]:
    """The first ``n`` rows as written (title rows and header), for telling a file's kind apart."""
    p = Path(path)
    if p.suffix.lower() in XLSX_SUFFIXES:
        return [["" if v is None else str(v).strip() for v in r] for r in _xlsx_rows(p, limit=n)]
    with open(p, "rb") as f:
        head = f.read(64 * 1024)
    cut = head.rfind(b"\n")
    text, _ = _decode(head[: cut + 1] if cut >= 0 else head, p.name)
    rows = list(csv.reader(io.StringIO(text)))[:n]
    return [[h.replace("\ufeff", "").strip() for h in r] for r in rows]


def read_table(
    path: str | Path,
    *,
    columns: Sequence[ColumnSpec],
    kind_label: str,
    allow_empty: bool = False,
    checksum: str | None = None,
    header_search: int = 1,
    keep_unknown: bool = False,
) -> Table:
    """Read one exchange file. Raises ``InputRefused`` for an undecodable, corrupt, truncated or empty file,
    missing required columns, or rows whose field count differs from the header.

    ``header_search`` > 1: the header is the first of that many leading rows that names a required column
    (the national system's exports put two title rows above it, header on row 3); the rows above it are
    skipped and file row numbers stay those of the file. ``keep_unknown``: unknown columns are kept in the
    frame (``Table.extra_columns``) rather than dropped, still with a warning."""
    p = Path(path)
    if not p.is_file():
        raise InputRefused(f"{p}：文件不存在", [RowError(None, "", str(p), "文件不存在")])
    checksum = checksum or sha256_file(p)
    if p.suffix.lower() in XLSX_SUFFIXES:
        table = _read_xlsx(p, columns, kind_label, header_search, keep_unknown)
    else:
        table = _read_csv(p, columns, kind_label, header_search, keep_unknown)
    table.checksum, table.path = checksum, p
    if table.frame.height == 0 and not allow_empty:
        raise InputRefused(
            f"{p.name}：{kind_label}文件没有数据行",
            [RowError(None, "", "", "文件为空或只有表头，没有数据行")],
        )
    return table


def _finish_frame(
    columns: Mapping[str, list[Any] | pl.Series], specs: Sequence[ColumnSpec], height: int
) -> pl.DataFrame:
    data: dict[str, pl.Series] = {}
    for s in specs:
        col = columns.get(s.name)
        if col is None:
            data[s.name] = pl.Series(s.name, [None] * height, dtype=pl.Utf8)
        elif isinstance(col, pl.Series):
            data[s.name] = col.alias(s.name)
        else:
            data[s.name] = pl.Series(s.name, col, dtype=pl.Utf8)
    frame = pl.DataFrame(data)
    # Values are stripped; an empty or whitespace-only cell is null.
    return frame.with_columns([pl.col(c).str.strip_chars().replace("", None).alias(c) for c in frame.columns])


def _drop_trailing_empty(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.height == 0 or frame.width == 0:
        return frame
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series().to_numpy()
    nz = np.flatnonzero(filled)
    return frame.head(int(nz[-1]) + 1 if nz.size else 0)


def _header_index(rows: Sequence[Sequence[Any]], specs: Sequence[ColumnSpec], search: int) -> int:
    """Index of the header among the first ``search`` rows: the first naming a required column (else 0)."""
    lookup = _header_map(specs)
    required = {s.name for s in specs if s.required}
    for i, row in enumerate(rows[:search]):
        if any(lookup.get(_norm_header(v)) in required for v in row):
            return i
    return 0


def _unknown_positions(header: Sequence[Any], positions: Mapping[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, h in enumerate(header):
        shown = "" if h is None else str(h).replace("\ufeff", "").strip()
        if shown and i not in positions and shown not in out.values():
            out[i] = shown
    return out


def _with_extras(frame: pl.DataFrame, extras: Mapping[str, list[Any] | pl.Series]) -> pl.DataFrame:
    if not extras:
        return frame
    cols = [
        (v if isinstance(v, pl.Series) else pl.Series(values=v, dtype=pl.Utf8))
        .head(frame.height)
        .str.strip_chars()
        .replace("", None)
        .alias(f"+{name}")
        for name, v in extras.items()
    ]
    return frame.with_columns(cols)


def _read_csv(
    p: Path, specs: Sequence[ColumnSpec], kind_label: str, header_search: int = 1, keep_unknown: bool = False
) -> Table:
    data = p.read_bytes()
    if not data.strip():
        raise InputRefused(f"{p.name}：{kind_label}文件为空", [RowError(None, "", "", "文件为空，没有表头")])
    text, encoding = _decode(data, p.name)
    skipped = 0
    if header_search > 1:
        lead = list(csv.reader(io.StringIO(text[: 64 * 1024])))[:header_search]
        skipped = _header_index(lead, specs, header_search)
        if skipped:
            # Drop the title lines (one record each; a title cell holds no line break).
            text = text.split("\n", skipped)[-1]
    if encoding == "gb18030" or skipped:
        body = text.encode("utf-8")
    else:
        body = data[3:] if encoding == "utf-8-sig" else data
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 if "\n" in text else len(text)])), [])
    positions, written, warnings = _resolve_headers(header, specs, p.name, kind_label)
    _check_field_counts(body, text, len(header), p.name, kind_label, row_offset=skipped)
    try:
        raw = pl.read_csv(
            io.BytesIO(body),
            has_header=True,
            infer_schema=False,
            new_columns=[f"c{i}" for i in range(len(header))],
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise InputRefused(
            f"{p.name}：{kind_label}文件不是有效的CSV", [RowError(None, "", "", f"CSV格式错误：{exc}"[:300])]
        ) from exc
    columns = {name: raw.get_column(f"c{i}") for i, name in positions.items()}
    frame = _drop_trailing_empty(_finish_frame(columns, specs, raw.height))
    extras = _unknown_positions(header, positions) if keep_unknown else {}
    frame = _with_extras(frame, {h: raw.get_column(f"c{i}") for i, h in extras.items()})
    return Table(
        extra_columns=list(extras.values()),
        frame=frame,
        encoding=encoding,
        warnings=warnings,
        checksum="",
        headers=written,
        first_data_row=skipped + 2,
    )


def _check_field_counts(
    body: bytes, text: str, expected: int, name: str, kind_label: str, *, row_offset: int = 0
) -> None:
    """Every record must have as many fields as the header (a cut-off last line must not slip through).

    Fast path for files without quotes: count commas per line. Otherwise let the csv module parse."""
    errors: list[RowError] = []
    if b'"' not in body:
        # Vectorised: commas per line from a running count at each newline (blank lines are skipped;
        # they become empty rows and are checked by the column validators).
        arr = np.frombuffer(body, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        if arr.size and arr[-1] != 10:
            ends = np.append(ends, arr.size)
        starts = np.concatenate(([0], ends[:-1] + 1))
        commas = np.flatnonzero(arr == 44)
        fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
        # Only lines with a wrong count can be blank ones; check those few directly.
        wrong = [i for i in np.flatnonzero(fields != expected).tolist() if body[starts[i] : ends[i]].strip()]
        for i in wrong[:1000]:
            errors.append(_field_count_error(i + 1 + row_offset, int(fields[i]), expected))
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        row = 0
        try:
            for rec in reader:
                row += 1
                if rec and len(rec) != expected:
                    errors.append(_field_count_error(row + row_offset, len(rec), expected))
                    if len(errors) >= 1000:
                        break
        except csv.Error as exc:
            errors.append(RowError(row + 1, "", "", f"CSV格式错误：{exc}（引号未闭合，文件可能被截断）"))
        if text and not text.endswith(("\n", "\r")) and text.count('"') % 2:
            errors.append(RowError(row, "", "", "最后一行引号未闭合，文件可能被截断"))
    if errors:
        raise InputRefused(
            f"{name}：{kind_label}文件的部分行列数与表头不一致（文件可能被截断或损坏）", errors
        )


def _field_count_error(row: int, n: int, expected: int) -> RowError:
    hint = "，该行可能被截断" if n < expected else "，可能含有未加引号的逗号"
    return RowError(row, "", "", f"该行有{n}列，表头有{expected}列{hint}")


def _xlsx_rows(p: Path, limit: int | None = None) -> list[tuple[Any, ...]]:
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise InputRefused(
            f"{p.name}：XLSX文件已损坏或不完整，无法读取",
            [RowError(None, "", "", f"无法打开XLSX文件（{type(exc).__name__}），请重新导出完整文件")],
        ) from exc
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            return []
        out: list[tuple[Any, ...]] = []
        for values in ws.iter_rows(values_only=True):
            out.append(values)
            if limit is not None and len(out) >= limit:
                break
        return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputRefused(
            f"{p.name}：XLSX文件已损坏或不完整，无法读取",
            [
                RowError(
                    len(out) + 1 if "out" in locals() else None, "", "", f"读取中断（{type(exc).__name__}）"
                )
            ],
        ) from exc
    finally:
        wb.close()


def _cell_text(value: Any, type_: str) -> str | None:
    """Render an XLSX cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime | dt.date):
        d = value.date() if isinstance(value, dt.datetime) else value
        return d.strftime("%Y-%m") if type_ == PERIOD else d.isoformat()
    if isinstance(value, int | float):
        if type_ == ID:
            # An ID stored as a number has already lost digits: keep the numeric form so it is refused.
            return repr(float(value))
        if isinstance(value, float):
            if value.is_integer() and abs(value) < 1e15:
                return str(int(value))
            return repr(value)
        return str(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


_XML_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def _string_items(frame: pl.DataFrame, column: str) -> pl.Series:
    """``_xml_text`` of ``column``, the common one-run form (``<is><t>…</t></is>``, ``<t>…</t>``) read
    with one anchored pattern, the rest (rich text, phonetic runs) with ``_xml_text``."""
    simple = frame.select(
        _unescape_expr(
            pl.col(column).str.extract(r"^(?:<is>|<si>)?<t(?:\s[^>]*)?>([^<]*)</t>(?:</is>|</si>)?$")
        )
    ).to_series()
    rest = simple.is_null() & frame.get_column(column).is_not_null()
    if not rest.any():
        return simple
    hard = frame.filter(rest).select(_xml_text(pl.col(column))).to_series()
    return simple.scatter(np.flatnonzero(rest.to_numpy()), hard)


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """The text of the ``<t>`` elements of a string item (rich-text runs joined, phonetic runs left out,
    as openpyxl reads them), entities decoded."""
    expr = expr.str.replace_all(r"(?s)<rPh\b.*?</rPh>", "").str.extract_all(r"(?s)<t\b[^>]*?(?:/>|>.*?</t>)")
    text = expr.list.eval(
        pl.element().str.replace(r"(?s)^<t\b[^>]*?(?:/>|>)", "").str.replace(r"</t>$", "")
    ).list.join("")
    return _unescape_expr(text)


def _xlsx_text_sheet(p: Path) -> pl.DataFrame | None:
    """The first sheet of an XLSX whose cells are all text (inline, shared or formula strings: what the
    national system exports), read on whole columns: columns ``c0…``, one row per sheet row from row 1,
    null for an empty cell. ``None`` when the sheet holds anything else (numbers, dates, booleans,
    character references, rows or cells without their reference): openpyxl reads those (decision 0724)."""
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            book = z.read("xl/workbook.xml").decode("utf-8")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            first = re.search(r"<sheet\b[^>]*?\br:id=\"([^\"]+)\"", book)
            if first is None:
                return None
            target = re.search(rf"<Relationship\b[^>]*?Id=\"{re.escape(first.group(1))}\"[^>]*?/>", rels)
            where = re.search(r"Target=\"([^\"]+)\"", target.group(0)) if target else None
            if where is None:
                return None
            path = where.group(1).lstrip("/")
            path = path if path.startswith("xl/") else f"xl/{path}"
            sheet = z.read(path).decode("utf-8")
            shared = z.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in names else ""
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError, ValueError):
        return None
    if "&#" in sheet or "&#" in shared:
        return None
    start, end = sheet.find("<sheetData"), sheet.rfind("</sheetData>")
    if start < 0 or "<c>" in sheet or "<row>" in sheet:
        return None  # no sheet data, or cells / rows without their reference
    data = sheet[start:end] if end > start else ""
    # Split on the literal tag starts (fast), then parse each small fragment: a row's attributes and cells;
    # a cell's attributes and body. Text never holds a literal "<" (it is escaped as &lt;).
    pieces = data.split("<row ")[1:]
    if not pieces:
        return pl.DataFrame()
    rows = pl.DataFrame({"row": pieces}).select(
        pl.col("row").str.extract(r"^[^>]*?\br=\"(\d+)\"").cast(pl.Int64).alias("n"),
        pl.col("row").str.split("<c ").list.slice(1).alias("c"),
    )
    if rows.get_column("n").null_count():
        return None
    cells = (
        rows.explode("c")
        .drop_nulls("c")
        .select(
            "n",
            pl.col("c").str.extract(r"^[^>]*?\br=\"([A-Z]{1,3})\d+\"").alias("ref"),
            pl.col("c").str.extract(r"^[^>]*?\bt=\"(\w+)\"").alias("t"),
            pl.col("c").str.replace(r"^[^>]*>", "").str.replace(r"(?s)</c>.*$", "").alias("body"),
        )
    )
    if cells.get_column("ref").null_count():
        return None
    valued = pl.col("body").str.contains(r"<(?:v|is)\b")
    if cells.filter(valued & ~pl.col("t").fill_null("n").is_in(["s", "inlineStr", "str"])).height:
        return None  # numbers, dates, booleans, errors: openpyxl knows their styles
    if shared:
        items = pl.DataFrame({"si": [p.split("</si>", 1)[0] for p in shared.split("<si>")[1:]]})
        strings = _string_items(items, "si")
    else:
        strings = pl.Series("s", [], dtype=pl.Utf8)
    refs = cells.get_column("ref").unique().to_list()
    index = {ref: _column_index(ref) for ref in refs}
    v = _unescape_expr(pl.col("body").str.extract(r"(?s)<v\b[^>]*>(.*?)</v>"))
    cells = cells.with_columns(
        pl.col("ref").replace_strict(index, return_dtype=pl.Int64).alias("k"),
        pl.when(pl.col("t") == "s").then(v.cast(pl.Int64, strict=False)).alias("si"),
        v.alias("v"),
    )
    if cells.filter((pl.col("t") == "s") & (pl.col("si").is_null() | (pl.col("si") >= strings.len()))).height:
        return None
    shared_value = (
        strings.gather(cells.get_column("si").fill_null(0))
        if strings.len()
        else pl.Series([None] * cells.height, dtype=pl.Utf8)
    )
    inline = _string_items(
        cells.select(pl.when(pl.col("t") == "inlineStr").then(pl.col("body")).alias("b")), "b"
    )
    value = (
        pl.when(pl.col("t") == "inlineStr")
        .then(pl.lit(inline))
        .when(pl.col("t") == "s")
        .then(pl.lit(shared_value))
        .when(pl.col("t") == "str")
        .then(pl.col("v"))
        .otherwise(None)
    )
    cells = cells.with_columns(value.alias("value"))
    width = int(cells.select(pl.col("k").max().fill_null(-1)).item()) + 1
    height = int(rows.select(pl.col("n").max().fill_null(0)).item())
    wide = cells.select("n", "k", "value").unique(subset=["n", "k"], keep="last", maintain_order=True)
    out = pl.DataFrame({"n": pl.int_range(1, height + 1, eager=True).cast(pl.Int64)})
    for k in range(width):
        part = wide.filter(pl.col("k") == k).select("n", pl.col("value").alias(f"c{k}"))
        out = out.join(part, on="n", how="left", maintain_order="left")
    return out.drop("n")


def _column_index(ref: str) -> int:
    """``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26."""
    n = 0
    for ch in ref:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape_expr(expr: pl.Expr) -> pl.Expr:
    for entity, char in _XML_ENTITIES:
        expr = expr.str.replace_all(entity, char, literal=True)
    return expr


def _read_xlsx_text(
    p: Path,
    frame: pl.DataFrame,
    specs: Sequence[ColumnSpec],
    kind_label: str,
    *,
    header_search: int,
    keep_unknown: bool,
) -> Table:
    """``_read_xlsx`` for a text-only sheet read on whole columns (``_xlsx_text_sheet``)."""
    if frame.width:
        blank = (
            frame.select(
                pl.all_horizontal(
                    [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in frame.columns]
                )
            )
            .to_series()
            .to_numpy()
        )
        filled = np.flatnonzero(~blank)
        frame = frame.head(int(filled[-1]) + 1 if filled.size else 0)
    if frame.height == 0 or frame.width == 0:
        raise InputRefused(
            f"{p.name}：{kind_label}文件为空", [RowError(None, "", "", "工作表为空，没有表头")]
        )
    lead = frame.head(max(header_search, 1)).rows()
    at = _header_index(lead, specs, header_search) if header_search > 1 else 0
    header = ["" if v is None else str(v) for v in lead[at]]
    positions, written, warnings = _resolve_headers(header, specs, p.name, kind_label)
    body = frame.slice(at + 1)
    columns: dict[str, list[Any] | pl.Series] = {
        name: body.get_column(f"c{i}") for i, name in positions.items() if i < body.width
    }
    table_frame = _finish_frame(columns, specs, body.height)
    extras = _unknown_positions(header, positions) if keep_unknown else {}
    table_frame = _with_extras(table_frame, {h: body.get_column(f"c{i}") for i, h in extras.items()})
    return Table(
        frame=table_frame,
        encoding="xlsx",
        warnings=warnings,
        checksum="",
        headers=written,
        first_data_row=at + 2,
        extra_columns=list(extras.values()),
    )


def _read_xlsx(
    p: Path, specs: Sequence[ColumnSpec], kind_label: str, header_search: int = 1, keep_unknown: bool = False
) -> Table:
    fast = _xlsx_text_sheet(p)
    if fast is not None:
        return _read_xlsx_text(
            p, fast, specs, kind_label, header_search=header_search, keep_unknown=keep_unknown
        )
    rows = _xlsx_rows(p)
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputRefused(
            f"{p.name}：{kind_label}文件为空", [RowError(None, "", "", "工作表为空，没有表头")]
        )
    at = _header_index(rows, specs, header_search) if header_search > 1 else 0
    header = ["" if v is None else str(v) for v in rows[at]]
    positions, written, warnings = _resolve_headers(header, specs, p.name, kind_label)
    types = {s.name: s.type for s in specs}
    body = rows[at + 1 :]
    columns: dict[str, list[Any] | pl.Series] = {}
    for i, name in positions.items():
        t = types[name]
        columns[name] = [_cell_text(r[i] if i < len(r) else None, t) for r in body]
    frame = _finish_frame(columns, specs, len(body))
    extras = _unknown_positions(header, positions) if keep_unknown else {}
    frame = _with_extras(
        frame, {h: [_cell_text(r[i] if i < len(r) else None, TEXT) for r in body] for i, h in extras.items()}
    )
    return Table(
        frame=frame,
        encoding="xlsx",
        warnings=warnings,
        checksum="",
        headers=written,
        first_data_row=at + 2,
        extra_columns=list(extras.values()),
    )


# --- Validation ----------------------------------------------------------------------------------------

_FLAG_VALUES = {"Y": True, "N": False, "是": True, "否": False, "y": True, "n": False}
MAX_MONEY_CENTS = 10**12 - 1  # DecimalField(max_digits=12, decimal_places=2)


def _choices_lookup(choices: Any) -> tuple[dict[str, str], str]:
    """Accepted spellings -> code (the code itself, case-insensitively, or its Chinese label)."""
    pairs: Iterable[tuple[str, str]] = (
        choices.choices if hasattr(choices, "choices") else list(dict(choices).items())
    )
    lookup: dict[str, str] = {}
    shown = []
    for code, label in pairs:
        lookup[str(code)] = str(code)
        lookup[str(code).lower()] = str(code)
        lookup[str(label)] = str(code)
        shown.append(f"{code} {label}")
    return lookup, "、".join(shown)


class TableValidator:
    """Typed views of a Table's columns, collecting every failure as a RowError.

    Each method returns a polars Series aligned with the frame (null where the cell is empty or invalid)
    and appends errors; call ``refuse_if_errors`` once all columns have been checked.
    """

    def __init__(self, table: Table, *, label: str = "") -> None:
        self.table = table
        self.frame = table.frame
        self.label = label
        self.errors: list[RowError] = []
        self._rows = np.arange(table.first_data_row, table.first_data_row + table.frame.height)

    # helpers
    def add(self, index: int, column: str, value: Any, reason: str) -> None:
        self.errors.append(
            RowError(
                self.table.row_number(index),
                self.table.header(column),
                "" if value is None else str(value),
                reason,
            )
        )

    def add_mask(
        self, mask: np.ndarray | pl.Series, column: str, reason: str | None = None, *, reasons: Any = None
    ) -> None:
        """Errors for every row where ``mask`` is true; ``reasons`` may be a Series of per-row reasons."""
        m = mask.fill_null(False).to_numpy() if isinstance(mask, pl.Series) else np.asarray(mask, dtype=bool)
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return
        values = (
            self.frame.get_column(column).gather(idx).to_list()
            if column in self.frame.columns
            else [None] * idx.size
        )
        why = reasons.gather(idx).to_list() if isinstance(reasons, pl.Series) else None
        for k, i in enumerate(idx.tolist()):
            self.add(i, column, values[k], why[k] if why is not None else (reason or ""))

    def col(self, name: str) -> pl.Series:
        return self.frame.get_column(name)

    def required(self, name: str, *, what: str | None = None) -> pl.Series:
        s = self.col(name)
        self.add_mask(s.is_null(), name, f"{what or self.table.header(name)}不能为空")
        return s

    def refuse_if_errors(self, message: str) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: (e.row or 0, e.column))
            raise InputRefused(message, list(self.errors))

    # typed columns
    def id_number(self, name: str = "id_number", *, required: bool = True) -> pl.DataFrame:
        """GB 11643 IDs (shouwang.common.idnumber semantics and messages), vectorised.

        Returns a frame with ``id_number`` (normalised, null if invalid), ``birth_date`` (Date) and ``sex``
        (M/F) from the ID."""
        raw = self.col(name)
        if required:
            self.add_mask(raw.is_null(), name, "证件号码为空")
        norm = raw.str.strip_chars().str.to_uppercase()
        shaped = norm.str.contains(r"^\d{17}[\dX]$").fill_null(False).to_numpy()
        n = norm.len()
        good = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(shaped)
        if idx.size:
            arr = np.frombuffer("".join(norm.gather(idx).to_list()).encode("ascii"), dtype=np.uint8).reshape(
                -1, 18
            )
            digits = arr[:, :17].astype(np.int64) - 48
            weights = np.array(idnumber.WEIGHTS, dtype=np.int64)
            expected = np.frombuffer(idnumber.CHECK_CHARS.encode(), dtype=np.uint8)[(digits @ weights) % 11]
            ok = expected == arr[:, 17]
            good[idx] = ok
        birth = norm.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
        today = dt.date.today()
        in_range = ((birth >= dt.date(1900, 1, 1)) & (birth <= today)).fill_null(False).to_numpy()
        good &= in_range
        bad = np.flatnonzero(~good & raw.is_not_null().to_numpy())
        raw_list = raw.gather(bad).to_list() if bad.size else []
        for k, i in enumerate(bad.tolist()):
            try:
                idnumber.parse(raw_list[k])
                reason = "证件号码无效"
            except idnumber.IdNumberError as exc:
                reason = str(exc)
            self.add(i, name, raw_list[k], reason)
        mask = pl.Series(good)
        id_clean = norm.zip_with(mask, pl.Series([None] * n, dtype=pl.Utf8))
        seq_digit = norm.str.slice(16, 1).cast(pl.Int32, strict=False)
        sex = pl.Series(
            np.where((seq_digit.fill_null(0).to_numpy() % 2) == 1, "M", "F"), dtype=pl.Utf8
        ).zip_with(mask, pl.Series([None] * n, dtype=pl.Utf8))
        birth = birth.zip_with(mask, pl.Series([None] * n, dtype=pl.Date))
        return pl.DataFrame({"id_number": id_clean, "birth_date": birth, "sex": sex})

    def date(self, name: str, *, required: bool = False, not_future: bool = True) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        shaped = s.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        parsed = s.str.strptime(pl.Date, "%Y-%m-%d", strict=False).zip_with(
            shaped.fill_null(False), pl.Series([None] * s.len(), dtype=pl.Date)
        )
        self.add_mask(s.is_not_null() & parsed.is_null(), name, "日期格式应为YYYY-MM-DD且为有效日期")
        if not_future:
            self.add_mask(parsed > dt.date.today(), name, "日期晚于今天，不可能")
        return parsed

    def period(self, name: str = "period", *, required: bool = True) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        ok = s.str.contains(r"^\d{4}-(0[1-9]|1[0-2])$").fill_null(False)
        self.add_mask(s.is_not_null() & ~ok, name, "期间格式应为YYYY-MM（如2024-12）")
        return s.zip_with(ok, pl.Series([None] * s.len(), dtype=pl.Utf8))

    def money(self, name: str, *, required: bool = False) -> pl.Series:
        """Yuan with up to 2 decimals, ≥ 0, as Int64 cents (exact)."""
        s = self.col(name)
        if required:
            self.required(name)
        present = s.is_not_null()
        plain = s.str.replace_all(r"^\+", "")
        shaped = plain.str.contains(r"^-?\d+(\.\d{1,2})?$").fill_null(False)
        negative = plain.str.contains(r"^-\d+(\.\d+)?$").fill_null(False)
        many_dec = plain.str.contains(r"^-?\d+\.\d{3,}$").fill_null(False)
        self.add_mask(present & negative, name, "金额不能为负数")
        self.add_mask(present & many_dec & ~negative, name, "金额最多保留两位小数")
        self.add_mask(
            present & ~shaped & ~negative & ~many_dec, name, "不是有效的金额（应为以元为单位的数字）"
        )
        ok = shaped & ~negative
        parts = plain.str.split_exact(".", 1)
        whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
        frac = (
            parts.struct.field("field_1")
            .fill_null("")
            .str.pad_end(2, "0")
            .replace("", "00")
            .cast(pl.Int64, strict=False)
        )
        cents = whole * 100 + frac.fill_null(0)
        too_big = (cents > MAX_MONEY_CENTS).fill_null(False) | (ok & whole.is_null())
        self.add_mask(present & ok & too_big, name, "金额过大")
        return cents.zip_with(ok & ~too_big, pl.Series([None] * s.len(), dtype=pl.Int64))

    def flag(self, name: str, *, required: bool = False) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        mapped = s.replace_strict(_FLAG_VALUES, default=None, return_dtype=pl.Boolean)
        self.add_mask(s.is_not_null() & mapped.is_null(), name, "应为Y或N（也接受“是”“否”）")
        return mapped

    def enum(self, name: str, choices: Any, *, required: bool = False, what: str | None = None) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        lookup, shown = _choices_lookup(choices)
        mapped = s.replace_strict(lookup, default=None, return_dtype=pl.Utf8)
        lower = s.str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.Utf8)
        mapped = mapped.fill_null(lower)
        self.add_mask(
            s.is_not_null() & mapped.is_null(),
            name,
            f"不是有效的{what or self.table.header(name)}（可选：{shown}）",
        )
        return mapped

    def integer(
        self, name: str, *, low: int | None = None, high: int | None = None, required: bool = False
    ) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        cleaned = s.str.replace(r"\.0+$", "")
        val = cleaned.cast(pl.Int64, strict=False).zip_with(
            cleaned.str.contains(r"^-?\d{1,9}$").fill_null(False), pl.Series([None] * s.len(), dtype=pl.Int64)
        )
        self.add_mask(s.is_not_null() & val.is_null(), name, "应为整数")
        if low is not None or high is not None:
            lo = low if low is not None else -(10**9)
            hi = high if high is not None else 10**9
            out = (val < lo) | (val > hi)
            self.add_mask(out, name, f"应在{lo}到{hi}之间")
            val = val.zip_with(~out.fill_null(False), pl.Series([None] * s.len(), dtype=pl.Int64))
        return val

    def phone(self, name: str = "phone", *, required: bool = False) -> pl.Series:
        s = self.col(name)
        if required:
            self.required(name)
        cleaned = s.str.replace_all(r"[\s-]", "")
        ok = cleaned.str.contains(r"^1\d{10}$").fill_null(False)
        self.add_mask(s.is_not_null() & ~ok, name, "联系电话应为11位手机号码")
        return cleaned.zip_with(ok, pl.Series([None] * s.len(), dtype=pl.Utf8))

    def check_spec(self, spec: ColumnSpec, *, choices: Any = None) -> pl.Series | pl.DataFrame:
        """Dispatch on ``spec.type`` (convenience for simple feed files)."""
        req = spec.required
        if spec.type == ID:
            return self.id_number(spec.name, required=req)
        if spec.type == DATE:
            return self.date(spec.name, required=req)
        if spec.type == PERIOD:
            return self.period(spec.name, required=req)
        if spec.type == MONEY:
            return self.money(spec.name, required=req)
        if spec.type == FLAG:
            return self.flag(spec.name, required=req)
        if spec.type == INT:
            return self.integer(spec.name, required=req)
        if spec.type == PHONE:
            return self.phone(spec.name, required=req)
        if spec.type == ENUM:
            if choices is None:
                raise ValueError(f"enumeration column {spec.name} needs choices")
            return self.enum(spec.name, choices, required=req)
        return self.required(spec.name) if req else self.col(spec.name)


def cents_to_str(cents: int | None) -> str | None:
    """Int cents -> "123.45" (exact, for DecimalField values)."""
    if cents is None:
        return None
    return f"{cents // 100}.{cents % 100:02d}"


def specs_by_name(specs: Sequence[ColumnSpec]) -> Mapping[str, ColumnSpec]:
    return {s.name: s for s in specs}
