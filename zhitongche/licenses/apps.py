from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "zhitongche.licenses"
    label = "licenses"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
