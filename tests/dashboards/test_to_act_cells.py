"""A to-act row's cells, written in Python for the page's loop, are what the template wrote."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from dashboards.models import ReminderKind
from dashboards.selectors_to_act import ToActRow

# The row as the list's template wrote it before its cells were built in Python.
TEMPLATE_ROW = Template(
    "{% load french %}"
    + """        <td><div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" id="ligne-{{ row.object_id|stringformat:'d' }}" name="lignes" value="{{ row.object_id|stringformat:'d' }}"><label class="fr-label" for="ligne-{{ row.object_id|stringformat:'d' }}">Relancer<span class="fr-sr-only"> – {{ row.title }}{% if kind.value != "sans-referent" %}, {{ row.establishment.name }}{% endif %}</span></label></div></td>
        <td>{% if row.url %}<a href="{{ row.url }}">{{ row.title }}</a>{% else %}{{ row.title }}{% endif %}<br><span class="fr-text--xs">{{ row.detail }}</span></td>
        {% if kind.value != "sans-referent" %}<td><a href="{% url 'dashboards:establishment' row.establishment.pk %}">{{ row.establishment.name }}</a><br><span class="fr-text--xs">{{ row.establishment.uai }} – {{ row.establishment.departement.name }}</span></td>{% endif %}
        <td>{% if row.people %}{{ row.people_names }}{% else %}<span class="fr-badge fr-badge--warning fr-badge--sm">Personne en fonction pour agir</span>{% endif %}</td>
        <td>{% if row.last_reminded_at %}{{ row.last_reminded_at|long_datetime }}{% else %}Jamais{% endif %}</td>"""  # noqa: E501
)


def row(kind: ReminderKind, **changes: object) -> ToActRow:
    establishment = SimpleNamespace(
        pk=12,
        name="Collège <Jean> & Zay",
        uai="0860001A",
        departement=SimpleNamespace(name="Vienne"),
    )
    values: dict[str, object] = {
        "kind": kind,
        "thing": SimpleNamespace(pk=1234),
        "establishment": establishment,
        "title": "Mme Élise « Dupont »",
        "url": "/missions/lettres/1234/?a=1&b=2",
        "detail": "Brouillon depuis le 3 septembre",
        "people": [SimpleNamespace(name="M. Paul Martin"), SimpleNamespace(name="Mme Ana Roy")],
        "last_reminded_at": None,
    }
    values.update(changes)
    return ToActRow(**values)  # type: ignore[arg-type]


REMINDED = timezone.make_aware(datetime.datetime(2026, 10, 5, 14, 30))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"last_reminded_at": REMINDED},
        {"people": []},
        {"url": "", "detail": ""},
        {"establishment": SimpleNamespace(pk=3, name="Lycée", uai="0860002B", departement=None)},
    ],
)
@pytest.mark.parametrize("kind", [ReminderKind.DRAFT, ReminderKind.NO_REFERENT, ReminderKind.BILAN])
def test_the_cells_are_the_templates(kind: ReminderKind, changes: dict[str, object]) -> None:
    line = row(kind, **changes)
    expected = TEMPLATE_ROW.render(Context({"row": line, "kind": kind}))
    assert "        " + line.cells == expected
