from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "shouwang.audit"
    label = "audit"
