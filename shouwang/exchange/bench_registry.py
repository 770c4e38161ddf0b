"""``shouwang bench import --persons N [--json]`` (CONTRACT §1): registry import throughput.

By default the files come from the simulator (``shouwang simulate``'s registry files: the county model's
households, members and incomes), renamed into the bench's namespace. ``--generator synthetic`` uses the
generator below instead: valid exchange files (CONTRACT §2) generated vectorised, households in existing
villages of the region table, ~3.7 members each, GB 11643 IDs with correct check characters, one 12-month
income record per household — faster to produce, and exactly ``--persons`` people.

Isolation (docs/decisions/0102-bench-import-isolation.md): the bench imports under its own source name
``bench-import``, household numbers prefixed ``BENCH-`` and ID numbers in fake areas (``9xxxxx`` for
simulated people, ``539900`` for synthetic ones; no real region has such a code), so it never touches or
collides with real or demo rows; afterwards it deletes everything it
inserted (persons, households, incomes, quality findings, village groups it created, its batches and their
audit rows) so it can run against a demo database without leaving a trace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, transaction

from shouwang.common import idnumber
from shouwang.exchange.registry_import import registry_import
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.simulator.services import simulation_run, simulation_validate

BENCH_SOURCE = "bench-import"
BENCH_PREFIX = "BENCH-"
BENCH_AREA = "539900"
BENCH_ACTOR = "bench-import"

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = list("建国华明秀英玉兰志强丽芳军伟平红霞文杰海燕春梅云峰永福德金凤琼仙珍丽娟雪松林涛")


@dataclass(frozen=True)
class BenchFiles:
    households: Path
    persons: Path
    incomes: Path
    n_households: int
    n_persons: int
    period: str


def _check_chars(first17: np.ndarray) -> np.ndarray:
    """first17: (n, 17) uint8 ASCII digits -> check characters (uint8 ASCII)."""
    digits = first17.astype(np.int64) - 48
    weights = np.array(idnumber.WEIGHTS, dtype=np.int64)
    table = np.frombuffer(idnumber.CHECK_CHARS.encode(), dtype=np.uint8)
    return table[(digits @ weights) % 11]


def make_ids(birth: np.ndarray, male: np.ndarray, area: str = BENCH_AREA) -> list[str]:
    """Unique valid IDs for the given birth dates (datetime64[D]) and sexes."""
    n = birth.size
    frame = pl.DataFrame({"b": birth.astype("datetime64[D]").astype(np.int64), "m": male})
    k = frame.select(pl.int_range(pl.len()).over("b", "m")).to_series().to_numpy()
    if k.max(initial=0) >= 500:
        raise ValueError("too many people born on one day for unique sequence numbers")
    seq = 2 * k + male.astype(np.int64)
    ymd = np.datetime_as_string(birth.astype("datetime64[D]"), unit="D")
    body = np.char.add(np.char.add(area, np.char.replace(ymd, "-", "")), np.char.zfill(seq.astype(str), 3))
    raw = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 17)
    full = np.concatenate([raw, _check_chars(raw)[:, None]], axis=1)
    return [full[i].tobytes().decode() for i in range(n)] if n < 1000 else _rows_to_str(full)


def _rows_to_str(arr: np.ndarray) -> list[str]:
    blob = arr.tobytes().decode("ascii")
    w = arr.shape[1]
    return [blob[i : i + w] for i in range(0, len(blob), w)]


def generate(
    out: Path,
    *,
    persons: int,
    seed: int = 20240601,
    villages: list[str] | None = None,
    period: str | None = None,
    prefix: str = BENCH_PREFIX,
    area: str = BENCH_AREA,
    today: dt.date | None = None,
) -> BenchFiles:
    """Write households.csv, persons.csv and incomes.csv for ``persons`` people into ``out``."""
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    period = period or (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    if villages is None:
        villages = list(
            Region.objects.filter(level=RegionLevelChoices.VILLAGE, code__startswith="530326")
            .order_by("code")
            .values_list("code", flat=True)
        ) or list(
            Region.objects.filter(level=RegionLevelChoices.VILLAGE).values_list("code", flat=True)[:200]
        )
    n_h = max(1, round(persons / 3.7))
    sizes = rng.poisson(2.7, n_h) + 1
    # Adjust to exactly ``persons`` people, keeping every household at 1..10 members.
    sizes = np.clip(sizes, 1, 10)
    diff = persons - int(sizes.sum())
    while diff != 0:
        idx = rng.integers(0, n_h, abs(diff))
        step = 1 if diff > 0 else -1
        np.add.at(sizes, idx, step)
        sizes = np.clip(sizes, 1, 12)
        diff = persons - int(sizes.sum())
    hh_index = np.repeat(np.arange(n_h), sizes)
    pos = np.arange(persons) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # position within household

    hh_no = np.char.add(prefix, np.char.zfill(np.arange(1, n_h + 1).astype(str), 8))
    village = np.array(villages)[rng.integers(0, len(villages), n_h)]
    former = rng.random(n_h) < 0.3
    households = pl.DataFrame(
        {
            "household_no": hh_no,
            "village_code": village,
            "group_name": np.char.add(np.char.add("第", rng.integers(1, 9, n_h).astype(str)), "村民小组"),
            "address": np.char.add("自然村", rng.integers(1, 30, n_h).astype(str)),
            "poverty_status": np.where(former, "former_poor", "ordinary"),
            "poverty_exit_year": np.where(former, rng.integers(2016, 2021, n_h).astype(str), ""),
            "relocated": np.where(former & (rng.random(n_h) < 0.1), "Y", "N"),
            "monitoring_category": "",
            "phone": np.char.add("139", np.char.zfill(rng.integers(0, 10**8, n_h).astype(str), 8)),
        }
    )

    # Members: head, spouse, then children (and a parent in bigger households).
    head_age = rng.integers(28, 75, n_h)
    relation = np.where(pos == 0, "head", np.where(pos == 1, "spouse", "child"))
    parent_slot = (pos == sizes[hh_index] - 1) & (pos >= 3) & (head_age[hh_index] < 55)
    relation = np.where(parent_slot, "parent", relation)
    h_age = head_age[hh_index]
    age = np.select(
        [relation == "head", relation == "spouse", relation == "child", relation == "parent"],
        [
            h_age,
            np.clip(h_age + rng.integers(-4, 5, persons), 18, 90),
            np.maximum(h_age - rng.integers(20, 32, persons), 0),
            h_age + rng.integers(22, 30, persons),
        ],
    )
    head_male = rng.random(n_h) < 0.85
    male = np.where(
        relation == "head",
        head_male[hh_index],
        np.where(relation == "spouse", ~head_male[hh_index], rng.random(persons) < 0.5),
    )
    days = rng.integers(0, 365, persons)
    birth = (
        np.datetime64(today) - (age * 365.25).astype("timedelta64[D]") - days.astype("timedelta64[D]")
    ).astype("datetime64[D]")
    birth = np.minimum(birth, np.datetime64(today) - np.timedelta64(1, "D"))
    age_now = ((np.datetime64(today) - birth).astype(np.int64) / 365.25).astype(np.int64)
    ids = make_ids(birth, male, area)
    school = np.select(
        [
            age_now < 3,
            age_now < 6,
            age_now < 12,
            age_now < 15,
            age_now < 18,
            (age_now < 22) & (rng.random(persons) < 0.4),
        ],
        ["none", "preschool", "primary", "junior", "senior", "undergraduate"],
        "none",
    )
    labour = np.select(
        [age_now < 16, school != "none", age_now >= 65, age_now >= 60],
        ["none", "none", "none", "weak"],
        np.where(rng.random(persons) < 0.15, "skilled", "ordinary"),
    )
    disabled = rng.random(persons) < 0.03
    health = np.where(disabled, "disabled", np.where(rng.random(persons) < 0.08, "chronic", "healthy"))
    grade = np.where(disabled, rng.integers(1, 5, persons).astype(str), "")
    labour = np.where(disabled & np.isin(grade, ["1", "2"]), "lost", labour)
    works = np.isin(labour, ["ordinary", "skilled"])
    months = np.where(works, rng.integers(0, 13, persons), 0)
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n_h)][hh_index]
    given = np.char.add(
        np.array(GIVEN)[rng.integers(0, len(GIVEN), persons)],
        np.array(GIVEN)[rng.integers(0, len(GIVEN), persons)],
    )
    name = np.where(
        relation == "spouse", np.array(SURNAMES)[rng.integers(0, len(SURNAMES), persons)], surname
    )
    persons_frame = pl.DataFrame(
        {
            "household_no": hh_no[hh_index],
            "id_number": ids,
            "name": np.char.add(name, given),
            "sex": np.where(male, "M", "F"),
            "relation": relation,
            "ethnicity": np.where(rng.random(persons) < 0.8, "汉族", "彝族"),
            "education": np.where(age_now < 6, "", "初中"),
            "school_status": school,
            "health": health,
            "disability_grade": grade,
            "labour": labour,
            "work_months": months.astype(str),
            "work_place": np.where(months > 0, "in_province", ""),
            "medical_insurance": "Y",
            "serious_illness_insurance": "Y",
            "pension_insurance": np.where(age_now >= 16, "Y", "N"),
            "dibao": np.where(rng.random(persons) < 0.05, "Y", "N"),
            "tekun": "N",
            "phone": "",
        }
    )
    worked = np.bincount(hh_index, weights=months, minlength=n_h)
    wage = (worked * rng.integers(2000, 4500, n_h) * 100).astype(np.int64)

    def money(cents: np.ndarray) -> np.ndarray:
        return np.char.add(
            np.char.add((cents // 100).astype(str), "."), np.char.zfill((cents % 100).astype(str), 2)
        )

    incomes = pl.DataFrame(
        {
            "household_no": hh_no,
            "period": period,
            "wage": money(wage),
            "business": money(rng.integers(0, 1_500_000, n_h)),
            "property": money(rng.integers(0, 100_000, n_h)),
            "transfer": money(rng.integers(0, 600_000, n_h)),
            "business_cost": money(rng.integers(0, 400_000, n_h)),
            "compliant_self_pay": money(rng.integers(0, 200_000, n_h)),
            "insurance_claims": money(rng.integers(0, 50_000, n_h)),
        }
    )
    _check_namespace(households, persons_frame, incomes, prefix=prefix, area=area)
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "households.csv", out / "persons.csv", out / "incomes.csv")
    for frame, path in zip((households, persons_frame, incomes), paths, strict=True):
        frame.write_csv(path)
    return BenchFiles(*paths, n_households=n_h, n_persons=persons, period=period)


def simulated(out: Path, *, persons: int, seed: int = 20240601, prefix: str = BENCH_PREFIX) -> BenchFiles:
    """The registry files of ``shouwang simulate`` (about ``persons`` people; the simulator decides the
    exact number), moved into the bench's namespace: household numbers get the ``BENCH-`` prefix and ID
    numbers a fake area whose first digit is 9 (``530326`` → ``930326``; no region code starts with 9, the
    mapping is one-to-one, birth date, sequence and sex are kept and the check character recomputed), so
    nothing can collide with a demo county simulated from the same model."""
    sim_dir = out / "simulated"
    households = max(1, round(persons / 3.9))
    params = simulation_validate(households=households, months=1, seed=seed, out=sim_dir, force=True)
    simulation_run(params=params, progress=False)
    reg = sim_dir / "registry"
    hh = pl.read_csv(reg / "households.csv", infer_schema=False)
    ps = pl.read_csv(reg / "persons.csv", infer_schema=False)
    inc = pl.read_csv(reg / "incomes.csv", infer_schema=False)
    renumber = pl.concat_str([pl.lit(prefix), pl.col("household_no")]).alias("household_no")
    ids = ps.get_column("id_number")
    first17 = (pl.lit("9") + ids.str.slice(1, 16)).alias("f")
    body = pl.select(first17).to_series()
    raw = np.frombuffer("".join(body.to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    full = np.concatenate([raw, _check_chars(raw)[:, None]], axis=1)
    ps = ps.with_columns(renumber, pl.Series("id_number", _rows_to_str(full)))
    hh, inc = hh.with_columns(renumber), inc.with_columns(renumber)
    _check_namespace(hh, ps, inc, prefix=prefix, area="9")
    paths = (out / "households.csv", out / "persons.csv", out / "incomes.csv")
    for frame, path in zip((hh, ps, inc), paths, strict=True):
        frame.write_csv(path)
    return BenchFiles(
        *paths,
        n_households=hh.height,
        n_persons=ps.height,
        period=inc.get_column("period").max() or "",  # type: ignore[arg-type]
    )


def _check_namespace(*frames: pl.DataFrame, prefix: str, area: str) -> None:
    """Refuse to run if any generated row could touch a real household or person (decision 0102)."""
    for frame in frames:
        if not frame.get_column("household_no").str.starts_with(prefix).all():
            raise RuntimeError("bench files contain household numbers outside the bench namespace")
        if "id_number" in frame.columns and not frame.get_column("id_number").str.starts_with(area).all():
            raise RuntimeError("bench files contain ID numbers outside the bench area code")


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _db_backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, if it runs on this machine
    (the machine is shared: CPU time is a steadier figure than wall time)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_cleanup(
    *, source: str = BENCH_SOURCE, prefix: str = BENCH_PREFIX, groups_before: set[str] | None = None
) -> None:
    """Delete everything a bench run inserted (raw SQL: the ORM would load a million rows to cascade)."""
    like = prefix + "%"
    with transaction.atomic(), connection.cursor() as cur:
        hh = "SELECT id FROM registry_household WHERE household_no LIKE %s"
        cur.execute(f"DELETE FROM registry_dataqualityissue WHERE household_id IN ({hh})", [like])
        cur.execute(f"DELETE FROM registry_incomerecord WHERE household_id IN ({hh})", [like])
        cur.execute(f"DELETE FROM registry_person WHERE household_id IN ({hh})", [like])
        cur.execute("DELETE FROM registry_household WHERE household_no LIKE %s", [like])
        cur.execute(
            "DELETE FROM audit_auditentry WHERE actor_label = %s AND object_type = %s",
            [BENCH_ACTOR, "import_batch"],
        )
        cur.execute("DELETE FROM audit_auditentry WHERE actor_label = %s", [BENCH_ACTOR])
        # The originals the import archived under DATA_DIR/raw are the bench's too.
        cur.execute("SELECT stored_path FROM exchange_importbatch WHERE source = %s", [source])
        stored = [Path(r[0]) for r in cur.fetchall() if r[0]]
        cur.execute("UPDATE exchange_importbatch SET supersedes_id = NULL WHERE source = %s", [source])
        cur.execute("DELETE FROM exchange_importbatch WHERE source = %s", [source])
        if groups_before is not None:
            new_groups = (
                set(Region.objects.filter(level=RegionLevelChoices.GROUP).values_list("code", flat=True))
                - groups_before
            )
            used = set(
                Region.objects.filter(code__in=new_groups, group_households__isnull=False).values_list(
                    "code", flat=True
                )
            )
            Region.objects.filter(code__in=new_groups - used).delete()
    for path in stored:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only if empty: other batches' files may share the directory
    _vacuum()


def _vacuum() -> None:
    """Reclaim the deleted rows now (PostgreSQL, outside a transaction only): otherwise a following run
    loads into tables full of dead tuples until autovacuum gets round to them, and measures that."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cur:
        for table in (
            "registry_dataqualityissue",
            "registry_incomerecord",
            "registry_person",
            "registry_household",
            "audit_auditentry",
        ):
            cur.execute(f"VACUUM (ANALYZE) {table}")


