from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "shouwang.workshops"
    label = "workshops"
    verbose_name = "帮扶车间与以工代赈"
