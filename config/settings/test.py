"""Test settings: fast password hashing, plain static storage, a separate media folder."""

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
ALLOWED_HOSTS = ["*"]
# Licences: a keystore of its own for the tests, opened with the development passphrase.
ZTC_KEY_DIR = VAR_DIR / "test-keys"
ZTC_KEY_DEV_PASSPHRASE = True
