from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "zhitongche.appeals"
    label = "appeals"
    verbose_name = "诉求闭环"

    def ready(self) -> None:
        from zhitongche.assessment.computed import register_computed

        from . import scopes
        from .indicators import satisfaction_rate

        scopes.register()
        register_computed("appeal_satisfaction", satisfaction_rate, "诉求满意率（%）")
