"""Every URL pattern of the project, read from the live URLconf.

The isolation test is generated from this list, so a URL added anywhere in the project is tested
(or reported as not covered) without anyone editing the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class FoundUrl:
    """One URL pattern with its full route, namespaced name and keyword arguments."""

    name: str  # "establishments:detail"; "<sans nom>" parts for unnamed patterns
    route: str  # "etablissements/<int:pk>/"
    kwargs: tuple[str, ...]  # ("pk",)
    converters: tuple[tuple[str, str], ...]  # (("pk", "IntConverter"),)
    view_module: str
    view: object

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def url_name(self) -> str:
        return self.name.rpartition(":")[2]


UNNAMED = "<sans nom>"
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>")


def _kwargs_of(pattern: object) -> list[str]:
    converters = getattr(pattern, "converters", None) or {}
    if converters:
        return list(converters)
    # Regex patterns (re_path) have no converters: their named groups are the kwargs.
    return _REGEX_GROUP.findall(str(pattern))


def _walk(
    patterns: Iterable[URLPattern | URLResolver],
    prefix: str,
    namespaces: tuple[str, ...],
    converters: tuple[tuple[str, str], ...],
    kwargs: tuple[str, ...],
) -> Iterator[FoundUrl]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        own_converters = tuple(
            (key, type(conv).__name__)
            for key, conv in (getattr(entry.pattern, "converters", None) or {}).items()
        )
        own_kwargs = tuple(_kwargs_of(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from _walk(
                entry.url_patterns,
                route,
                namespaces + ((entry.namespace,) if entry.namespace else ()),
                converters + own_converters,
                kwargs + own_kwargs,
            )
        else:
            callback = entry.callback
            yield FoundUrl(
                name=":".join((*namespaces, entry.name or UNNAMED)),
                route=route,
                kwargs=kwargs + own_kwargs,
                converters=converters + own_converters,
                view_module=getattr(callback, "__module__", "") or "",
                view=callback,
            )


def all_urls() -> list[FoundUrl]:
    """Every pattern of the root URLconf, resolvers flattened, in declaration order."""
    return list(_walk(get_resolver().url_patterns, "", (), (), ()))
