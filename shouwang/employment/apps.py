from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    name = "shouwang.employment"
    label = "employment"
    verbose_name = "务工就业"
