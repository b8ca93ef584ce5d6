"""The fields a browser would send from a form of a page, for the load test's users."""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields of the first form whose attribute `marker[0]` contains `marker[1]`, as a
    browser would send them once filled in: hidden and pre-filled values kept, the first
    choice of every group of radios, the first box of every group of checkboxes when none is
    ticked, a number or a few words in the empty inputs (with `fill`; without it, the form as
    it stands)."""

    def __init__(self, marker: tuple[str, str], *, fill: bool = True) -> None:
        super().__init__()
        self.marker = marker
        self.fill = fill
        self.inside = False
        self.done = False
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.radios: dict[str, str] = {}
        self.checked: set[str] = set()
        self.boxes: dict[str, str] = {}
        self.textarea: str | None = None
        self.text = ""
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        attr, part = self.marker
        if tag == "form" and not self.done and attr in a and part in a[attr]:
            self.inside, self.action = True, a.get("action") or None
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind == "radio":
                if "checked" in a or name not in self.radios:
                    self.radios[name] = a.get("value", "on")
            elif kind == "checkbox":
                if "checked" in a:
                    self.checked.add(name)
                    self.fields.append((name, a.get("value", "on")))
                else:
                    self.boxes.setdefault(name, a.get("value", "on"))
            else:
                value = a.get("value", "")
                if not value and kind != "hidden" and self.fill:
                    numeric = kind == "number" or a.get("inputmode") in ("decimal", "numeric")
                    value = "3" if numeric else "Usage des tablettes en classe"
                self.fields.append((name, value))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "textarea" and self.textarea is not None:
            text = self.text.strip() or ("Accompagner les collègues" if self.fill else "")
            self.fields.append((self.textarea, text))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen = [v for v, s in self.options if s] or [v for v, _ in self.options if v] or [""]
            self.fields.append((self.select, chosen[0]))
            self.select = None
        elif tag == "form":
            self.inside, self.done = False, True
            self.fields += list(self.radios.items())
            if self.fill:
                self.fields += [(n, v) for n, v in self.boxes.items() if n not in self.checked]


def form_of(html: str, marker: tuple[str, str], *, fill: bool = True) -> FormFields:
    parser = FormFields(marker, fill=fill)
    parser.feed(html)
    if not parser.done:
        raise ValueError(f"pas de formulaire [{marker}] dans la page")
    return parser


def autosave_fields(form: FormFields, edits: int) -> list[tuple[str, str]]:
    """The letter editor's fields as its autosave posts them, each free text changed (edit
    number `edits`) so that every save writes something."""
    fields = [
        (n, f"Précisions, version {edits}" if n.startswith("texte_") else v)
        for n, v in form.fields
        if n != "action"
    ]
    fields.append(("action", "enregistrer"))
    return fields
