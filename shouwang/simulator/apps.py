from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "shouwang.simulator"
    label = "simulator"
