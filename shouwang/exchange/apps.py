from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "shouwang.exchange"
    label = "exchange"
