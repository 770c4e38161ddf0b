from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "shouwang.common"
    label = "common"
