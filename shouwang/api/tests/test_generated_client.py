"""A client generated from /api/v1/openapi.json drives the identification workflow (issue 15; docs/api.md).

At test time the OpenAPI document of the live test server is fetched, ``openapi-python-client`` (a pinned
dev dependency) generates a client from that file into a temporary directory (``--path``: it never touches
the network), and the test imports it. Only the generated, typed functions talk to the server: log in, read
the screened warning, open the case from it, take it from the clue to monitoring with the village, township
and county users doing their steps; list the county's overdue cases; read the audit trail of the case.

The lists and the audit API (``GET /api/v1/cases``, ``GET /api/v1/audit``) come with their own work; the
tests that need them are skipped while the document lacks them and run as soon as it has them. Operations
are looked up by method and path in the document, so their generated module is found whatever its tag.
"""

import datetime as dt
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from shouwang.api.urls import api
from shouwang.cases.tests.helpers import D0, JPEG, set_today
from shouwang.console.tests.helpers import warning_for
from shouwang.registry.models import Household
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "shouwang_api_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PASSWORD = "test-pass-123"  # shouwang.testing.builders.make_user
PREFIX = "/api/v1/"
# No post-generation hooks (the default runs ruff over the output): the client is imported, not committed.
GENERATOR_CONFIG = json.dumps({"package_name_override": PACKAGE, "post_hooks": []})
GENERATE = [
    "generate",
    "--path",
    "openapi.json",
    "--config",
    "config.json",
    "--meta",
    "none",
    "--output-path",
]


def _has_operation(method: str, path: str) -> bool:
    return method.lower() in api.get_openapi_schema(path_prefix=PREFIX)["paths"].get(path, {})


NO_CASE_LIST = not _has_operation("GET", "/api/v1/cases")
NO_AUDIT_LIST = not _has_operation("GET", "/api/v1/audit")


class Generated:
    """The generated package plus the document it came from: ``op("POST", "/api/v1/clues")`` is the
    generated module of that operation (its ``sync``/``sync_detailed`` functions)."""

    def __init__(self, package: ModuleType, document: dict[str, Any]) -> None:
        self.package, self.document = package, document
        self.models: Any = importlib.import_module(f"{PACKAGE}.models")
        self.client: Any = importlib.import_module(f"{PACKAGE}.client")
        self.types: Any = importlib.import_module(f"{PACKAGE}.types")

    def op(self, method: str, path: str) -> Any:
        operation = self.document["paths"][path][method.lower()]
        name = _snake(operation["operationId"])
        tag = _snake(operation.get("tags", ["default"])[0])
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_").replace("-", "_")


