from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "zhitongche.assessment"
    label = "assessment"
    verbose_name = "监督考核"

    def ready(self) -> None:
        from . import computed, scopes

        scopes.register()
        computed.register_builtin()
