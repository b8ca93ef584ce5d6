"""Invitation emails through Celery: a real worker on Redis, then the task's own guarantees."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from accounts.models import Invitation, Role
from accounts.services import invitation_create
from accounts.tasks import send_invitation_email
from rupn.celery import app
from tests.factories import make_academie, platform_of

BASE_URL = "https://rupn.example.fr"


def _academie():
    return make_academie(name="Poitiers", code="13", departements={"86": "Vienne"})


def _invite(academie, email: str = "nouvelle.dane@ac-poitiers.example") -> tuple[Invitation, str]:
    return invitation_create(
        academie=academie,
        email=email,
        role=Role.DANE_ADMIN,
        actor=platform_of(academie),
        first_name="Agnès",
        last_name="Dupuis",
        base_url=BASE_URL,
    )


# --- A real worker -------------------------------------------------------------------------


@pytest.fixture
def redis_worker() -> Iterator[None]:
    """A Celery worker in a thread of this process, consuming the Redis queue."""
    app.conf.task_always_eager = False
    # Messages left by an interrupted earlier run would be consumed first: start clean.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_invitation_queued_on_commit(redis_worker: None) -> None:
    academie = _academie()
    with transaction.atomic():
        invitation, token = _invite(academie)
        # Nothing leaves before the commit: the worker could not see the row yet.
        assert not mail.outbox

    def sent() -> bool:
        invitation.refresh_from_db()
        return invitation.email_sent_at is not None

    assert _wait_for(sent), "le worker n’a pas envoyé le courriel d’invitation à temps"
    assert invitation.email_error == ""
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle.dane@ac-poitiers.example"]
    assert f"{BASE_URL}/invitation/{token}/" in message.body


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_nothing_when_the_transaction_rolls_back(redis_worker: None) -> None:
    academie = _academie()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        _invite(academie)
        raise Abort
    # A committed invitation afterwards is the marker that the worker had its chance.
    invitation, _ = _invite(academie, email="autre@ac-poitiers.example")
    assert _wait_for(lambda: Invitation.objects.filter(email_sent_at__isnull=False).exists())
    assert [m.to for m in mail.outbox] == [["autre@ac-poitiers.example"]]
    assert Invitation.objects.count() == 1


# --- The task itself, eager (no Redis needed) ----------------------------------------------


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient for good (not worth retrying)."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPRecipientsRefused({"x@example.fr": (550, b"No such user")})


class DisconnectedBackend(BaseEmailBackend):
    """A mail server that is down (worth retrying, until the retries are spent)."""

    calls = 0

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        DisconnectedBackend.calls += 1
        raise smtplib.SMTPServerDisconnected("Connexion perdue")


@pytest.mark.django_db
def test_sending_twice_sends_one_email(django_capture_on_commit_callbacks) -> None:
    academie = _academie()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = _invite(academie)
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None
    assert len(mail.outbox) == 1

    # The same message delivered twice (a worker lost before acknowledging it, say).
    again = send_invitation_email.apply(
        kwargs={
            "academie_id": academie.pk,
            "invitation_id": invitation.pk,
            "accept_url": f"{BASE_URL}/invitation/{token}/",
        }
    )
    assert again.get() == "already-sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_task_ignores_an_invitation_of_another_academie() -> None:
    academie = _academie()
    other = make_academie(name="Bordeaux", code="04", departements={"33": "Gironde"})
    invitation, token = _invite(academie)
    result = send_invitation_email.apply(
        kwargs={"academie_id": other.pk, "invitation_id": invitation.pk, "accept_url": "x"}
    )
    assert result.get() == "missing"
    assert not mail.outbox


@pytest.mark.django_db
def test_a_final_failure_is_recorded(settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    academie = _academie()
    invitation, token = _invite(academie)
    result = send_invitation_email.apply(
        kwargs={
            "academie_id": academie.pk,
            "invitation_id": invitation.pk,
            "accept_url": f"{BASE_URL}/invitation/{token}/",
        }
    )
    assert result.get() == "failed"
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert invitation.email_error.startswith("Envoi impossible")
    assert "No such user" in invitation.email_error


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_then_recorded(settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.DisconnectedBackend"
    DisconnectedBackend.calls = 0
    academie = _academie()
    invitation, token = _invite(academie)
    result = send_invitation_email.apply(
        kwargs={
            "academie_id": academie.pk,
            "invitation_id": invitation.pk,
            "accept_url": f"{BASE_URL}/invitation/{token}/",
        }
    )
    assert result.failed()
    assert DisconnectedBackend.calls == (send_invitation_email.max_retries or 0) + 1
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert invitation.email_error.startswith("Envoi impossible après plusieurs essais")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_tells_the_referent_that_their_letter_awaits_them(redis_worker: None) -> None:
    from missions.models import LetterEmail, LetterStatus
    from tests.factories import POITIERS_DEPARTEMENTS, make_world
    from tests.missions.letters import advance, draft_letter, publish_template

    world = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    publish_template(world)
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)

    def sent() -> bool:
        return LetterEmail.objects.filter(letter=letter, sent_at__isnull=False).exists()

    assert _wait_for(sent), "le worker n’a pas envoyé le courriel de la lettre à temps"
    assert [m.to for m in mail.outbox if "lettre de mission" in m.subject] == [
        [world.rupn.user.email]
    ]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_stores_the_signed_pdf_and_emails_it(redis_worker: None) -> None:
    import io

    import pypdf

    from missions.models import LetterPdf, LetterStatus
    from tests.factories import POITIERS_DEPARTEMENTS, make_world
    from tests.missions.letters import advance, draft_letter, publish_template

    world = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    world.establishment.email = ""
    world.establishment.save(update_fields=["email"])
    publish_template(world)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)

    def mailed() -> bool:
        return any(m.attachments for m in mail.outbox)

    assert _wait_for(mailed, timeout=60), "le worker n’a pas envoyé la lettre signée à temps"
    stored = LetterPdf.objects.get(letter=letter)
    pdf = stored.file.read()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert letter.reference in text and "250,00" in text
    with_pdf = [m for m in mail.outbox if m.attachments]
    referent = [m for m in with_pdf if world.rupn.user.email in m.to]
    assert len(referent) == 1
    name, content, kind = referent[0].attachments[0]
    assert kind == "application/pdf" and content == pdf and name.endswith("-martin.pdf")
