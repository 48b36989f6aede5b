from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "zhitongche.regions"
    label = "regions"
    verbose_name = "行政区划与部门"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
