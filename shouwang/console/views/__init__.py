"""Console pages. Adapters only (STYLE 2): each parses the request, calls one guard, selector or service,
and renders (see the modules)."""

from shouwang.console.views.audit import audit_list_view
from shouwang.console.views.auth import login_view, logout_view
from shouwang.console.views.cases import (
    case_detail_view,
    case_document_view,
    case_list_view,
    case_notice_view,
    case_transition_view,
)
from shouwang.console.views.clues import clue_detail_view, clue_list_view, clue_match_view
from shouwang.console.views.common import forbidden, not_found
from shouwang.console.views.dashboard import dashboard_view
from shouwang.console.views.employment import (
    dispatch_download_view,
    dispatch_freeze_view,
    dispatch_refresh_view,
    dispatch_view,
    employment_overview_view,
    zero_task_list_view,
)
from shouwang.console.views.exports import export_download_view, export_list_view, export_progress_view
from shouwang.console.views.home import home
from shouwang.console.views.households import (
    household_detail_view,
    household_evidence_view,
    household_list_view,
    household_reveal_phone_view,
    person_reveal_id_view,
)
from shouwang.console.views.industry import (
    industry_coverage_view,
    industry_entity_detail_view,
    industry_entity_list_view,
)
from shouwang.console.views.plans import measure_end_view, plan_check_view, plan_contact_view, plan_view
from shouwang.console.views.posts import (
    application_review_view,
    holder_dismiss_view,
    holder_renew_view,
    post_apply_view,
    post_create_view,
    post_detail_view,
    post_list_view,
    post_months_view,
    post_transition_view,
)
from shouwang.console.views.screening import (
    batch_detail_view,
    batch_list_view,
    parameter_view,
    screening_run_detail_view,
    screening_run_list_view,
)
from shouwang.console.views.visits import (
    elimination_review_view,
    household_visit_create_view,
    visit_create_view,
    visits_due_view,
)
from shouwang.console.views.worklists import (
    self_report_match_view,
    self_report_reveal_phone_view,
    self_report_view,
    warning_clue_view,
    warning_list_view,
)
from shouwang.console.views.workshops import (
    relief_participant_create_view,
    relief_project_create_view,
    relief_project_detail_view,
    relief_project_list_view,
    transport_subsidy_compute_view,
    transport_subsidy_file_view,
    transport_subsidy_view,
    workshop_check_view,
    workshop_create_view,
    workshop_detail_view,
    workshop_list_view,
    workshop_worker_create_view,
    workshop_worker_end_view,
)

__all__ = [
    "application_review_view",
    "audit_list_view",
    "batch_detail_view",
    "batch_list_view",
    "case_detail_view",
    "case_document_view",
    "case_list_view",
    "case_notice_view",
    "case_transition_view",
    "clue_detail_view",
    "clue_list_view",
    "clue_match_view",
    "dashboard_view",
    "dispatch_download_view",
    "dispatch_freeze_view",
    "dispatch_refresh_view",
    "dispatch_view",
    "elimination_review_view",
    "employment_overview_view",
    "export_download_view",
    "export_list_view",
    "export_progress_view",
    "forbidden",
    "holder_dismiss_view",
    "holder_renew_view",
    "home",
    "household_detail_view",
    "household_evidence_view",
    "household_list_view",
    "household_reveal_phone_view",
    "household_visit_create_view",
    "industry_coverage_view",
    "industry_entity_detail_view",
    "industry_entity_list_view",
    "login_view",
    "logout_view",
    "measure_end_view",
    "not_found",
    "parameter_view",
    "person_reveal_id_view",
    "plan_check_view",
    "plan_contact_view",
    "plan_view",
    "post_apply_view",
    "post_create_view",
    "post_detail_view",
    "post_list_view",
    "post_months_view",
    "post_transition_view",
    "relief_participant_create_view",
    "relief_project_create_view",
    "relief_project_detail_view",
    "relief_project_list_view",
    "screening_run_detail_view",
    "screening_run_list_view",
    "self_report_match_view",
    "self_report_reveal_phone_view",
    "self_report_view",
    "transport_subsidy_compute_view",
    "transport_subsidy_file_view",
    "transport_subsidy_view",
    "visit_create_view",
    "visits_due_view",
    "warning_clue_view",
    "warning_list_view",
    "workshop_check_view",
    "workshop_create_view",
    "workshop_detail_view",
    "workshop_list_view",
    "workshop_worker_create_view",
    "workshop_worker_end_view",
    "zero_task_list_view",
]
