from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "shouwang.screening"
    label = "screening"
