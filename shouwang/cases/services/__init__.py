"""Case actions, one module per part of the work (docs/cases.md):

* ``clues``: risk clues from every channel, the household's case opened or attached to (R-ID-01);
* ``documents``: uploads such as the signed authorisation (R-ID-02 step 1);
* ``steps``: the workflow steps bound to the transition table, and ``case_transition``, the one way a
  case moves (STYLE 7); ``comparison`` gathers what the data comparison step checks;
* ``elimination``: the risk elimination conditions and candidates (R-ELIM-01…03);
* ``plans``: assistance plans and measures (R-AID-01…08);
* ``visits``: follow-up visits of a case and routine visits of any household (R-ID-06);
* ``escalation``: overdue cases escalated a level up (R-ID-03).

Every action is atomic and writes its audit row (STYLE 3, 4). Refusals raise ``InputRefused`` with one
``RowError`` per reason (Chinese, naming the field) before anything is written; role refusals raise
``Forbidden``; a stale ``expected_version`` raises ``CaseConflict``. Callers outside the app import the
names below from here; modules inside the app import from the module that defines them.
"""

from shouwang.cases.services._common import CaseConflict, age_on, household_has_labour, risk_types_validate
from shouwang.cases.services.clues import (
    CLUE_ROLES,
    clue_from_warning,
    clue_household_resolve,
    clue_submit,
    household_by_id_number,
    warning_clue_get_or_create,
    warning_clue_ref,
)
from shouwang.cases.services.comparison import comparison_gather
from shouwang.cases.services.documents import case_document_upload
from shouwang.cases.services.elimination import elimination_candidate_list, elimination_refusals
from shouwang.cases.services.escalation import case_escalate_overdue
from shouwang.cases.services.plans import (
    HelperInput,
    MeasureInput,
    measure_end,
    plan_contact_set,
    plan_measures_add,
    plan_measures_check,
    plan_validate,
)
from shouwang.cases.services.steps import case_transition
from shouwang.cases.services.visits import IncomeInput, household_visit_record, visit_record

__all__ = [
    "CLUE_ROLES",
    "CaseConflict",
    "HelperInput",
    "IncomeInput",
    "MeasureInput",
    "age_on",
    "case_document_upload",
    "case_escalate_overdue",
    "case_transition",
    "clue_from_warning",
    "clue_household_resolve",
    "clue_submit",
    "comparison_gather",
    "elimination_candidate_list",
    "elimination_refusals",
    "household_by_id_number",
    "household_has_labour",
    "household_visit_record",
    "measure_end",
    "plan_contact_set",
    "plan_measures_add",
    "plan_measures_check",
    "plan_validate",
    "risk_types_validate",
    "visit_record",
    "warning_clue_get_or_create",
    "warning_clue_ref",
]
