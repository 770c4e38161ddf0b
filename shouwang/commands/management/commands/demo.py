"""``shouwang demo``: the embedded default in one command (CONTRACT §1, first row).

Creates ./var (SQLite + data lake), migrates (which loads the region tree), simulates the demo county
(会泽县 530326) with monthly department feeds, imports the registry, creates one demo user per role,
imports and screens every month (with the December income surveys) while the county's staff work each
month's warnings through the real services (cases, plans, visits, eliminations, self-reports, hotline:
shouwang.commands.activity), and serves on http://127.0.0.1:8000.

Re-running reuses what exists: the simulation is kept (a marker file records its parameters), a file
whose checksum is already an import batch is not imported again, a month with a finished screening run
is not screened again, existing users are kept. The phases call the other commands (simulate, import,
screen, refresh-stats) as a county official would type them.
"""

import contextlib
import datetime as dt
import io
import json
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shouwang.accounts.choices import DepartmentChoices, RoleChoices
from shouwang.accounts.models import User
from shouwang.accounts.services import user_create
from shouwang.cases import clock
from shouwang.cases.choices import CaseStateChoices
from shouwang.commands.activity import CountyActivity, county_has_cases
from shouwang.exchange.choices import FEED_KINDS
from shouwang.exchange.selectors import batch_file_imported
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.selectors import household_busiest_region, household_person_counts
from shouwang.screening.periods import period_of, period_shift
from shouwang.screening.selectors import period_screened

DEMO_COUNTY = "530326"  # 云南省曲靖市会泽县
DEMO_PREFECTURE = "5303"  # 曲靖市
DEMO_TOWNSHIP = "530326001"  # 古城街道
DEMO_PASSWORD = "shouwang-demo"  # printed for the demo accounts only
DEFAULT_HOUSEHOLDS = 5000
DEFAULT_MONTHS = 24
DEFAULT_SEED = 20240101
REGISTRY_FILES = ("households.csv", "persons.csv", "incomes.csv")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region_code: str
    display_name: str
    department: str = ""


