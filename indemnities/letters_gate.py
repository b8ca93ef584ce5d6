"""Whether a referent's allocation is covered by an issued mission letter.

`missions` depends on `indemnities`, never the reverse: the letters app registers its own check
here (from its AppConfig.ready) when it exists. Until then no allocation has an issued letter,
so only a DANE administrator can certify the service done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indemnities.models import Allocation

IssuedLetterCheck = Callable[["Allocation"], bool]

_issued_letter_check: IssuedLetterCheck | None = None


def register_issued_letter_check(check: IssuedLetterCheck | None) -> None:
    """Install the letters app's answer to "has this referent an issued letter for the year?"."""
    global _issued_letter_check
    _issued_letter_check = check


def allocation_has_issued_letter(allocation: Allocation) -> bool:
    if _issued_letter_check is None:
        return False
    return _issued_letter_check(allocation)
