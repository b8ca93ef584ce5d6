"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the delivery tests and the benchmark.

It records every message it accepts, parsed with `email`, and can be told to refuse: the first
N RCPT (or DATA) of each recipient with a temporary reply (greylisting, `451 4.7.1`), or some
recipients for good (`550`). The `smtp_server` fixture starts one on a free port and points
Django's SMTP backend at it; the messages Django "sent" are then only those the server accepted.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

GREYLISTED = "451 4.7.1 Try again later"
UNKNOWN_USER = "550 5.1.1 Recipient address rejected: User unknown"

# aiosmtpd logs every command at INFO: only its warnings matter here.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Delivered:
    """One message the server accepted: its envelope and its parsed content."""

    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(file name, content type, bytes) of each attached file."""
        found = []
        for part in self.message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append((part.get_filename() or "", part.get_content_type(), payload))
        return found


@dataclass
class Handler:
    """aiosmtpd's handler: refuses as told, records what it accepts (thread-safe)."""

    rcpt_refusals: int = 0
    rcpt_reply: str = GREYLISTED
    data_refusals: int = 0
    data_reply: str = GREYLISTED
    refused_for_good: dict[str, str] = field(default_factory=dict)
    rcpt_attempts: Counter[str] = field(default_factory=Counter)
    data_attempts: Counter[str] = field(default_factory=Counter)
    delivered: list[Delivered] = field(default_factory=list)
    # Kept whether or not the messages are: accepted messages per recipient, those with a PDF.
    received: Counter[str] = field(default_factory=Counter)
    received_pdf: Counter[str] = field(default_factory=Counter)
    keep: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        address = address.lower()
        with self.lock:
            self.rcpt_attempts[address] += 1
            if address in self.refused_for_good:
                return self.refused_for_good[address]
            if self.rcpt_attempts[address] <= self.rcpt_refusals:
                return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        recipients = tuple(address.lower() for address in envelope.rcpt_tos)
        with self.lock:
            for address in recipients:
                self.data_attempts[address] += 1
            if any(self.data_attempts[a] <= self.data_refusals for a in recipients):
                return self.data_reply
            with_pdf = b"application/pdf" in envelope.content
            for address in recipients:
                self.received[address] += 1
                if with_pdf:
                    self.received_pdf[address] += 1
            if self.keep:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                self.delivered.append(Delivered(envelope.mail_from, recipients, message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """The server, in a thread of this process with its own event loop."""

    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, *, keep: bool = True
    ) -> None:
        """`keep=False` counts the messages without keeping them (a benchmark's thousands)."""
        self.handler = Handler(keep=keep)
        self.host = host
        self.port = port or free_port(host)
        self._controller = Controller(self.handler, hostname=host, port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    # What to refuse ---------------------------------------------------------------------

    def greylist(self, times: int = 1, *, at: str = "RCPT", reply: str = GREYLISTED) -> None:
        """Refuse the next `times` RCPT (or DATA) of each recipient with `reply`, then accept."""
        with self.handler.lock:
            self.handler.rcpt_attempts.clear()
            self.handler.data_attempts.clear()
            if at == "RCPT":
                self.handler.rcpt_refusals, self.handler.rcpt_reply = times, reply
            else:
                self.handler.data_refusals, self.handler.data_reply = times, reply

    def refuse_for_good(self, address: str, reply: str = UNKNOWN_USER) -> None:
        with self.handler.lock:
            self.handler.refused_for_good[address.lower()] = reply

    def accept(self, address: str) -> None:
        with self.handler.lock:
            self.handler.refused_for_good.pop(address.lower(), None)

    # What it received -------------------------------------------------------------------

    @property
    def delivered(self) -> list[Delivered]:
        with self.handler.lock:
            return list(self.handler.delivered)

    def delivered_to(self, address: str) -> list[Delivered]:
        return [d for d in self.delivered if address.lower() in d.recipients]

    def per_recipient(self) -> Counter[str]:
        """How many messages each recipient received."""
        return Counter(address for d in self.delivered for address in d.recipients)

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        """Messages accepted per recipient: all of them, and those with a PDF attached."""
        with self.handler.lock:
            return Counter(self.handler.received), Counter(self.handler.received_pdf)

    def rcpt_attempts(self, address: str) -> int:
        with self.handler.lock:
            return self.handler.rcpt_attempts[address.lower()]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Whether `count` messages have arrived within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered) >= count:
                return True
            time.sleep(0.05)
        return len(self.delivered) >= count


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A running SMTP server that Django's SMTP backend sends to, for this test."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.stop()
