from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest

from accounts.models import Membership, User

SERVICE_NAME = "Référents numériques (RUPN)"


def service_name_for(user: User | None) -> str:
    """The service's name, with the person's académie when they have exactly one."""
    if user is None or user.pk is None:
        return SERVICE_NAME
    names = sorted(
        set(Membership.objects.active().filter(user=user).values_list("academie__name", flat=True))
    )
    if len(names) == 1:
        return f"{SERVICE_NAME} – académie de {names[0]}"
    return SERVICE_NAME


def email_context(*, request: HttpRequest | None, email: str, user: Any = None) -> dict[str, str]:
    """What every account email names: the service (and académie) and the site's address."""
    if not isinstance(user, User):
        user = User.objects.filter(email__iexact=email).first()
    site_url = request.build_absolute_uri("/") if request is not None else settings.SITE_URL
    return {"service_name": service_name_for(user), "site_url": site_url.rstrip("/") + "/"}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts exist only through invitations sent by someone who grants a role.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = getattr(allauth_context, "request", None) or self.request
        extra = email_context(request=request, email=email, user=context.get("user"))
        super().send_mail(template_prefix, email, {**context, **extra})
