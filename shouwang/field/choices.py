"""Field app enumerations: what a phone may queue, and the server's answer per entry (docs/field.md)."""

from django.db import models

from shouwang.accounts.choices import RoleChoices


class SyncEntryKindChoices(models.TextChoices):
    VISIT = "visit", "走访记录"  # R-ID-06 follow-up visit (cases.services.visit_record)
    HOME_CHECK = "home_check", "入户核实"  # R-ID-02 step 1 / R-ELIM-04 (cases.services.case_transition)
    REPORT = "report", "一键报送"  # R-WARN-02 grid worker's one-tap report (cases.services.clue_submit)


class SyncStatusChoices(models.TextChoices):
    APPLIED = "applied", "已同步"
    DUPLICATE = "duplicate", "此前已同步"
    CONFLICT = "conflict", "与服务器记录冲突"
    REJECTED = "rejected", "未被接受"


# The people who work door to door (R-ID-06 visits, R-WARN-02 one-tap reports, R-ID-02 home checks).
FIELD_ROLES = frozenset({RoleChoices.GRID, RoleChoices.VILLAGE})
