from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "zhitongche.registry"
    label = "registry"
    verbose_name = "管家数据库"

    def ready(self) -> None:
        from . import imports, scopes

        scopes.register()
        imports.register()
