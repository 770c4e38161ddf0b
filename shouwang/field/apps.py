from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "shouwang.field"
    label = "field"
