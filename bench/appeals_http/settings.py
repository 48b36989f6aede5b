"""Production settings plus a hello-world endpoint, for the HTTP benchmark only (never deployed)."""

from config.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.appeals_http.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING", "handlers": []}}
