"""A rule set's bands and multiples are read once per process at each version of the rules;
a change to the rules is seen at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import scope_for
from establishments.models import EstablishmentCategory as C
from establishments.models import EstablishmentType as T
from indemnities.envelopes import envelope_with_rules
from indemnities.models import EnvelopeBand
from indemnities.selectors_amounts import multiples_of
from indemnities.services.rules import rule_set_update
from tests.indemnities.rules.conftest import establishment_with, make_rules

pytestmark = pytest.mark.django_db

D = Decimal


def _read(establishment, year):
    with CaptureQueriesContext(connection) as queries:
        rule_set, envelope = envelope_with_rules(establishment, year)
        assert rule_set is not None
        factors = multiples_of(rule_set)
        bands = [(b.category, b.min_pupils, b.imp_units) for b in rule_set.bands.all()]
    return len(queries), envelope, factors, bands


def test_bands_and_multiples_are_read_once_at_a_version(poitiers, year):
    make_rules(poitiers.academie, year, bands=[(C.COLLEGE, 0, None, D("1"))])
    college = establishment_with(poitiers.academie, T.COLLEGE, 300, year)

    cold = _read(college, year)
    warm = _read(college, year)

    assert (cold[0], warm[0]) == (3, 1)
    assert warm[1:] == cold[1:]
    # The rows kept do not point back at the first reader's rule set, which carries that
    # establishment's pupil count.
    rule_set, _ = envelope_with_rules(college, year)
    assert rule_set is not None
    assert not any(EnvelopeBand.rule_set.is_cached(band) for band in rule_set.bands.all())
    assert cold[1].amount == D("1250.00") and cold[3] == [(C.COLLEGE, 0, D("1"))]


def test_a_change_to_the_rules_is_seen_at_once(poitiers, year):
    rule_set = make_rules(poitiers.academie, year, bands=[(C.COLLEGE, 0, None, D("1"))])
    college = establishment_with(poitiers.academie, T.COLLEGE, 300, year)
    _read(college, year)

    rule_set_update(
        rule_set=rule_set,
        base_rate=D("1250.00"),
        max_referents=3,
        max_referents_policy=rule_set.max_referents_policy,
        multiples=[D("0.5"), D("1"), D("2")],
        bands=[(C.COLLEGE, 0, 200, D("1")), (C.COLLEGE, 201, None, D("2"))],
        actor=scope_for(poitiers.dane_admin),
    )

    count, envelope, factors, bands = _read(college, year)
    assert count == 3
    assert envelope.amount == D("2500.00")
    assert factors == [D("0.5"), D("1"), D("2")]
    assert [b[1] for b in bands] == [0, 201]
