from django.urls import path

from shouwang.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("households/", views.household_list_view, name="household_list"),
    path("households/<str:household_no>/", views.household_detail_view, name="household_detail"),
    path("households/<str:household_no>/evidence/", views.household_evidence_view, name="household_evidence"),
    path(
        "households/<str:household_no>/members/<int:person_id>/reveal-id/",
        views.person_reveal_id_view,
        name="person_reveal_id",
    ),
    path(
        "households/<str:household_no>/reveal-phone/",
        views.household_reveal_phone_view,
        name="household_reveal_phone",
    ),
    path("warnings/", views.warning_list_view, name="warning_list"),
    path("warnings/<int:warning_id>/clue/", views.warning_clue_view, name="warning_clue"),
    path("cases/", views.case_list_view, name="case_list"),
    path("cases/<int:case_id>/", views.case_detail_view, name="case_detail"),
    path("cases/<int:case_id>/transition/", views.case_transition_view, name="case_transition"),
    path("cases/<int:case_id>/documents/", views.case_document_view, name="case_document"),
    path("cases/<int:case_id>/notice/<str:stage>/", views.case_notice_view, name="case_notice"),
    path("self-reports/<str:tracking_code>/", views.self_report_view, name="self_report_detail"),
    path("visits/", views.visits_due_view, name="visits_due"),
    path("clues/", views.clue_list_view, name="clue_list"),
    path("clues/<int:clue_id>/", views.clue_detail_view, name="clue_detail"),
    path("clues/<int:clue_id>/match/", views.clue_match_view, name="clue_match"),
    path("elimination/", views.elimination_review_view, name="elimination_review"),
    path("cases/<int:case_id>/plan/", views.plan_view, name="plan"),
    path("cases/<int:case_id>/plan/check/", views.plan_check_view, name="plan_check"),
    path("cases/<int:case_id>/plan/contact/", views.plan_contact_view, name="plan_contact"),
    path(
        "cases/<int:case_id>/plan/measures/<int:measure_id>/end/", views.measure_end_view, name="measure_end"
    ),
    path("cases/<int:case_id>/visits/new/", views.visit_create_view, name="visit_create"),
    path(
        "households/<str:household_no>/visits/new/",
        views.household_visit_create_view,
        name="household_visit_create",
    ),
    path("self-reports/<str:tracking_code>/match/", views.self_report_match_view, name="self_report_match"),
    path(
        "self-reports/<str:tracking_code>/reveal-phone/",
        views.self_report_reveal_phone_view,
        name="self_report_reveal_phone",
    ),
    path("exports/", views.export_list_view, name="export_list"),
    path("exports/<int:job_id>/", views.export_progress_view, name="export_progress"),
    path("exports/<int:job_id>/download/", views.export_download_view, name="export_download"),
    path("screening/", views.screening_run_list_view, name="screening_runs"),
    path("screening/runs/<int:run_id>/", views.screening_run_detail_view, name="screening_run_detail"),
    path("screening/parameters/", views.parameter_view, name="parameters"),
    path("industry/", views.industry_entity_list_view, name="industry_entities"),
    path("industry/coverage/", views.industry_coverage_view, name="industry_coverage"),
    path("industry/loans/", views.industry_loans_view, name="industry_loans"),
    path(
        "industry/entities/<str:credit_code>/",
        views.industry_entity_detail_view,
        name="industry_entity_detail",
    ),
    path("batches/", views.batch_list_view, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail_view, name="batch_detail"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("posts/", views.post_list_view, name="post_list"),
    path("posts/new/", views.post_create_view, name="post_create"),
    path("posts/<int:post_id>/", views.post_detail_view, name="post_detail"),
    path("posts/<int:post_id>/transition/", views.post_transition_view, name="post_transition"),
    path("posts/<int:post_id>/apply/", views.post_apply_view, name="post_apply"),
    path(
        "posts/<int:post_id>/applications/<int:application_id>/review/",
        views.application_review_view,
        name="post_application_review",
    ),
    path("posts/<int:post_id>/months/", views.post_months_view, name="post_months"),
    path(
        "posts/<int:post_id>/holders/<int:holder_id>/dismiss/",
        views.holder_dismiss_view,
        name="post_holder_dismiss",
    ),
    path(
        "posts/<int:post_id>/holders/<int:holder_id>/renew/",
        views.holder_renew_view,
        name="post_holder_renew",
    ),
    path("workshops/", views.workshop_list_view, name="workshop_list"),
    path("workshops/check/", views.workshop_check_view, name="workshop_check"),
    path("workshops/new/", views.workshop_create_view, name="workshop_create"),
    path(
        "workshops/<int:workshop_id>/workers/new/",
        views.workshop_worker_create_view,
        name="workshop_worker_create",
    ),
    path("workshops/<int:workshop_id>/", views.workshop_detail_view, name="workshop_detail"),
    path(
        "workshops/<int:workshop_id>/workers/<int:worker_id>/end/",
        views.workshop_worker_end_view,
        name="workshop_worker_end",
    ),
    path("relief-projects/", views.relief_project_list_view, name="relief_project_list"),
    path("relief-projects/new/", views.relief_project_create_view, name="relief_project_create"),
    path(
        "relief-projects/<int:project_id>/participants/new/",
        views.relief_participant_create_view,
        name="relief_participant_create",
    ),
    path("relief-projects/<int:project_id>/", views.relief_project_detail_view, name="relief_project_detail"),
    path("transport-subsidy/", views.transport_subsidy_view, name="transport_subsidy"),
    path(
        "transport-subsidy/compute/", views.transport_subsidy_compute_view, name="transport_subsidy_compute"
    ),
    path(
        "transport-subsidy/<str:kind>.xlsx", views.transport_subsidy_file_view, name="transport_subsidy_file"
    ),
    path("employment/", views.employment_overview_view, name="employment"),
    path("employment/dispatch/", views.dispatch_view, name="dispatch"),
    path("employment/dispatch/freeze/", views.dispatch_freeze_view, name="dispatch_freeze"),
    path("employment/dispatch/refresh/", views.dispatch_refresh_view, name="dispatch_refresh"),
    path("employment/dispatch/download/", views.dispatch_download_view, name="dispatch_download"),
    path("employment/zero/", views.zero_task_list_view, name="zero_tasks"),
]
