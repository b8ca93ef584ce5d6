"""Settings of the load test's server (`bench/load.py`): the project's own, plus a middleware
that tells each response's server time and SQL time in a `Server-Timing` header, and a bare view
(`/banc/nu/`) that renders nothing, measured beside the pages under the same load.

Used only by `bench/load.py` (`DJANGO_SETTINGS_MODULE=bench.load_settings`); the application
never loads this module.
"""

from rupn.settings import *  # noqa: F403
from rupn.settings import MIDDLEWARE

MIDDLEWARE = ["bench.load_server.ServerTimingMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.load_server"
