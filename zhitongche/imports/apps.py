from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "zhitongche.imports"
    label = "imports"
    verbose_name = "模板导入"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
