from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "zhitongche.appeals"
    label = "appeals"
    verbose_name = "诉求闭环"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
