"""The product's URLs plus /bench/…: a django-ninja hello world to compare against, and two floors under it.

`hello-token` is the hello world behind the API's bearer-token authentication; `write` adds the cheapest write
the platform allows (one audit row in its own transaction: every write is audited). No read of an appeal can cost
less than the first, no action post less than the second, so they show how much of the goal each leaves.
"""

from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI

from config.urls import urlpatterns as product_urlpatterns
from zhitongche.api.auth import BearerToken
from zhitongche.core import audit

hello_api = NinjaAPI(urls_namespace="bench_hello", docs_url=None, openapi_url=None)


@hello_api.get("/hello", auth=None)
def hello(request: HttpRequest) -> dict:
    """The reference: the cheapest django-ninja endpoint."""
    return {"hello": "world"}


@hello_api.get("/hello-token", auth=BearerToken())
def hello_token(request: HttpRequest) -> dict:
    """The hello world for a caller with an API token (the token looked up as on every API call)."""
    return {"hello": request.auth.username}


@hello_api.post("/write", auth=BearerToken())
def write(request: HttpRequest) -> dict:
    """The cheapest audited write: one audit row, committed."""
    with transaction.atomic():
        audit.record(actor=request.auth, action="bench.write", object_type="bench", object_id="1", object_repr="压测")
    return {"written": True}


@hello_api.post("/write-sql", auth=BearerToken())
def write_sql(request: HttpRequest) -> dict:
    """The same row by one hand-written INSERT, committed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_auditlog (at, actor_id, actor_label, action, object_type, object_id, object_repr, "
                       "changes, request_id) VALUES (%s, %s, %s, 'bench.write', 'bench', '1', '压测', '{}', '')",
                       [timezone.now(), request.auth.pk, request.auth.username])
    return {"written": True}


urlpatterns = [path("bench/", hello_api.urls), *product_urlpatterns]