class Command(BaseCommand):
    help = "一键演示：创建 ./var、模拟会泽县两年的部门数据、导入并逐月筛查、创建各角色演示账号并启动Web服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS, help="模拟户数（默认5000）")
        parser.add_argument("--months", type=int, default=DEFAULT_MONTHS, help="模拟月数（默认24）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（同一种子结果相同）")
        parser.add_argument(
            "--start",
            default="",
            help="第一个月 YYYY-MM（默认：最后筛查月为上上个月）",
        )
        parser.add_argument("--no-serve", action="store_true", help="准备好数据后不启动Web服务")
        parser.add_argument("--host", default="127.0.0.1", help="Web服务监听地址")
        parser.add_argument("--port", type=int, default=8000, help="Web服务端口")

    # ------------------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        self.verbose = options["verbosity"] >= 1
        self.problems: list[str] = []
        if not options["start"]:
            options["start"] = default_start(options["months"])
        started = time.monotonic()
        var_dir = Path(settings.VAR_DIR)
        sim_dir = var_dir / "demo" / "sim"
        phases: list[tuple[str, Callable[[], None]]] = [
            ("准备数据目录", lambda: self.phase_dirs(var_dir)),
            ("建立数据库并加载行政区划", self.phase_migrate),
            ("模拟演示县（会泽县）", lambda: self.phase_simulate(sim_dir, options)),
            ("导入农户登记数据", lambda: self.phase_registry(sim_dir)),
            ("创建各角色演示账号", self.phase_users),
            ("逐月导入部门数据、筛查并模拟两年的监测帮扶工作", lambda: self.phase_months(sim_dir, options)),
            ("汇总驾驶舱统计", self.phase_stats),
            ("更新数据库统计信息", self.phase_analyze),
        ]
        for i, (title, run) in enumerate(phases, start=1):
            t0 = time.monotonic()
            self.say(f"[{i}/{len(phases)}] {title} …")
            run()
            self.say(f"      完成（{time.monotonic() - t0:.1f} 秒）")
        self.say(f"演示数据已就绪，用时 {time.monotonic() - started:.0f} 秒。")
        if self.problems:
            self.stdout.write(f"注意：有 {len(self.problems)} 个步骤未成功（详情见上方输出）：")
            for p in self.problems[:10]:
                self.stdout.write(f"  - {p}")
        self.print_logins(options)
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
        elif self.problems:
            raise CommandError("演示数据未能完整准备", returncode=1)

    def say(self, message: str) -> None:
        if self.verbose:
            self.stdout.write(message)
            self.stdout.flush()

    def notice(self, message: str) -> None:
        self.say(f"      提示：{message}")

    def run_sub(self, name: str, *args: str, capture_stderr: bool = True, **kwargs: Any) -> str:
        """Run another command with its output captured (shown only if it fails).

        Returns "ok", "refused" (exit 2: the input was refused, nothing written) or "failed" (anything
        else). A failure of one step does not stop the demo: it is reported and the next step runs, so
        the console still comes up with whatever data could be prepared.
        """
        out, err = io.StringIO(), io.StringIO()
        code: object = 0
        detail = ""
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err) if capture_stderr else contextlib.nullcontext(),
        ):
            try:
                call_command(name, *args, stdout=out, stderr=err, **kwargs)
            except SystemExit as exc:
                code = exc.code
            except CommandError as exc:
                code, detail = exc.returncode, str(exc)
            except Exception as exc:  # a bug in a sub-command must not hide the rest of the demo
                code, detail = 1, f"{type(exc).__name__}: {exc}"
        if code in (0, None):
            return "ok"
        command = " ".join(["shouwang", name, *args])
        text = (out.getvalue() + err.getvalue()).strip()
        tail = "\n".join(text.splitlines()[-15:])
        sys.stderr.write(f"\n“{command}”{'拒绝了输入' if code == 2 else '执行失败'}（退出码 {code}）\n")
        if tail or detail:
            sys.stderr.write(f"{tail}\n{detail}\n".lstrip("\n"))
        self.problems.append(f"{command}（退出码 {code}）")
        return "refused" if code == 2 else "failed"

    # ------------------------------------------------------------------------------------------
    def phase_dirs(self, var_dir: Path) -> None:
        var_dir.mkdir(parents=True, exist_ok=True)
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE']} {db.get('NAME')}"
        self.say(f"      数据目录 {var_dir}；数据库 {where}；数据湖 {settings.DATA_DIR}")

    def phase_analyze(self) -> None:
        """Planner statistics for everything the demo loaded (autovacuum may come much later, or never)."""
        from shouwang.common.dbstats import analyze_all

        if not analyze_all():
            self.say("      （数据库正忙，统计信息留待下次批量写入后更新）")

    def phase_migrate(self) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.say(f"      行政区划 {Region.objects.count():,} 条")

    def phase_simulate(self, sim_dir: Path, options: dict[str, Any]) -> None:
        wanted = {
            "households": options["households"],
            "months": options["months"],
            "seed": options["seed"],
            "start": options["start"],
        }
        marker = sim_dir / "demo-simulation.json"
        if marker.exists():
            have = json.loads(marker.read_text(encoding="utf-8"))
            if have != wanted:
                self.notice(
                    f"沿用已有的模拟数据（{have['households']} 户、{have['months']} 个月）；"
                    f"如需按新参数重新生成，请先删除 {sim_dir.parent}"
                )
            else:
                self.say(f"      沿用已有的模拟数据 {sim_dir}")
            return
        if sim_dir.exists():
            shutil.rmtree(sim_dir)  # an earlier run stopped half-way: start clean
        sim_dir.parent.mkdir(parents=True, exist_ok=True)
        # Passed as the strings a command line would give (the simulator parses its own arguments).
        kwargs: dict[str, Any] = {
            "households": str(wanted["households"]),
            "months": str(wanted["months"]),
            "seed": str(wanted["seed"]),
            "out": str(sim_dir),
        }
        if wanted["start"]:
            kwargs["start"] = wanted["start"]
        if self.run_sub("simulate", capture_stderr=False, **kwargs) != "ok":
            return
        marker.write_text(json.dumps(wanted, ensure_ascii=False), encoding="utf-8")
        self.say(f"      {wanted['households']} 户、{wanted['months']} 个月，写入 {sim_dir}")

    def phase_registry(self, sim_dir: Path) -> None:
        paths = [sim_dir / "registry" / name for name in REGISTRY_FILES]
        present = [p for p in paths if p.exists()]
        if not present:
            self.notice("没有模拟的农户登记文件，跳过")
            return
        if all(batch_file_imported(p, kind=p.stem) for p in present):
            self.say("      登记数据此前已导入，跳过")
            return
        self.run_sub("import", "registry", *map(str, present), "--no-stats", capture_stderr=False)
        self.report_households()

    def report_households(self) -> None:
        households, persons = household_person_counts(county_code=DEMO_COUNTY)
        self.say(f"      会泽县农户 {households:,} 户、家庭成员 {persons:,} 人")

    def phase_months(self, sim_dir: Path, options: dict[str, Any]) -> None:
        """Month by month: the departments' deliveries, the December income survey (the registry's incomes
        keep pace with the screened months), the screening, then the staff's work on that month's warnings
        during the following month (``shouwang.commands.activity``), so each action sees only what was
        known on its date."""
        feeds = sim_dir / "feeds"
        months = sorted(p.name for p in feeds.iterdir() if p.is_dir()) if feeds.exists() else []
        if not months:
            self.notice("没有模拟的部门数据，跳过")
            return
        activity = self.activity_start(sim_dir, months, options)
        can_screen = True
        imported = skipped = runs = 0
        bar = tqdm(months, desc="逐月导入、筛查与办理", unit="月", file=sys.stderr, disable=not self.verbose)
        for period in bar:
            bar.set_postfix_str(period)
            survey = sim_dir / "registry" / "updates" / period / "incomes.csv"
            new_survey = survey.exists() and not batch_file_imported(survey, kind="incomes")
            if new_survey and self.run_sub("import", "registry", str(survey), "--no-stats") == "ok":
                imported += 1
            for kind in FEED_KINDS:
                path = feeds / period / f"{kind}.csv"
                if not path.exists():
                    continue
                if batch_file_imported(path, kind=str(kind), period=period):
                    skipped += 1
                    continue
                if self.run_sub("import", "feed", str(kind), str(path), "--period", period) == "ok":
                    imported += 1
            # The national 务工月监测 exports of the month (R-EMP-03), before the screening reads them.
            ledger = sorted((sim_dir / "employment" / period).glob("*.xlsx"))
            episodes = sim_dir / "employment" / period / "已外出务工信息.xlsx"
            if ledger and not (
                episodes.exists() and batch_file_imported(episodes, kind="work_episodes", period=period)
            ):
                paths = [str(p) for p in ledger]
                if self.run_sub("import", "employment", *paths, "--period", period) == "ok":
                    imported += len(ledger)
            if can_screen and not period_screened(period):
                if self.run_sub("screen", "--period", period, "--quiet", "--no-stats") != "ok":
                    # Later months build on this one (persisting warnings); stop rather than repeat.
                    can_screen = False
                    self.notice(f"{period} 筛查失败，后续月份不再筛查")
                    continue
                runs += 1
                if activity is not None:
                    activity.month(period)
                    bar.set_postfix_str(f"{period}，案件 {activity.cases_opened()} 件")
        bar.close()
        self.say(
            f"      {len(months)} 个月（{months[0]} 至 {months[-1]}）：新导入 {imported} 个文件，"
            f"已导入过 {skipped} 个，筛查 {runs} 次"
        )
        if activity is not None:
            self.activity_report(activity)
        self.phase_posts(sim_dir)
        self.phase_industry(sim_dir)

    def phase_posts(self, sim_dir: Path) -> None:
        """The county's 公益性岗位花名册 as it stands after the simulated months (docs/publicposts.md)."""
        path = sim_dir / "posts" / "公益性岗位花名册.xlsx"
        if not path.exists():
            self.notice("没有模拟的公益性岗位花名册，跳过")
            return
        if batch_file_imported(path, kind="public_posts"):
            self.say("      公益性岗位花名册此前已导入，跳过")
            return
        self.run_sub("import", "posts", str(path))

    def phase_industry(self, sim_dir: Path) -> None:
        """The county's 经营主体, their 市场监管 status changes, 双绑 agreements and payouts, in the order the
        files refer to each other (docs/industry.md; decision 0834)."""
        folder = sim_dir / "industry"
        files = (
            ("entities", "经营主体.csv", ()),
            ("entities", "市场监管.csv", ("--source", "market")),
            ("bindings", "双绑协议.csv", ()),
            ("payouts", "兑现记录.csv", ()),
        )
        if not (folder / files[0][1]).exists():
            self.notice("没有模拟的产业帮扶数据，跳过")
            return
        done = 0
        for kind, name, extra in files:
            path = folder / name
            if not path.exists() or batch_file_imported(path, kind=kind):
                continue
            if self.run_sub("import", kind, str(path), *extra) != "ok":
                return  # the later files refer to this one
            done += 1
        if not done:
            self.say("      产业帮扶数据此前已导入，跳过")

    def activity_start(
        self, sim_dir: Path, months: list[str], options: dict[str, Any]
    ) -> CountyActivity | None:
        """The work is simulated once, alongside the first screening of the months: a county that already
        has cases (an earlier run) keeps them."""
        if county_has_cases(DEMO_COUNTY):
            self.say("      监测帮扶工作此前已模拟，沿用")
            return None
        if any(period_screened(p) for p in months):
            self.notice(
                "部分月份此前已筛查而尚无案件，不再补做监测帮扶工作；如需完整演示请删除数据目录后重来"
            )
            return None
        activity = CountyActivity(
            seed=options["seed"], last_period=months[-1], sim_channels=sim_dir / "channels"
        )
        users = {u.role: u.username for u in self.demo_users()}
        activity.prepare(
            county=DEMO_COUNTY,
            county_user=users[RoleChoices.COUNTY],
            demo_village_user=users[RoleChoices.VILLAGE],
            demo_township_user=users[RoleChoices.TOWNSHIP],
            password=DEMO_PASSWORD,
        )
        self.say(
            f"      工作区域 {len(activity.villages)} 个村；"
            f"新建乡镇、村工作人员账号 {activity.created_users} 个"
            "（用户名 xiang-乡镇代码、cun-村代码，密码同演示账号）"
        )
        return activity

    def activity_report(self, activity: CountyActivity) -> None:
        c = activity.summary()
        cases = sum(n for k, n in c.items() if k.startswith("case:identification:"))
        states = "、".join(
            f"{CaseStateChoices(k.rsplit(':', 1)[1]).label}{n}"
            for k, n in c.items()
            if k.startswith("case:identification:")
        )
        self.say(f"      识别案件 {cases} 件：{states}")
        self.say(
            f"      超期 {c['case:overdue']} 件、已督办 {c['case:escalated']} 件、"
            f"绿色通道 {c['case:green_channel']} 件；"
            f"风险消除 帮扶消除 {c['eliminated:assisted']} 户、自然消除 {c['eliminated:natural']} 户、"
            f"消除回退 {c.get('case:elimination:rolled_back', 0)} 户"
        )
        self.say(
            f"      帮扶计划 {c['plans']} 户、措施 {c['measures']} 项、帮扶责任人 {c['helpers']} 人、"
            f"走访 {c['visits']} 次"
            f"（其中更新收入 {c['visits_with_income']} 次）"
        )
        self.say(
            f"      自主申报 {c['self_reports']} 件（已签单 {c['self_reports:confirmed']} 件）、"
            f"热线来电 {sum(n for k, n in c.items() if k.startswith('hotline:'))} 个"
        )
        if activity.refusals:
            self.notice(f"有 {len(activity.refusals)} 项办理被业务规则拒绝（演示数据仍可用）：")
            for r in activity.refusals[:5]:
                self.say(f"        - {r[:200]}")

    def phase_stats(self) -> None:
        """The dashboard reads pre-aggregated figures (console.RegionPeriodStat): rebuild them once the
        months are imported and screened."""
        self.run_sub("refresh-stats")

    # ------------------------------------------------------------------------------------------
    def demo_users(self) -> list[DemoUser]:
        village = (
            household_busiest_region(level=RegionLevelChoices.VILLAGE, inside=DEMO_TOWNSHIP)
            or f"{DEMO_TOWNSHIP}001"
        )
        grid = household_busiest_region(level=RegionLevelChoices.GROUP, inside=village) or village
        return [
            DemoUser("sheng", RoleChoices.PROVINCE, "53", "省级用户（云南省）"),
            DemoUser("shi", RoleChoices.PREFECTURE, DEMO_PREFECTURE, "州市级用户（曲靖市）"),
            DemoUser("xian", RoleChoices.COUNTY, DEMO_COUNTY, "县级用户（会泽县）"),
            DemoUser("xiang", RoleChoices.TOWNSHIP, DEMO_TOWNSHIP, "乡镇级用户（古城街道）"),
            DemoUser("cun", RoleChoices.VILLAGE, village, "村干部"),
            DemoUser("wangge", RoleChoices.GRID, grid, "网格员"),
            DemoUser("yibao", RoleChoices.DEPARTMENT, DEMO_COUNTY, "医保部门", DepartmentChoices.MEDICAL),
            DemoUser("shenji", RoleChoices.AUDITOR, DEMO_COUNTY, "审计监督（会泽县）"),
        ]

    def phase_users(self) -> None:
        self.logins: list[tuple[DemoUser, str, str]] = []
        for u in self.demo_users():
            existing = User.objects.filter(username=u.username).first()
            if existing is None:
                existing = user_create(
                    actor="demo",
                    username=u.username,
                    role=u.role,
                    region_code=u.region_code,
                    department=u.department,
                    password=DEMO_PASSWORD,
                    display_name=u.display_name,
                )
                state, password = "新建", DEMO_PASSWORD
            else:
                state = "沿用"
                password = DEMO_PASSWORD if existing.check_password(DEMO_PASSWORD) else "（已修改）"
            region = Region.objects.filter(code=existing.region_id).values_list("name", flat=True).first()
            self.logins.append((u, f"{region or ''}（{existing.region_id}）", password))
            self.say(f"      {state} {u.username}")

    def print_logins(self, options: dict[str, Any]) -> None:
        url = f"http://{options['host']}:{options['port']}/"
        lines = [
            "",
            "演示账号（所有账号密码相同，仅供演示）：",
            "  " + _row("用户名", "角色", "所属区划", "密码"),
        ]
        for u, region, password in getattr(self, "logins", []):
            lines.append("  " + _row(u.username, RoleChoices(u.role).label, region, password))
        lines.append("")
        lines.append(
            f"浏览器打开 {url} 登录。"
            if not options["no_serve"]
            else f"启动Web服务：shouwang serve，然后打开 {url}"
        )
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def default_start(months: int, today: dt.date | None = None) -> str:
    """The first simulated month such that the last screened month is the one before last: its warnings are
    worked during last month, so the county's "now" is today and its lists are current, not a year late.
    The same seed and start give the same county (docs/demo.md)."""
    today = today or clock.today()
    return period_shift(period_of(today), -(months + 1))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(*cells: str) -> str:
    """Columns aligned on a terminal, counting a Chinese character as two columns."""
    widths = (10, 14, 36)
    out = [c + " " * max(1, w - _width(c)) for c, w in zip(cells, widths, strict=False)]
    return "".join(out) + (cells[-1] if len(cells) > len(widths) else "")
