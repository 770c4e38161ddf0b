from django.apps import AppConfig


class CommandsConfig(AppConfig):
    """Every ``shouwang`` command-line command (CONTRACT §1), in one place at the top of the layers.

    Commands parse arguments, call services and selectors of the apps below, and print; they hold no rules.
    """

    name = "shouwang.commands"
    label = "commands"
