"""Production settings: HTTPS-only cookies, HSTS, and a secret key that must come from the environment."""

import os

from .base import *  # noqa: F403
from .base import DEBUG, SECRET_KEY, require_production_secret

require_production_secret(DEBUG, SECRET_KEY)

SESSION_COOKIE_SECURE = os.environ.get("ZTC_INSECURE_COOKIES", "0") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("ZTC_HSTS_SECONDS", "31536000"))
SECURE_SSL_REDIRECT = os.environ.get("ZTC_SSL_REDIRECT", "0") == "1"
