"""Development settings: the defaults for `make run` on a laptop."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: E402,F403
from .base import DEBUG, SECRET_KEY, require_production_secret  # noqa: E402

require_production_secret(DEBUG, SECRET_KEY)

# Serve static files straight from the apps while developing; production serves the collected set.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