def bench_import(
    *, persons: int, keep: bool = False, seed: int = 20240601, generator: str = "simulator"
) -> dict[str, Any]:
    """Generate, import (households + persons + incomes in one invocation) and clean up; return figures.

    ``generator``: ``simulator`` (the county model of shouwang.simulator, renamed into the bench's
    namespace) or ``synthetic`` (the faster generator of this module)."""
    bench_cleanup()  # a previous interrupted run
    groups_before = set(Region.objects.filter(level=RegionLevelChoices.GROUP).values_list("code", flat=True))
    with tempfile.TemporaryDirectory(prefix="shouwang-bench-") as tmp:
        t0 = time.perf_counter()
        if generator == "simulator":
            files = simulated(Path(tmp), persons=persons, seed=seed)
        else:
            files = generate(Path(tmp), persons=persons, seed=seed)
        generated = time.perf_counter() - t0
        t1 = time.perf_counter()
        cpu0, db0 = _cpu_seconds(), _db_backend_cpu()
        try:
            registry_import(
                paths=[files.households, files.persons, files.incomes],
                source=BENCH_SOURCE,
                actor=BENCH_ACTOR,
                progress=True,
            )
            seconds = time.perf_counter() - t1
            cpu = _cpu_seconds() - cpu0
            db1 = _db_backend_cpu()
            db_cpu = db1 - db0 if db0 is not None and db1 is not None else None
        finally:
            if not keep:
                bench_cleanup(groups_before=groups_before)
    return {
        "households": files.n_households,
        "persons": files.n_persons,
        "database": "postgresql" if connection.vendor == "postgresql" else connection.vendor,
        "seconds": round(seconds, 2),
        "persons_per_second": round(files.n_persons / seconds, 1) if seconds else None,
        "peak_rss_mb": _peak_rss_mb(),
        "cpu_seconds": round(cpu, 2),
        "db_cpu_seconds": round(db_cpu, 2) if db_cpu is not None else None,
        "load_average": round(os.getloadavg()[0], 2),
        "generator": generator,
        "generate_seconds": round(generated, 2),
    }
