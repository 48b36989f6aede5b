from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "zhitongche.interactions"
    label = "interactions"
    verbose_name = "有效互动"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
