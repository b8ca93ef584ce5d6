from typing import Any

from django.http import HttpRequest


def acting_role(request: HttpRequest) -> dict[str, Any]:
    """The role and académie resolved by ActingRoleMiddleware, for the header and navigation."""
    return {
        "acting": getattr(request, "acting", None),
        "academie": getattr(request, "academie", None),
    }
