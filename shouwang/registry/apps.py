from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shouwang.registry"
    label = "registry"
