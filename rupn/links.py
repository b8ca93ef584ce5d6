"""Links with a query string, built in one place for views and templates alike.

Numbers go into URLs as plain digits, never through the locale machinery: with
USE_THOUSAND_SEPARATOR, `?annee={{ year.start_year }}` in a template would become
`?annee=2 026`, which no form accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.urls import reverse


def plain(value: object) -> str:
    """A value as it goes into a URL: `str()`, which never localises a number."""
    return str(value)


def with_query(url: str, query: Mapping[str, object]) -> str:
    """`url` followed by `query`, leaving out parameters whose value is None or ""."""
    items = [(key, plain(value)) for key, value in query.items() if value not in (None, "")]
    return f"{url}?{urlencode(items)}" if items else url


def url_with_query(viewname: str, *args: object, **query: object) -> str:
    """`reverse(viewname, args=args)` followed by the query string of `query`.

    `url_with_query("indemnities:rules", annee=2026)` → "/indemnites/regles/?annee=2026"."""
    return with_query(reverse(viewname, args=[plain(arg) for arg in args]), query)
