from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhitongche.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from . import scopes

        scopes.register()
