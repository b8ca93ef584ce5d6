"""What the request that triggered a write knows and its services need not be told.

Services take no HTTP objects; the one fact of the request the audit log keeps, the client's
address, travels beside them in a context variable set by the acting-role middleware.
"""

from __future__ import annotations

import contextvars

client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
