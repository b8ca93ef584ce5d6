"""One connection to the mail server per worker process, kept open from one email to the next.

Opening an SMTP session costs a TCP connection, the greeting, EHLO (and STARTTLS, AUTH) before
the first message and QUIT after it: for the letters' deliveries, three messages each, that was
most of the sending. `send_email(message)` sends through the connection of the current process
(and thread: an eager task in a web server thread gets its own), opened the first time, checked
with NOOP when it has been idle a while, and opened again when the settings changed, after
`MAX_MESSAGES` messages (some servers accept only so many per session) or after an error: a
failure always drops the connection, whatever it was, and is raised as before for the caller's
`MailAttempts` to sort. Backends other than Django's SMTP one (a folder of files, memory) are
used as Django uses them, one connection per message.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

logger = logging.getLogger(__name__)

# Messages sent in one session before it is closed and another opened.
MAX_MESSAGES = 200
# A session idle for longer is checked with NOOP before the next message (servers close idle
# sessions after a few minutes: Postfix after 300 s).
IDLE_CHECK_SECONDS = 10.0


class _Session:
    def __init__(self, key: tuple[Any, ...], backend: SmtpBackend) -> None:
        self.key = key
        self.backend = backend
        self.sent = 0
        self.used_at = time.monotonic()


_local = threading.local()


def _settings_key() -> tuple[Any, ...]:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
            "EMAIL_SSL_CERTFILE",
            "EMAIL_SSL_KEYFILE",
        )
    )


def _alive(session: _Session) -> bool:
    smtp = session.backend.connection
    if smtp is None:
        return False
    if time.monotonic() - session.used_at < IDLE_CHECK_SECONDS:
        return True
    try:
        return bool(smtp.noop()[0] == 250)
    except (smtplib.SMTPException, OSError):
        return False


def close_email_session() -> None:
    """Close this thread's session, if one is open (a worker process that stops)."""
    session: _Session | None = getattr(_local, "session", None)
    _local.session = None
    if session is not None:
        try:
            session.backend.close()
        except Exception:  # a server already gone: nothing to close cleanly
            logger.debug("Closing the mail session failed", exc_info=True)


def _session() -> _Session | None:
    """This thread's open SMTP session, opened if needed; None for other backends."""
    key = _settings_key()
    session: _Session | None = getattr(_local, "session", None)
    if session is not None and (
        session.key != key or session.sent >= MAX_MESSAGES or not _alive(session)
    ):
        close_email_session()
        session = None
    if session is None:
        backend = get_connection()
        if not isinstance(backend, SmtpBackend):
            return None
        backend.open()  # raises as sending would: the caller sorts the failure
        session = _local.session = _Session(key, backend)
    return session


def send_email(message: EmailMessage) -> None:
    """Send one message through this process's session with the mail server."""
    send_email_to_all(message)


def send_email_to_all(message: EmailMessage) -> dict[str, smtplib.SMTPRecipientsRefused]:
    """Send one message to all its recipients in one SMTP transaction, through this process's
    session, and give the recipients the server refused while it accepted the others (address
    as the message names it → the refusal, to sort as any other). Django's backend drops those
    refusals: a message to several people would pass for delivered to all of them. When the
    server accepts nobody, or refuses the message itself, the error is raised as by `send_email`.
    """
    session = _session()
    if session is None:
        message.send()
        return {}
    encoding = message.encoding or settings.DEFAULT_CHARSET
    addresses = {sanitize_address(address, encoding): address for address in message.recipients()}
    if not addresses:
        return {}
    try:
        smtp = session.backend.connection
        if smtp is None:  # opened by `_session`: only a closed backend has none
            raise smtplib.SMTPServerDisconnected("session de messagerie fermée")
        refused = smtp.sendmail(
            sanitize_address(message.from_email, encoding),
            list(addresses),
            # Django's MIME classes take the line separator, as its backend passes it.
            message.message().as_bytes(linesep="\r\n"),  # type: ignore[call-arg]
        )
    except smtplib.SMTPRecipientsRefused as exc:
        close_email_session()
        # Named as the message names them, as the partial refusals below.
        raise smtplib.SMTPRecipientsRefused(
            {addresses.get(address, address): reply for address, reply in exc.recipients.items()}
        ) from exc
    except BaseException:
        # Whatever the server answered, start the next message on a fresh session.
        close_email_session()
        raise
    session.sent += 1
    session.used_at = time.monotonic()
    return {
        addresses.get(address, address): smtplib.SMTPRecipientsRefused({address: reply})
        for address, reply in refused.items()
    }