@pytest.fixture(scope="module")
def generated(
    live_server: Any, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[Generated]:
    """Generate the client once per module from the live server's document (reading it opens no
    transaction of a test: the server's request handling checks its connection, hence the unblock)."""
    folder = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        document = httpx.get(f"{live_server.url}{PREFIX}openapi.json", timeout=30).raise_for_status().json()
    (folder / "openapi.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (folder / "config.json").write_text(GENERATOR_CONFIG, encoding="utf-8")
    out = folder / PACKAGE
    done = subprocess.run(
        [str(GENERATOR), *GENERATE, str(out)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and out.is_dir(), done.stdout + done.stderr
    # The generator may warn only about what a Python client cannot send (the CSV/XLSX feed bodies).
    warned = [line for line in done.stdout.splitlines() if line.startswith("WARNING")]
    assert all("/api/v1/feeds/{kind}" in line for line in warned), done.stdout
    sys.path.insert(0, str(folder))
    try:
        yield Generated(importlib.import_module(PACKAGE), document)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def login(gen: Generated, base_url: str, username: str) -> Any:
    anonymous = gen.client.Client(base_url=base_url, raise_on_unexpected_status=True)
    token = gen.op("POST", "/api/v1/auth/token").sync(
        client=anonymous, body=gen.models.TokenIn(username=username, password=PASSWORD)
    )
    assert isinstance(token, gen.models.TokenOut), token
    return gen.client.AuthenticatedClient(
        base_url=base_url, token=token.token, raise_on_unexpected_status=True
    )


def ok(result: Any, model: Any) -> Any:
    assert isinstance(result, model), getattr(result, "detail", result)
    return result


def page_of(gen: Generated, result: Any) -> Any:
    """A list envelope (``items``, ``next_cursor``, ``total``), whatever its generated model is named."""
    assert result is not None and not isinstance(result, gen.models.ErrorOut), result
    return result


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


class Workflow:
    """The village, township and county users of the test county, each with a generated client."""

    def __init__(self, gen: Generated, base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gen, self.m, self.monkeypatch = gen, gen.models, monkeypatch
        for role in ("village", "township", "county"):
            make_user(role)
        self.village = login(gen, base_url, "village_530326001001")
        self.township = login(gen, base_url, "township_530326001")
        self.county = login(gen, base_url, "county_530326")

    def case(self, who: Any, case_id: int) -> Any:
        return ok(self.gen.op("GET", "/api/v1/cases/{case_id}").sync(case_id, client=who), self.m.CaseOut)

    def act(self, who: Any, case_id: int, action: str, **data: Any) -> Any:
        version = self.case(who, case_id).version
        body = self.m.TransitionIn(
            action=action,
            expected_version=version,
            data=self.m.TransitionInData.from_dict(
                {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
            ),
        )
        answer = self.gen.op("POST", "/api/v1/cases/{case_id}/transitions").sync(
            case_id, client=who, body=body
        )
        return ok(answer, self.m.CaseOut)

    def on(self, n: int) -> None:
        set_today(self.monkeypatch, day(n))

    def clue_from_warning(self, household_no: str) -> int:
        """The township reads the screened warning from the warnings list and registers it as a clue."""
        self.on(0)
        page = page_of(
            self.gen, self.gen.op("GET", "/api/v1/warnings").sync(client=self.township, period="2025-02")
        )
        (warning,) = [w for w in page.items if w.household_no == household_no]
        fields = self.m.ClueIn.__attrs_attrs__
        if hasattr(fields, "warning_id") and hasattr(warning, "id"):  # the warning's stable reference
            body = self.m.ClueIn(channel="warning", household_no=household_no, warning_id=warning.id)
        else:
            body = self.m.ClueIn(
                channel="warning",
                household_no=household_no,
                risk_types=list(warning.risk_types),
                evidence=self.m.ClueInEvidence.from_dict(
                    {"period": warning.period, "signals": [s.to_dict() for s in warning.signals]}
                ),
            )
        created = self.gen.op("POST", "/api/v1/clues").sync(client=self.township, body=body)
        clue = ok(created, self.m.ClueOut)
        assert clue.case_id and not clue.attached
        return int(clue.case_id)

    def to_monitoring(self, case_id: int) -> Any:
        """Village → township → village → county, one day at a time (R-ID-03: within 15 days)."""
        m, op = self.m, self.gen.op
        self.on(1)
        upload = m.CaseDocumentMultiPartBodyParams(
            kind="authorisation",
            file=self.gen.types.File(payload=JPEG, file_name="授权书.jpg", mime_type="image/jpeg"),
        )
        doc = ok(
            op("POST", "/api/v1/cases/{case_id}/documents").sync(case_id, client=self.village, body=upload),
            m.DocumentOut,
        )
        self.act(
            self.village,
            case_id,
            "home_check",
            checked_on=day(1),
            authorisation_document_id=doc.id,
            findings="家中一人重病住院",
        )
        self.on(2)
        self.act(
            self.township,
            case_id,
            "compare",
            compared_on=day(2),
            conflicts_note="已核实：医疗支出大，收入骤减",
        )
        self.on(3)
        self.act(
            self.village,
            case_id,
            "village_review",
            reviewed_on=day(3),
            attendance=41,
            votes_for=39,
            votes_against=0,
            result="passed",
        )
        self.on(4)
        self.act(self.village, case_id, "notice_start", started_on=day(4), place="村委会公示栏")
        self.on(9)
        self.act(
            self.township,
            case_id,
            "township_review",
            notice_ended_on=day(8),
            reviewed_on=day(9),
            opinion="同意",
        )
        self.on(11)
        approved = self.act(
            self.county,
            case_id,
            "county_approve",
            approved_on=day(11),
            category="unstable",
            risk_types=["illness"],
        )
        assert (
            approved.state == "county_approval" and approved.due_on is not None and day(11) <= approved.due_on
        )
        self.act(self.township, case_id, "announce", announced_on=day(11))
        return self.act(self.county, case_id, "enter_monitoring")


@pytest.fixture
def flow(generated: Generated, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Workflow:
    return Workflow(generated, live_server.url, monkeypatch)


def warned_household(household_no: str, seq: int) -> None:
    make_household(
        household_no,
        members=[{"seq": seq, "name": "李建国", "birth": dt.date(1970, 5, 1), "relation": "head"}],
    )
    warning_for(Household.objects.get(household_no=household_no), "2025-02", risk_types=["illness"])


def test_generated_client_runs_a_case_from_warning_to_monitoring(flow: Workflow):
    warned_household("H_GEN", 31)
    case_id = flow.clue_from_warning("H_GEN")
    opened = flow.case(flow.county, case_id)
    assert opened.state == "clue" and opened.clues[0].to_dict()["channel"] == "warning"
    assert opened.due_on == day(15) and opened.overdue is False

    final = flow.to_monitoring(case_id)

    assert final.state == "monitoring" and final.risk_types == ["illness"] and final.category == "unstable"
    household = Household.objects.get(household_no="H_GEN")
    assert household.monitoring_category == "unstable" and household.identified_on == day(11)
    # the generated client reads the household as the API describes it (masked ID, the case linked)
    read = flow.gen.op("GET", "/api/v1/households/{household_no}").sync("H_GEN", client=flow.village)
    assert ok(read, flow.m.HouseholdOut).household_no == "H_GEN"


def test_generated_client_sees_refusals_in_the_documented_shape(flow: Workflow):
    warned_household("H_GEN_NO", 33)
    case_id = flow.clue_from_warning("H_GEN_NO")
    before = flow.case(flow.county, case_id)
    stale = flow.m.TransitionIn(action="reject", expected_version=before.version + 5)
    refused = flow.gen.op("POST", "/api/v1/cases/{case_id}/transitions").sync_detailed(
        case_id, client=flow.village, body=stale
    )
    assert refused.status_code == 409 and isinstance(refused.parsed, flow.m.ErrorOut)
    assert "请刷新后重试" in refused.parsed.detail
    assert flow.case(flow.county, case_id).version == before.version


@pytest.mark.skipif(NO_CASE_LIST, reason="GET /api/v1/cases (case_list) is not in the OpenAPI document yet")
def test_generated_client_lists_the_county_overdue_cases(flow: Workflow):
    warned_household("H_GEN_DONE", 35)
    warned_household("H_GEN_LATE", 37)
    done = flow.clue_from_warning("H_GEN_DONE")
    late = flow.clue_from_warning("H_GEN_LATE")
    flow.to_monitoring(done)
    flow.on(20)  # the late case was due on day 15 and nothing moved it

    rows: list[dict[str, Any]] = []
    cursor: Any = flow.gen.types.UNSET
    while True:
        page = flow.gen.op("GET", "/api/v1/cases").sync(
            client=flow.county, overdue=True, limit=1, cursor=cursor
        )
        page_of(flow.gen, page)
        rows += [item.to_dict() for item in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    ids = {row.get("id", row.get("case_id")) for row in rows}
    assert late in ids and done not in ids
    assert page.total == len(rows)


@pytest.mark.skipif(NO_AUDIT_LIST, reason="GET /api/v1/audit (audit_list) is not in the OpenAPI document yet")
def test_generated_client_reads_the_audit_trail_of_the_case(flow: Workflow):
    warned_household("H_GEN_AUD", 39)
    case_id = flow.clue_from_warning("H_GEN_AUD")
    final = flow.to_monitoring(case_id)

    rows: list[dict[str, Any]] = []
    cursor: Any = flow.gen.types.UNSET
    while True:
        page = flow.gen.op("GET", "/api/v1/audit").sync(
            client=flow.county, object_type="case", object_id=str(case_id), limit=5, cursor=cursor
        )
        page_of(flow.gen, page)
        rows += [item.to_dict() for item in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert {str(row["object_id"]) for row in rows} == {str(case_id)}
    transitions = [row for row in rows if row["action"] == "transition"]
    assert len(transitions) == 8  # home check … enter monitoring, one row each
    # the full old → new record: the last step moved the case into monitoring at its final version
    text = json.dumps([row.get("changes") for row in transitions], ensure_ascii=False)
    assert "monitoring" in text and str(final.version) in json.dumps(rows)
