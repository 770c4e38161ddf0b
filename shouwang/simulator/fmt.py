"""Calendar arithmetic and the exchange-format rendering of numpy arrays (CONTRACT §2: dates
YYYY-MM-DD, periods YYYY-MM, money with 2 decimals, flags Y/N, IDs as text), and CSV writing in the
encodings departments really use."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from shouwang.common.idnumber import CHECK_CHARS, WEIGHTS
from shouwang.simulator.codes import Encoding

# ---------------------------------------------------------------------------- calendar
# A month is an absolute month number: year * 12 + (month - 1). Days are days since 1970-01-01.


def month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def period(month_no: int) -> str:
    return f"{month_no // 12:04d}-{month_no % 12 + 1:02d}"


def parse_period(text: str) -> int:
    year, month = text.split("-")
    return month_number(int(year), int(month))


def first_day(month_no: int) -> int:
    """Days since the epoch of the first day of the month."""
    y, m = divmod(month_no, 12)
    return int(np.datetime64(f"{y:04d}-{m + 1:02d}", "M").astype("datetime64[D]").astype(np.int64))


def days_in_month(month_no: int) -> int:
    return first_day(month_no + 1) - first_day(month_no)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since the epoch: H. Hinnant's civil-from-days in integer arithmetic
    (several times faster than numpy datetime conversions on millions of birth dates)."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def age_years(birth_days: np.ndarray, on_day: int) -> np.ndarray:
    """Completed years of age on a day (exact, birthday-aware)."""
    by, bm, bd = ymd(birth_days)
    oy, om, od = ymd(np.array([on_day]))
    before = (bm > om[0]) | ((bm == om[0]) & (bd > od[0]))
    return (oy[0] - by - before).astype(np.int16)


# ---------------------------------------------------------------------------- rendering

SMALL = 4096  # below this many values, plain Python formatting is faster than a polars query


def date_series(days: np.ndarray, name: str = "") -> pl.Series:
    """YYYY-MM-DD; a negative day means blank."""
    s = pl.Series(name, np.asarray(days, dtype=np.int32)).cast(pl.Date)
    return s.set(pl.Series(np.asarray(days) < 0), None) if (np.asarray(days) < 0).any() else s


def period_series(month_nos: np.ndarray, name: str = "") -> pl.Series:
    """YYYY-MM; a negative month number means blank."""
    m = np.asarray(month_nos, dtype=np.int64)
    df = pl.DataFrame({"m": m})
    out = df.select(
        pl.when(pl.col("m") >= 0)
        .then(
            pl.concat_str(
                [
                    (pl.col("m") // 12).cast(pl.String).str.zfill(4),
                    pl.lit("-"),
                    (pl.col("m") % 12 + 1).cast(pl.String).str.zfill(2),
                ]
            )
        )
        .alias(name)
    )
    return out.to_series()


def money_series(cents: np.ndarray, name: str = "", blank: np.ndarray | None = None) -> pl.Series:
    """Yuan with exactly 2 decimals from integer cents (exact: no float rounding in the output)."""
    c = np.asarray(cents, dtype=np.int64)
    if len(c) <= SMALL:
        # Building a polars query costs more than formatting a few thousand values in Python.
        text = [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in c.tolist()]
        out = pl.Series(name, text, dtype=pl.String)
        if blank is not None and blank.any():
            out = out.set(pl.Series(blank), None)
        return out
    df = pl.DataFrame({"c": np.abs(c), "neg": c < 0})
    expr = pl.concat_str(
        [
            pl.when(pl.col("neg")).then(pl.lit("-")).otherwise(pl.lit("")),
            (pl.col("c") // 100).cast(pl.String),
            pl.lit("."),
            (pl.col("c") % 100).cast(pl.String).str.zfill(2),
        ]
    )
    out = df.select(expr.alias(name)).to_series()
    if blank is not None and blank.any():
        out = out.set(pl.Series(blank), None)
    return out


def lookup(table: Sequence[str], codes: np.ndarray, name: str = "") -> pl.Series:
    """Map small integer codes to their strings; an empty string becomes blank in the CSV."""
    return pl.Series(name, list(table), dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


def flag_series(values: np.ndarray, name: str = "") -> pl.Series:
    return lookup(("N", "Y"), np.asarray(values, dtype=np.int64), name)


def int_series(values: np.ndarray, name: str = "", blank: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(name, np.asarray(values, dtype=np.int64))
    if blank is not None and blank.any():
        s = s.set(pl.Series(blank), None)
    return s


# ---------------------------------------------------------------------------- resident IDs


def id_key(area: np.ndarray, birth_days: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 characters of the ID as one int64 (area·10^11 + YYYYMMDD·10^3 + seq)."""
    y, m, d = ymd(np.asarray(birth_days))
    date = y * 10_000 + m * 100 + d
    return np.asarray(area, dtype=np.int64) * 10**11 + date * 1000 + np.asarray(seq, dtype=np.int64)


def check_codes(keys: np.ndarray) -> np.ndarray:
    """Index into CHECK_CHARS of the GB 11643 check character, vectorised."""
    k = np.asarray(keys, dtype=np.int64).copy()
    total = np.zeros(len(k), dtype=np.int64)
    for weight in reversed(WEIGHTS):  # least significant digit carries the last weight
        total += (k % 10) * weight
        k //= 10
    return total % 11


def id_series(keys: np.ndarray, name: str = "id_number") -> pl.Series:
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) <= SMALL:
        checks = check_codes(keys).tolist()
        return pl.Series(name, [f"{k}{CHECK_CHARS[c]}" for k, c in zip(keys.tolist(), checks, strict=True)])
    body = pl.Series(name, keys).cast(pl.String)
    check = lookup(tuple(CHECK_CHARS), check_codes(keys))
    return pl.select(pl.concat_str([pl.lit(body), pl.lit(check)]).alias(name)).to_series()


def id_strings(keys: np.ndarray) -> list[str]:
    return id_series(keys).to_list()


# ---------------------------------------------------------------------------- CSV


def csv_bytes(df: pl.DataFrame, encoding: Encoding, include_header: bool = True) -> bytes:
    buf = io.BytesIO()
    df.write_csv(buf, include_header=include_header)
    raw = buf.getvalue()
    if encoding is Encoding.GB18030:
        # Excel on Chinese Windows: GB18030 text with CRLF line ends.
        return raw.decode("utf-8").replace("\n", "\r\n").encode("gb18030")
    return raw


def write_csv(path: Path, df: pl.DataFrame, encoding: Encoding = Encoding.UTF8) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = csv_bytes(df, encoding)
    if encoding is Encoding.UTF8_BOM:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


class CsvAppender:
    """Writes one CSV in chunks (large registry and truth files), header first, UTF-8."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.columns = tuple(columns)
        self._fh = path.open("wb")
        self._fh.write((",".join(self.columns) + "\n").encode("utf-8"))

    def write(self, df: pl.DataFrame) -> None:
        if df.height:
            self._fh.write(csv_bytes(df.select(self.columns), Encoding.UTF8, include_header=False))

    def close(self) -> None:
        self._fh.close()
