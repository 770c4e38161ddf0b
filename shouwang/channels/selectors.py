"""Channel reads (STYLE 3) that other layers are handed, never fetch themselves."""

import polars as pl

from shouwang.channels.models import SelfReport
from shouwang.registry.models import Person


def self_report_household_months() -> pl.DataFrame:
    """(household_no, period) of every self-report tied to a household: through its clue, or through the
    reported person's blind index (a report about a registered person whose clue is not matched yet).

    The month is the month the report was submitted. Used by ``shouwang evaluate`` to count a self-report
    as a detection."""
    out: list[tuple[str, str]] = [
        (household_no, str(day)[:7])
        for household_no, day in SelfReport.objects.exclude(clue__household__isnull=True).values_list(
            "clue__household__household_no", "submitted_on"
        )
    ]
    pairs = list(
        SelfReport.objects.exclude(subject_id_index="").values_list("subject_id_index", "submitted_on")
    )
    households = dict(
        Person.objects.filter(id_index__in={p for p, _ in pairs}).values_list(
            "id_index", "household__household_no"
        )
    )
    out += [(households[p], str(day)[:7]) for p, day in pairs if p in households]
    return pl.DataFrame(out, schema={"household_no": pl.String, "period": pl.String}, orient="row").unique()
