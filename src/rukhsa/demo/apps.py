from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rukhsa.demo"
    label = "demo"
    verbose_name = "Demo data"
