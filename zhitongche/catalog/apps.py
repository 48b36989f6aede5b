from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "zhitongche.catalog"
    label = "catalog"
    verbose_name = "政务服务事项与办事指南"

    def ready(self) -> None:
        # jieba takes about a second to load, too slow for start-up: the text layer loads it lazily on the
        # first search or index build of each process (textproc._get_tokenizer).
        from . import imports, scopes

        scopes.register()
        imports.register()
