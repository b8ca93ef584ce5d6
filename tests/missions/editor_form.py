"""What the template editor's form posts: read from the rendered page (as a browser would send
it), or built from a template's data."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from missions.services_templates import TemplateData


class _FormFields(HTMLParser):
    """The successful controls of the page's POST form (buttons left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and "modifier" in a.get("action", ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[name] = a.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self._first_option = None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea:
            # Django starts a textarea's content with a newline, which browsers drop.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(page: bytes | str) -> dict[str, str]:
    """The editor form's fields as the page shows them."""
    parser = _FormFields()
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    return parser.fields


def editor_post(data: TemplateData, action: str = "save") -> dict[str, Any]:
    """The editor's POST body for `data`, as its form would send it."""
    body: dict[str, Any] = {
        "action": action,
        "title": data.title,
        "introduction": data.introduction,
        "indemnity_clause": data.indemnity_clause,
        "section-TOTAL_FORMS": len(data.sections),
        "section-INITIAL_FORMS": len(data.sections),
    }
    if data.requires_dan_visa:
        body["requires_dan_visa"] = "on"
    for i, section in enumerate(data.sections):
        prefix = f"section-{i}"
        body.update(
            {f"{prefix}-kind": section.kind, f"{prefix}-title": section.title},
        )
        body[f"{prefix}-body"] = section.body
        if section.allows_own_tasks:
            body[f"{prefix}-allows_own_tasks"] = "on"
        body[f"{prefix}-tache-TOTAL_FORMS"] = len(section.tasks)
        body[f"{prefix}-tache-INITIAL_FORMS"] = len(section.tasks)
        for j, task in enumerate(section.tasks):
            body[f"{prefix}-tache-{j}-label"] = task.label
            body[f"{prefix}-tache-{j}-key"] = task.key
            if task.checked_by_default:
                body[f"{prefix}-tache-{j}-checked_by_default"] = "on"
    return body
