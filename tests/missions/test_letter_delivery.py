"""The signed PDF delivered through a real SMTP server: refusals for now are tried again until
accepted, refusals for good are shown with « Renvoyer », and nobody receives it twice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import membership_grant
from missions.models import LetterEmail, LetterPdf, LetterStatus
from missions.services_letters import letter_transition
from missions.tasks_pdf import render_and_send_letter_pdf
from tests.conftest import client_acting_as
from tests.factories import make_user, platform_of
from tests.missions.letters import SIGNING, advance, draft_letter, publish_template
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(poitiers):
    """Poitiers (letters visa'd by the DAN) with a second principal at the establishment."""
    publish_template(poitiers)
    membership_grant(
        academie=poitiers.academie,
        user=make_user("co-principal.poitiers@test.fr", last_name="Durand"),
        role=Role.PRINCIPAL,
        actor=platform_of(poitiers.academie),
        establishments=[poitiers.establishment],
    )
    return poitiers


def pdf_recipients(world) -> list[str]:
    return sorted(
        [
            world.rupn.user.email,
            world.principal.user.email,
            "co-principal.poitiers@test.fr",
            world.establishment.email,
        ]
    )


def awaiting_visa(world):
    return advance(draft_letter(world), world, until=LetterStatus.AWAITING_VISA)


def issue(letter, world):
    """The DAN's visa: the letter is issued and its PDF task runs (eagerly) after commit."""
    from accounts.scopes import scope_for

    return letter_transition(
        letter=letter, name="visa", actor=scope_for(world.dane_admin), signing=SIGNING
    )


def pdf_deliveries(server: SmtpServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for delivered in server.delivered:
        if delivered.attachments:
            for address in delivered.recipients:
                counts[address] = counts.get(address, 0) + 1
    return counts


@pytest.mark.parametrize("at", ["RCPT", "DATA"])
def test_greylisted_recipients_get_the_pdf_once_after_retries(world, smtp_server, at):
    letter = awaiting_visa(world)
    smtp_server.greylist(times=2, at=at)  # each recipient refused twice with 451 4.7.1
    # Eager tasks retry on the spot: Celery's apply() runs the retry without its countdown.
    letter = issue(letter, world)

    expected = pdf_recipients(world)
    assert pdf_deliveries(smtp_server) == dict.fromkeys(expected, 1)
    stored = LetterPdf.objects.get(letter=letter).file.read()
    for address in expected:
        [delivered] = [d for d in smtp_server.delivered_to(address) if d.attachments]
        [(name, kind, content)] = delivered.attachments
        assert kind == "application/pdf" and name.endswith("-martin.pdf")
        assert content == stored
        assert letter.reference in delivered.subject
    # The establishment receives the PDF only: its three RCPT are the PDF's own tries.
    if at == "RCPT":
        assert smtp_server.rcpt_attempts(world.establishment.email) == 3
    rows = LetterEmail.objects.filter(letter=letter, event_key="pdf")
    assert sorted(r.recipient for r in rows) == expected
    assert all(r.sent_at is not None and r.error == "" for r in rows)
    # The visa's own email was greylisted too, and also arrived once per person.
    steps = [d for d in smtp_server.delivered if "visée et émise" in d.subject]
    assert sorted(a for d in steps for a in d.recipients) == sorted(
        [world.rupn.user.email, world.principal.user.email, "co-principal.poitiers@test.fr"]
        + [world.deputy.user.email]
    )


def test_a_refusal_for_good_is_shown_and_resend_delivers_only_to_it(world, smtp_server):
    refused = world.establishment.email
    smtp_server.refuse_for_good(refused)
    letter = issue(awaiting_visa(world), world)

    others = [a for a in pdf_recipients(world) if a != refused]
    assert pdf_deliveries(smtp_server) == dict.fromkeys(others, 1)
    assert smtp_server.rcpt_attempts(refused) == 1  # a 550 is not tried again
    row = LetterEmail.objects.get(letter=letter, event_key="pdf", recipient=refused)
    assert row.sent_at is None
    assert row.error == (
        "Envoi impossible : adresse refusée par le serveur de messagerie "
        f"({refused} : 550 5.1.1 Recipient address rejected: User unknown)"
    )
    client = client_acting_as(world.principal)
    page = client.get(reverse("missions:letter", args=[letter.pk])).content.decode()
    assert f"Le courriel à {refused} n’a pas pu partir : Envoi impossible" in page
    assert "User unknown" in page and "Renvoyer" in page

    smtp_server.accept(refused)  # the address corrected at the mail server
    response = client.post(reverse("missions:letter_pdf_resend", args=[letter.pk]))
    assert response.status_code == 302
    assert pdf_deliveries(smtp_server) == dict.fromkeys(pdf_recipients(world), 1)
    row.refresh_from_db()
    assert row.sent_at is not None and row.error == ""
    page = client.get(reverse("missions:letter", args=[letter.pk])).content.decode()
    assert "n’a pas pu partir" not in page and "Renvoyer" not in page


def test_retries_spent_are_shown_with_resend(world, smtp_server):
    smtp_server.greylist(times=1000)
    letter = issue(awaiting_visa(world), world)

    tries = (render_and_send_letter_pdf.max_retries or 0) + 1
    assert smtp_server.rcpt_attempts(world.establishment.email) == tries
    assert pdf_deliveries(smtp_server) == {}
    rows = list(LetterEmail.objects.filter(letter=letter, event_key="pdf"))
    assert len(rows) == 4 and all(r.sent_at is None for r in rows)
    assert all(
        r.error.startswith("Envoi impossible après plusieurs essais : ") and "451 4.7.1" in r.error
        for r in rows
    ), [r.error for r in rows]
    page = client_acting_as(world.principal).get(reverse("missions:letter", args=[letter.pk]))
    assert "Renvoyer" in page.content.decode()


def test_running_the_task_again_delivers_nothing_twice(world, smtp_server):
    letter = issue(awaiting_visa(world), world)
    assert pdf_deliveries(smtp_server) == dict.fromkeys(pdf_recipients(world), 1)
    before = len(smtp_server.delivered)
    kwargs = {"academie_id": letter.academie_id, "letter_id": letter.pk}
    for _ in range(2):
        result = render_and_send_letter_pdf.apply(kwargs=kwargs).get()
        assert result == {"sent": 0, "skipped": 4, "failed": 0}
    assert len(smtp_server.delivered) == before
    assert LetterPdf.objects.filter(letter=letter).count() == 1


def test_the_pdf_leaves_in_one_message_to_every_recipient(world, smtp_server):
    letter = issue(awaiting_visa(world), world)
    [delivered] = [d for d in smtp_server.delivered if d.attachments]
    assert sorted(delivered.recipients) == pdf_recipients(world)
    # Named after the first recipient's row, the same on every try of that message.
    first = LetterEmail.objects.filter(letter=letter, event_key="pdf").order_by("recipient")[0]
    assert delivered.message_id == f"<lettre-{letter.pk}.pdf.{first.pk}@rupn.local>"


def test_recipients_refused_together_are_sorted_one_by_one(world, smtp_server):
    """Every recipient refused at once, one for good and the others for now: the first gets
    its error and is not tried again, the others get the PDF on the next try, once."""
    refused = world.establishment.email
    smtp_server.refuse_for_good(refused)
    smtp_server.greylist(times=1, at="RCPT")
    letter = issue(awaiting_visa(world), world)

    others = [a for a in pdf_recipients(world) if a != refused]
    assert pdf_deliveries(smtp_server) == dict.fromkeys(others, 1)
    assert smtp_server.rcpt_attempts(refused) == 1
    rows = {r.recipient: r for r in LetterEmail.objects.filter(letter=letter, event_key="pdf")}
    assert rows[refused].sent_at is None and "550 5.1.1" in rows[refused].error
    assert all(rows[a].sent_at is not None and rows[a].error == "" for a in others)
