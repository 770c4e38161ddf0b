from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shouwang.cases"
    label = "cases"
