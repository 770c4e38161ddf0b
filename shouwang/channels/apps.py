from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "shouwang.channels"
    label = "channels"
