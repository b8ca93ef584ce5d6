"""Each step of the workflow emails the next person (French, text and HTML) after commit, once."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from accounts.scopes import scope_for
from audit.models import AuditEvent
from missions.models import LetterEmail, LetterStatus
from missions.services_letters import letter_transition
from missions.tasks import send_letter_emails
from tests.missions.letters import SIGNING, advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(poitiers):
    publish_template(poitiers)
    return poitiers


def test_each_step_tells_the_next_person(world):
    letter = draft_letter(world)
    mail.outbox.clear()
    letter = advance(letter, world, until=LetterStatus.SENT)
    [sent] = mail.outbox
    assert sent.to == [world.rupn.user.email]
    assert "à lire et signer" in sent.subject
    assert f"/missions/lettres/{letter.pk}/" in sent.body
    assert isinstance(sent, mail.EmailMultiAlternatives)
    html, kind = sent.alternatives[0]
    assert kind == "text/html" and 'lang="fr"' in str(html)

    mail.outbox.clear()
    letter = letter_transition(
        letter=letter, name="sign_referent", actor=scope_for(world.rupn), signing=SIGNING
    )
    assert [m.to for m in mail.outbox] == [[world.principal.user.email]]

    mail.outbox.clear()
    letter = letter_transition(
        letter=letter, name="sign_principal", actor=scope_for(world.principal), signing=SIGNING
    )
    assert [m.to for m in mail.outbox] == [[world.dane_admin.user.email]]
    assert "visa" in mail.outbox[0].body

    mail.outbox.clear()
    letter_transition(
        letter=letter, name="visa", actor=scope_for(world.dane_admin), signing=SIGNING
    )
    # The step's email; the signed PDF follows in emails of its own (test_letter_pdf).
    steps = [m for m in mail.outbox if not m.attachments]
    recipients = sorted(address for m in steps for address in m.to)
    assert recipients == sorted(
        [world.rupn.user.email, world.principal.user.email, world.deputy.user.email]
    )
    assert all("émise" in m.body for m in steps)


def test_a_task_run_twice_sends_once(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    event = AuditEvent.objects.filter(verb="letter.send", target_id=letter.pk).get()
    mail.outbox.clear()
    result = send_letter_emails.apply(
        kwargs={
            "academie_id": letter.academie_id,
            "letter_id": letter.pk,
            "event": "send",
            "event_key": str(event.pk),
            "notify": "referent",
        }
    ).get()
    assert result == {"sent": 0, "skipped": 1, "failed": 0}
    assert mail.outbox == []
    assert LetterEmail.objects.filter(letter=letter, sent_at__isnull=False).count() == 1


def test_a_permanent_failure_is_kept_for_the_letter_page(world, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"x": (550, b"unknown")})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    row = LetterEmail.objects.get(letter=letter)
    assert row.sent_at is None
    assert "Envoi impossible" in row.error
