from typing import Any

from django.http import HttpRequest

from accounts.acting import memberships_of


def acting_role(request: HttpRequest) -> dict[str, Any]:
    acting = getattr(request, "acting", None)
    return {
        "acting": acting,
        "academie": getattr(request, "academie", None),
        # Loaded lazily: only the header's role switcher reads it.
        "all_memberships": (lambda: memberships_of(request.user)) if acting else list,  # type: ignore[arg-type]
    }
