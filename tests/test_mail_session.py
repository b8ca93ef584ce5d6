"""One SMTP session per worker process: kept open between messages, opened again when the
server dropped it, after a refusal, after its messages quota, or for other settings."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from rupn import mail
from tests.smtp_server import SmtpServer


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The ports of the sessions opened with the mail server, in order."""
    ports: list[int] = []
    original = EmailBackend.open

    def counting_open(self: EmailBackend) -> bool | None:
        created = original(self)
        if created:
            ports.append(int(self.port))
        return created

    monkeypatch.setattr(EmailBackend, "open", counting_open)
    mail.close_email_session()
    yield ports
    mail.close_email_session()


def message(to: str) -> EmailMessage:
    return EmailMessage("Objet", "Corps", None, [to])


def test_messages_share_one_session(smtp_server: SmtpServer, opened: list[int]) -> None:
    for n in range(3):
        mail.send_email(message(f"personne{n}@test.fr"))
    assert len(smtp_server.delivered) == 3
    assert opened == [smtp_server.port]


def test_a_session_the_server_dropped_is_opened_again(
    smtp_server: SmtpServer, opened: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mail.send_email(message("a@test.fr"))
    session = mail._local.session
    assert session.backend.connection is not None
    # The server's idle time-out, as the client sees it.
    session.backend.connection.sock.shutdown(socket.SHUT_RDWR)
    session.used_at -= mail.IDLE_CHECK_SECONDS + 1  # idle long enough to be checked by NOOP
    mail.send_email(message("b@test.fr"))
    assert [d.recipients for d in smtp_server.delivered] == [("a@test.fr",), ("b@test.fr",)]
    assert len(opened) == 2


def test_a_refusal_is_raised_and_the_next_message_gets_a_new_session(
    smtp_server: SmtpServer, opened: list[int]
) -> None:
    smtp_server.refuse_for_good("inconnu@test.fr")
    mail.send_email(message("a@test.fr"))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mail.send_email(message("inconnu@test.fr"))
    mail.send_email(message("b@test.fr"))
    assert [d.recipients for d in smtp_server.delivered] == [("a@test.fr",), ("b@test.fr",)]
    assert len(opened) == 2


def test_a_session_is_renewed_after_its_quota(
    smtp_server: SmtpServer, opened: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "MAX_MESSAGES", 2)
    for n in range(5):
        mail.send_email(message(f"personne{n}@test.fr"))
    assert len(smtp_server.delivered) == 5
    assert len(opened) == 3


def test_other_settings_open_their_own_session(
    smtp_server: SmtpServer, opened: list[int], settings: object
) -> None:
    mail.send_email(message("a@test.fr"))
    other = SmtpServer().start()
    try:
        settings.EMAIL_PORT = other.port  # type: ignore[attr-defined]
        mail.send_email(message("b@test.fr"))
    finally:
        other.stop()
    assert [d.recipients for d in smtp_server.delivered] == [("a@test.fr",)]
    assert [d.recipients for d in other.delivered] == [("b@test.fr",)]
    assert opened == [smtp_server.port, other.port]


def test_other_backends_send_as_django_does(mailoutbox: list[EmailMessage]) -> None:
    mail.send_email(message("a@test.fr"))
    assert [m.to for m in mailoutbox] == [["a@test.fr"]]
    assert getattr(mail._local, "session", None) is None


def test_one_message_to_several_gives_the_refused_recipients(
    smtp_server: SmtpServer, opened: list[int]
) -> None:
    smtp_server.refuse_for_good("inconnu@test.fr")
    together = EmailMessage("Objet", "Corps", None, ["a@test.fr", "Inconnu@test.fr", "b@test.fr"])
    refused = mail.send_email_to_all(together)
    assert list(refused) == ["Inconnu@test.fr"]  # as the message names it
    [(address, (code, _))] = refused["Inconnu@test.fr"].recipients.items()
    assert code == 550
    assert [d.recipients for d in smtp_server.delivered] == [("a@test.fr", "b@test.fr")]
    # A partial refusal is an answer, not a failure: the session stays open.
    mail.send_email(message("c@test.fr"))
    assert opened == [smtp_server.port]


def test_one_message_refused_for_everyone_raises_with_each_reply(
    smtp_server: SmtpServer, opened: list[int]
) -> None:
    smtp_server.refuse_for_good("x@test.fr")
    smtp_server.greylist(times=1, at="RCPT")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refusal:
        mail.send_email_to_all(EmailMessage("Objet", "Corps", None, ["X@test.fr", "y@test.fr"]))
    codes = {address: code for address, (code, _) in refusal.value.recipients.items()}
    assert codes == {"X@test.fr": 550, "y@test.fr": 451}
    assert smtp_server.delivered == []
