"""The email a teacher receives when the direction designates them referent.

Someone without a password yet gets allauth's password-reset link to choose one (made when the
email leaves, so that it is fresh and never stored); someone who already signs in gets the
sign-in link. A task run twice sends once: the first run claims the membership in the cache.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership
from accounts.tasks import MAIL_RETRIES, MailAttempts
from rupn.tasks import AcademieTask

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 7 * 24 * 3600


def password_link(base_url: str, membership: Membership) -> str:
    """The link where the person chooses their password (allauth's reset from key)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = membership.user
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


@shared_task(base=AcademieTask, bind=True, **MAIL_RETRIES)
def send_designation_email(
    self: AcademieTask, *, academie_id: int, membership_id: int, base_url: str = ""
) -> str:
    membership = (
        Membership.objects.select_related("user", "academie", "school_year", "created_by")
        .filter(pk=membership_id, academie_id=academie_id, revoked_at__isnull=True)
        .first()
    )
    if membership is None:
        return "missing"
    claim = f"rupn:designation-email:{membership.pk}:{membership.created_at.isoformat()}"
    if not cache.add(claim, "1", CLAIM_SECONDS):
        return "already-sent"
    base_url = base_url or settings.SITE_URL
    user = membership.user
    context = {
        "membership": membership,
        "user": user,
        "establishment": membership.establishments.first(),
        "academie": membership.academie,
        "has_password": user.has_usable_password(),
        "password_link": "" if user.has_usable_password() else password_link(base_url, membership),
        "login_link": base_url.rstrip("/") + reverse("account_login"),
    }
    year = membership.school_year.label if membership.school_year else ""
    subject = f"[RUPN] Vous êtes désigné(e) référent(e) numérique {year}".strip()
    text = render_to_string("missions/email/designation.txt", context)
    html = render_to_string("missions/email/designation.html", context)
    message = EmailMultiAlternatives(subject, text, None, [user.email])
    message.attach_alternative(html, "text/html")
    attempts = MailAttempts(self)
    try:
        message.send()
    except Exception as exc:
        cache.delete(claim)
        error = attempts.failure(exc)
        attempts.raise_for_retry()
        logger.error("Designation email of membership %s not sent: %s", membership.pk, error)
        return "failed"
    return "sent"
