"""Which sending failures are tried again: by the mail server's reply code (RFC 5321)."""

from __future__ import annotations

import smtplib
import socket
from types import SimpleNamespace

import pytest

from accounts.tasks import (
    MailAttempts,
    TemporaryMailError,
    describe_mail_error,
    is_temporary_mail_error,
)


def refused(*codes: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused(
        {f"r{n}@ac-test.fr": (code, b"reply") for n, code in enumerate(codes)}
    )


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (refused(451), True),  # greylisting, 451 4.7.1
        (refused(452), True),  # mailbox full, too many recipients
        (refused(421), True),  # the server closes for now
        (refused(550), False),  # no such user
        (refused(553), False),
        (refused(451, 452), True),
        (refused(451, 550), False),  # one refused for good: retrying will not deliver it
        (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), True),
        (smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"), False),
        (smtplib.SMTPSenderRefused(451, b"4.4.3 Try later", "rupn@ac-test.fr"), True),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "rupn@ac-test.fr"), False),
        (smtplib.SMTPConnectError(421, b"Too many connections"), True),
        (smtplib.SMTPConnectError(554, b"No service"), False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),
        (smtplib.SMTPAuthenticationError(454, b"4.7.0 Try later"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported"), False),
        (ValueError("bad header"), False),
        (TemporaryMailError("later"), True),
    ],
)
def test_classification(error: BaseException, temporary: bool) -> None:
    assert is_temporary_mail_error(error) is temporary


def test_descriptions_are_french_and_keep_the_servers_reply() -> None:
    error = smtplib.SMTPRecipientsRefused({"x@ac-test.fr": (550, b"5.1.1 User\r\n unknown")})
    assert describe_mail_error(error) == (
        "adresse refusée par le serveur de messagerie (x@ac-test.fr : 550 5.1.1 User unknown)"
    )
    data = smtplib.SMTPDataError(451, b"4.7.1 Try again later")
    assert describe_mail_error(data) == (
        "le serveur de messagerie a répondu « 451 4.7.1 Try again later »"
    )
    assert describe_mail_error(ConnectionRefusedError(111, "Connection refused")).startswith(
        "serveur de messagerie injoignable"
    )


def _task(retries: int, max_retries: int = 6) -> SimpleNamespace:
    return SimpleNamespace(
        name="envoi", request=SimpleNamespace(retries=retries), max_retries=max_retries
    )


def test_a_temporary_failure_waits_for_a_retry_until_the_retries_are_spent() -> None:
    attempts = MailAttempts(_task(retries=2))  # type: ignore[arg-type]
    assert attempts.failure(refused(451)) is None
    with pytest.raises(TemporaryMailError) as raised:
        attempts.raise_for_retry()
    assert isinstance(raised.value.__cause__, smtplib.SMTPRecipientsRefused)

    spent = MailAttempts(_task(retries=6))  # type: ignore[arg-type]
    error = spent.failure(refused(451))
    assert error is not None and error.startswith("Envoi impossible après plusieurs essais : ")
    with pytest.raises(TemporaryMailError):
        spent.raise_for_retry()  # Celery then ends the task as failed


def test_a_permanent_failure_is_recorded_at_once_and_not_retried() -> None:
    attempts = MailAttempts(_task(retries=0))  # type: ignore[arg-type]
    error = attempts.failure(refused(550))
    assert error is not None and error.startswith("Envoi impossible : adresse refusée")
    attempts.raise_for_retry()  # nothing to retry: no exception
