from django.apps import AppConfig


class IndustryConfig(AppConfig):
    name = "shouwang.industry"
    label = "industry"
    verbose_name = "产业帮扶"
