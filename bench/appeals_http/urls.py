"""The product's URLs plus /bench/hello, a django-ninja hello world to compare against."""

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from config.urls import urlpatterns as product_urlpatterns

hello_api = NinjaAPI(urls_namespace="bench_hello", docs_url=None, openapi_url=None)


@hello_api.get("/hello", auth=None)
def hello(request: HttpRequest) -> dict:
    """The reference: the cheapest django-ninja endpoint."""
    return {"hello": "world"}


urlpatterns = [path("bench/", hello_api.urls), *product_urlpatterns]
