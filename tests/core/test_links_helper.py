"""Links with a query string never carry a localised number."""

from __future__ import annotations

from django.template import RequestContext, Template
from django.test import RequestFactory, override_settings

from rupn.links import url_with_query, with_query


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_url_with_query_writes_plain_digits() -> None:
    assert url_with_query("indemnities:rules", annee=2026) == "/indemnites/regles/?annee=2026"
    assert (
        url_with_query("indemnities:export", annee=2026, format="csv")
        == "/indemnites/export/?annee=2026&format=csv"
    )
    assert url_with_query("indemnities:rules_edit", 2026) == "/indemnites/regles/2026/modifier/"


def test_with_query_leaves_out_empty_values_and_encodes_the_rest() -> None:
    assert with_query("/a/", {"annee": None, "q": ""}) == "/a/"
    assert with_query("/a/", {"next": "/b/?c=1&d=2"}) == "/a/?next=%2Fb%2F%3Fc%3D1%26d%3D2"


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_template_tag_and_pagination_keep_digits_plain() -> None:
    template = Template(
        "{% load links %}{% url_with_query 'indemnities:budget' annee=year %}|"
        "{% url_with_query 'indemnities:export' annee=year format='csv' as export %}{{ export }}|"
        "{% querystring page=page %}|{{ year }}"
    )
    request = RequestFactory().get("/etablissements/", {"annee": "2026", "page": "1"})
    html = template.render(RequestContext(request, {"year": 2026, "page": 12345}))
    budget, export, pagination, shown = html.split("|")
    assert budget == "/indemnites/budget/?annee=2026"
    assert export == "/indemnites/export/?annee=2026&amp;format=csv"
    assert pagination == "?annee=2026&amp;page=12345"
    assert shown != "2026"  # the same number on screen is grouped: the tag is what keeps URLs safe


def test_no_template_or_view_builds_a_query_string_by_hand():
    """`?annee={{ year.start_year }}` localises the number (`2 026`): links go through the
    helper. A new hand-built query string in a template or a view fails here."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    hand_built = re.compile(r"\?\w+=\{\{|\?\w+=\{[a-z_.]+\}")
    offenders = []
    for path in root.glob("*/**/*"):
        skipped = {".venv", "tests", "bench"}
        if skipped & set(path.parts) or path.suffix not in {".html", ".py"}:
            continue
        if path == root / "rupn" / "links.py":  # its docstring shows the mistake it prevents
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if hand_built.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
