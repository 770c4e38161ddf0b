from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "shouwang.console"
    label = "console"
