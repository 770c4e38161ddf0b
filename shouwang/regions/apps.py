from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "shouwang.regions"
    label = "regions"
