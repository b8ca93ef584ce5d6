from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import EstablishmentCategory as C
from establishments.models import EstablishmentType as T
from establishments.models import PupilCount, SchoolYear
from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
from indemnities.demo_rules import load_demo_rules
from indemnities.envelopes import (
    envelope_has_amount,
    envelope_with_rules,
    envelopes_for,
    rule_set_for,
)
from indemnities.models import (
    Allocation,
    EnvelopeBand,
    EnvelopeOverride,
    ImpMultiple,
    ImpRuleSet,
    ReferentLimitPolicy,
)
from indemnities.previews import envelope_changes_preview
from indemnities.rules_validation import rules_errors, rules_warnings
from indemnities.services.envelopes import (
    envelope_override_clear,
    envelope_override_set,
    envelope_override_warnings,
)
from indemnities.services.rules import (
    rule_set_copy_from_previous_year,
    rule_set_lock,
    rule_set_rows,
    rule_set_update,
)
from tests.factories import platform_of
from tests.indemnities.rules.conftest import establishment_with, make_rules

pytestmark = pytest.mark.django_db

D = Decimal


def envelope_of(establishment, school_year):
    envelope = envelopes_for(
        academie_id=establishment.academie_id,
        school_year=school_year,
        establishments=[establishment],
    )[establishment.pk]
    # The one-establishment read of the editor gives the same envelope and rule set.
    rule_set, alone = envelope_with_rules(establishment, school_year)
    assert alone == envelope
    assert rule_set == rule_set_for(establishment.academie_id, school_year)
    # The autosave's one-statement test says the same as the envelope and its rule set.
    assert envelope_has_amount(establishment, school_year) is (
        rule_set is not None and envelope.amount is not None
    )
    return envelope


POITIERS_CASES = [
    (T.COLLEGE, 0, "1250.00", "1"),
    (T.COLLEGE, 1, "1250.00", "1"),
    (T.COLLEGE, 200, "1250.00", "1"),
    (T.COLLEGE, 201, "2500.00", "2"),
    (T.COLLEGE, 1200, "2500.00", "2"),
    (T.LGT, 0, "2500.00", "2"),
    (T.LGT, 500, "2500.00", "2"),
    (T.LGT, 501, "3750.00", "3"),
    (T.LP, 500, "2500.00", "2"),
    (T.LP, 501, "3750.00", "3"),
    (T.LPO, 500, "2500.00", "2"),
    (T.LPO, 501, "3750.00", "3"),
    (T.LPO, 3000, "3750.00", "3"),
    (T.EREA, 0, "2500.00", "2"),
    (T.EREA, 500, "2500.00", "2"),
    (T.EREA, 501, "2500.00", "2"),
]


@pytest.mark.parametrize(("type_", "pupils", "amount", "units"), POITIERS_CASES)
def test_poitiers_rule_at_every_boundary(worlds, year, type_, pupils, amount, units):
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie, year, bands=POITIERS_BANDS)
    make_rules(bordeaux.academie, year, bands=BORDEAUX_BANDS)
    establishment = establishment_with(poitiers.academie, type_, pupils, year)
    envelope = envelope_of(establishment, year)
    assert envelope.amount == D(amount)
    assert envelope.imp_units == D(units)
    assert envelope.problem == ""


BORDEAUX_CASES = [
    (T.COLLEGE, 0, "1250.00"),
    (T.COLLEGE, 300, "1250.00"),
    (T.COLLEGE, 301, "1875.00"),
    (T.COLLEGE, 600, "1875.00"),
    (T.COLLEGE, 601, "2500.00"),
    (T.LGT, 800, "2500.00"),
    (T.LP, 801, "3750.00"),
    (T.LPO, 0, "2500.00"),
    (T.EREA, 0, "1250.00"),
    (T.EREA, 900, "1250.00"),
]


@pytest.mark.parametrize(("type_", "pupils", "amount"), BORDEAUX_CASES)
def test_bordeaux_rule(worlds, year, type_, pupils, amount):
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie, year, bands=POITIERS_BANDS)
    make_rules(bordeaux.academie, year, bands=BORDEAUX_BANDS)
    establishment = establishment_with(bordeaux.academie, type_, pupils, year)
    assert envelope_of(establishment, year).amount == D(amount)


def test_the_two_academies_differ_for_the_same_school(ruled, year):
    poitiers, bordeaux = ruled
    in_poitiers = establishment_with(poitiers.academie, T.COLLEGE, 250, year)
    in_bordeaux = establishment_with(bordeaux.academie, T.COLLEGE, 250, year)
    assert envelope_of(in_poitiers, year).amount == D("2500.00")
    assert envelope_of(in_bordeaux, year).amount == D("1250.00")


def test_rule_change_in_a_new_year_leaves_the_previous_year_intact(poitiers, year, previous_year):
    old_rules = make_rules(poitiers.academie, previous_year)
    rule_set_lock(rule_set=old_rules, actor=platform_of(old_rules))
    college = establishment_with(poitiers.academie, T.COLLEGE, 250, previous_year)
    PupilCount.objects.create(
        academie=poitiers.academie, establishment=college, school_year=year, pupils=250
    )
    new_rules = rule_set_copy_from_previous_year(
        academie=poitiers.academie, school_year=year, actor=scope_for(poitiers.dane_admin)
    )
    before = envelope_of(college, previous_year).amount
    rule_set_update(
        rule_set=new_rules,
        base_rate=D("1300.00"),
        max_referents=3,
        max_referents_policy=ReferentLimitPolicy.WARNING,
        multiples=[D("0.25"), D("1")],
        bands=[
            (C.COLLEGE, 0, 300, D("1")),
            (C.COLLEGE, 301, None, D("2")),
            (C.LYCEE, 0, None, D("3")),
            (C.EREA, 0, None, D("2")),
        ],
        actor=scope_for(poitiers.dane_admin),
    )
    assert envelope_of(college, year).amount == D("1300.00")
    assert envelope_of(college, previous_year).amount == before == D("2500.00")
    old_rules.refresh_from_db()
    assert old_rules.base_rate == D("1250.00")
    assert rule_set_rows(old_rules) == rule_set_rows_sorted(POITIERS_BANDS)
    assert sorted(m.factor for m in old_rules.multiples.all()) == [
        D("0.25"),
        D("0.5"),
        D("1"),
        D("2"),
        D("3"),
    ]


def rule_set_rows_sorted(bands):
    return sorted(bands, key=lambda r: (r[0], r[1]))


def test_copy_needs_a_previous_year_and_an_empty_year(poitiers, year, previous_year):
    with pytest.raises(ValidationError, match="Aucune année antérieure"):
        rule_set_copy_from_previous_year(
            academie=poitiers.academie, school_year=year, actor=platform_of(poitiers.academie)
        )
    make_rules(poitiers.academie, previous_year)
    copy = rule_set_copy_from_previous_year(
        academie=poitiers.academie, school_year=year, actor=platform_of(poitiers.academie)
    )
    assert copy.pk != ImpRuleSet.objects.get(school_year=previous_year).pk
    created = AuditEvent.objects.get(verb="rules.create", target_id=copy.pk)
    assert "par copie de celles de" in created.summary
    with pytest.raises(ValidationError, match="existent déjà"):
        rule_set_copy_from_previous_year(
            academie=poitiers.academie, school_year=year, actor=platform_of(poitiers.academie)
        )


def test_copy_ignores_other_academies(worlds, year, previous_year):
    poitiers, bordeaux = worlds
    make_rules(bordeaux.academie, previous_year, bands=BORDEAUX_BANDS)
    with pytest.raises(ValidationError):
        rule_set_copy_from_previous_year(
            academie=poitiers.academie, school_year=year, actor=platform_of(poitiers.academie)
        )


def test_missing_pupil_count_is_flagged_without_amount(ruled, year):
    poitiers, _ = ruled
    no_count = establishment_with(poitiers.academie, T.COLLEGE, None, year)
    envelope = envelope_of(no_count, year)
    assert envelope.amount is None
    assert envelope.missing_pupil_count
    assert "Effectif manquant" in envelope.problem


def test_no_band_is_flagged(poitiers, year):
    make_rules(poitiers.academie, year, bands=[(C.COLLEGE, 0, None, D("1"))])
    lycee = establishment_with(poitiers.academie, T.LGT, 300, year)
    envelope = envelope_of(lycee, year)
    assert envelope.amount is None
    assert "Aucune tranche" in envelope.problem


def test_a_year_without_rules_has_no_envelope(poitiers, year):
    college = establishment_with(poitiers.academie, T.COLLEGE, 150, year)
    envelope = envelope_of(college, year)
    assert envelope.amount is None
    assert envelope_with_rules(college, year) == (None, envelope)


def test_an_override_gives_an_amount_without_pupils_or_band_but_not_without_rules(poitiers, year):
    make_rules(poitiers.academie, year, bands=[(C.COLLEGE, 0, 500, D("1"))])
    without_pupils = establishment_with(poitiers.academie, T.COLLEGE, None, year)
    above_the_band = establishment_with(poitiers.academie, T.COLLEGE, 501, year)
    other_category = establishment_with(poitiers.academie, T.LGT, 300, year)
    assert envelope_has_amount(establishment_with(poitiers.academie, T.COLLEGE, 500, year), year)
    for establishment in (without_pupils, above_the_band, other_category):
        assert envelope_of(establishment, year).amount is None
        assert not envelope_has_amount(establishment, year)
        envelope_override_set(
            establishment=establishment,
            school_year=year,
            amount=D("900.00"),
            justification="Fixée par la DANE.",
            actor=scope_for(poitiers.dane_admin),
        )
        assert envelope_of(establishment, year).amount == D("900.00")
        assert envelope_has_amount(establishment, year)
    ImpRuleSet.objects.filter(academie=poitiers.academie, school_year=year).delete()
    assert not envelope_has_amount(without_pupils, year)
    assert envelope_of(without_pupils, year).amount == D("900.00")


def test_override_is_used_and_keeps_its_justification(ruled, year):
    poitiers, _ = ruled
    college = establishment_with(poitiers.academie, T.COLLEGE, 150, year)
    envelope_override_set(
        establishment=college,
        school_year=year,
        amount=D("1875.00"),
        justification="Cité scolaire : deux sites à couvrir.",
        actor=scope_for(poitiers.dane_admin),
    )
    envelope = envelope_of(college, year)
    assert envelope.amount == D("1875.00")
    assert envelope.computed_amount == D("1250.00")
    assert envelope.is_overridden
    assert envelope.override_justification == "Cité scolaire : deux sites à couvrir."
    adjusted = AuditEvent.objects.get(verb="envelope.override", establishment=college)
    assert adjusted.actor == poitiers.dane_admin.user
    assert "de 1\u202f250,00\u00a0€ à 1\u202f875,00\u00a0€" in adjusted.summary
    assert adjusted.reason == "Cité scolaire : deux sites à couvrir."
    envelope_override_clear(establishment=college, school_year=year, actor=platform_of(college))
    assert envelope_of(college, year).amount == D("1250.00")


@pytest.mark.parametrize(
    ("amount", "justification", "message"),
    [
        (D("1000"), "court", "au moins 10 caractères"),
        (D("-1"), "Une justification suffisante.", "positif ou nul"),
        (D("10.005"), "Une justification suffisante.", "deux décimales"),
    ],
)
def test_override_refuses_bad_input(ruled, year, amount, justification, message):
    poitiers, _ = ruled
    college = establishment_with(poitiers.academie, T.COLLEGE, 150, year)
    with pytest.raises(ValidationError, match=message):
        envelope_override_set(
            establishment=college,
            school_year=year,
            amount=amount,
            justification=justification,
            actor=platform_of(college),
        )
    assert not EnvelopeOverride.objects.exists()


def test_override_below_allocations_is_refused(ruled, year):
    poitiers, _ = ruled
    establishment = poitiers.establishment  # collège of 300 pupils: 2 500 €
    Allocation.objects.create(
        academie=poitiers.academie,
        establishment=establishment,
        school_year=year,
        referent=poitiers.rupn,
        amount=D("1250.00"),
    )
    with pytest.raises(ValidationError, match="déjà attribué"):
        envelope_override_set(
            establishment=establishment,
            school_year=year,
            amount=D("625.00"),
            justification="Réduction demandée par le rectorat.",
            actor=platform_of(establishment),
        )


def test_override_warns_when_not_a_quarter_rate(ruled, year):
    poitiers, _ = ruled
    establishment = poitiers.establishment
    assert envelope_override_warnings(
        establishment=establishment, school_year=year, amount=D("1000.00")
    )
    assert not envelope_override_warnings(
        establishment=establishment, school_year=year, amount=D("937.50")
    )


GOOD_BANDS = [
    (C.COLLEGE, 0, 200, D("1")),
    (C.COLLEGE, 201, None, D("2")),
    (C.LYCEE, 0, None, D("2")),
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"bands": [(C.COLLEGE, 0, 200, D("1")), (C.COLLEGE, 150, None, D("2"))]},
            "se chevauchent",
        ),
        (
            {"bands": [(C.COLLEGE, 0, 200, D("1")), (C.COLLEGE, 250, None, D("2"))]},
            "trou entre",
        ),
        ({"bands": [(C.COLLEGE, 10, None, D("1"))]}, "commencer à 0"),
        (
            {"bands": [(C.COLLEGE, 0, None, D("1")), (C.COLLEGE, 201, None, D("2"))]},
            "seule la dernière tranche",
        ),
        ({"bands": [(C.COLLEGE, 0, 100, D("1")), ("", 101, None, D("2"))]}, "Ligne 2"),
        ({"bands": [(C.COLLEGE, 300, 200, D("1"))]}, "inférieur au minimum"),
        ({"bands": [(C.COLLEGE, 0, None, D("1.1"))]}, "par quarts"),
        ({"bands": []}, "au moins une tranche"),
        ({"base_rate": D("-1250")}, "strictement positif"),
        ({"base_rate": D("0")}, "strictement positif"),
        ({"multiples": []}, "au moins un multiple"),
        ({"multiples": [D("0.1")]}, "n’est pas autorisé"),
        ({"multiples": [D("1.3")]}, "n’est pas autorisé"),
        ({"max_referents": 0}, "au moins 1"),
    ],
)
def test_invalid_rules_save_nothing(poitiers, year, changes, message):
    rule_set = make_rules(poitiers.academie, year)
    counts = (
        AuditEvent.objects.count(),
        EnvelopeBand.objects.count(),
        ImpMultiple.objects.count(),
    )
    bands_before = rule_set_rows(rule_set)
    values = {
        "base_rate": D("1250.00"),
        "max_referents": 3,
        "max_referents_policy": ReferentLimitPolicy.WARNING,
        "multiples": [D("0.25"), D("1")],
        "bands": GOOD_BANDS,
        **changes,
    }
    with pytest.raises(ValidationError) as raised:
        rule_set_update(rule_set=rule_set, actor=platform_of(rule_set), **values)
    assert any(message in m for m in raised.value.messages), raised.value.messages
    assert counts == (
        AuditEvent.objects.count(),
        EnvelopeBand.objects.count(),
        ImpMultiple.objects.count(),
    )
    rule_set.refresh_from_db()
    assert rule_set.base_rate == D("1250.00")
    assert rule_set_rows(rule_set) == bands_before


def test_error_messages_name_the_lines():
    errors = rules_errors(
        base_rate=D("1250"),
        multiples=[D("1")],
        bands=[
            (C.LYCEE, 0, None, D("2")),
            (C.COLLEGE, 0, 200, D("1")),
            (C.COLLEGE, 180, None, D("2")),
        ],
    )
    assert errors == [
        "Collège : la ligne 2 (Collège, 0 à 200 élèves) et la ligne 3 (Collège, 180 élèves et "
        "plus) se chevauchent."
    ]


def test_warnings_for_missing_category_and_open_end():
    warnings = rules_warnings([(C.COLLEGE, 0, 1000, D("1")), (C.LYCEE, 0, None, D("2"))])
    assert any("au-delà de 1000 élèves" in w for w in warnings)
    assert any("« EREA »" in w for w in warnings)


def test_update_records_who_and_what(poitiers, year):
    rule_set = make_rules(poitiers.academie, year)
    user = poitiers.dane_admin.user
    rule_set_update(
        rule_set=rule_set,
        base_rate=D("1250.00"),
        max_referents=2,
        max_referents_policy=ReferentLimitPolicy.FORBIDDEN,
        multiples=[D("0.25"), D("0.5"), D("1")],
        bands=GOOD_BANDS,
        actor=scope_for(poitiers.dane_admin),
    )
    change = AuditEvent.objects.get(verb="rules.update")
    assert change.actor == user
    assert change.actor_membership_id == poitiers.dane_admin.pk
    assert change.before is not None and change.after is not None
    assert change.before["max_referents"] == 3
    assert change.after["max_referents"] == 2
    assert change.after["multiples"] == ["0.25", "0.5", "1"]
    assert "2 référents au plus" in change.summary
    rule_set.refresh_from_db()
    assert rule_set.max_referents_policy == ReferentLimitPolicy.FORBIDDEN
    assert rule_set.updated_by == user
    with pytest.raises(ValidationError, match="Aucune modification"):
        rule_set_update(
            rule_set=rule_set,
            base_rate=D("1250.00"),
            max_referents=2,
            max_referents_policy=ReferentLimitPolicy.FORBIDDEN,
            multiples=[D("0.25"), D("0.5"), D("1")],
            bands=GOOD_BANDS,
            actor=scope_for(poitiers.dane_admin),
        )


def test_locked_year_refuses_edits(poitiers, year):
    rule_set = make_rules(poitiers.academie, year)
    rule_set_lock(rule_set=rule_set, actor=platform_of(rule_set))
    rule_set_lock(rule_set=rule_set, actor=platform_of(rule_set))  # idempotent
    assert rule_set.is_locked
    changes = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="figées"):
        rule_set_update(
            rule_set=rule_set,
            base_rate=D("2000.00"),
            max_referents=3,
            max_referents_policy=ReferentLimitPolicy.WARNING,
            multiples=[D("1")],
            bands=GOOD_BANDS,
            actor=platform_of(rule_set),
        )
    assert AuditEvent.objects.count() == changes
    rule_set.refresh_from_db()
    assert rule_set.base_rate == D("1250.00")


def test_preview_lists_exactly_the_changed_establishments(ruled, year):
    poitiers, bordeaux = ruled
    small = establishment_with(poitiers.academie, T.COLLEGE, 150, year)
    mid = establishment_with(poitiers.academie, T.COLLEGE, 250, year)  # 2 → 1 IMP
    lycee = establishment_with(poitiers.academie, T.LGT, 400, year)
    missing = establishment_with(poitiers.academie, T.COLLEGE, None, year)
    overridden = establishment_with(poitiers.academie, T.COLLEGE, 260, year)
    envelope_override_set(
        establishment=overridden,
        school_year=year,
        amount=D("2500.00"),
        justification="Garde son enveloppe malgré les règles.",
        actor=platform_of(overridden),
    )
    establishment_with(bordeaux.academie, T.COLLEGE, 250, year)
    rule_set = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    new_bands = [
        (C.COLLEGE, 0, 300, D("1")),
        (C.COLLEGE, 301, None, D("2")),
        (C.LYCEE, 0, 500, D("2")),
        (C.LYCEE, 501, None, D("3")),
        (C.EREA, 0, None, D("2")),
    ]
    changes = envelope_changes_preview(
        rule_set=rule_set, new_base_rate=D("1250.00"), new_bands=new_bands
    )
    by_id = {c.establishment.pk: c for c in changes}
    # The world's collège (300 pupils) drops from 2 to 1 IMP too.
    assert set(by_id) == {mid.pk, poitiers.establishment.pk}
    establishment, old, new, delta = by_id[mid.pk]
    assert (old, new, delta) == (D("2500.00"), D("1250.00"), D("-1250.00"))
    assert small.pk not in by_id and lycee.pk not in by_id and missing.pk not in by_id
    # Nothing was saved.
    assert envelope_of(mid, year).amount == D("2500.00")

    higher_rate = envelope_changes_preview(
        rule_set=rule_set, new_base_rate=D("1300.00"), new_bands=rule_set_rows(rule_set)
    )
    ids = {c.establishment.pk for c in higher_rate}
    assert missing.pk not in ids and overridden.pk not in ids
    assert {small.pk, mid.pk, lycee.pk, poitiers.establishment.pk} <= ids
    assert all(c.establishment.academie_id == poitiers.academie.pk for c in higher_rate)


def test_demo_rules(worlds, year, previous_year):
    poitiers, bordeaux = worlds
    for world in worlds:
        load_demo_rules(academie=world.academie, school_years=[previous_year, year])
        load_demo_rules(academie=world.academie, school_years=[previous_year, year])
    p_old = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=previous_year)
    p_new = ImpRuleSet.objects.get(academie=poitiers.academie, school_year=year)
    b_new = ImpRuleSet.objects.get(academie=bordeaux.academie, school_year=year)
    assert p_old.is_locked and not p_new.is_locked
    assert ImpRuleSet.objects.get(academie=bordeaux.academie, school_year=previous_year).is_locked
    assert rule_set_rows(p_new) == rule_set_rows_sorted(POITIERS_BANDS)
    assert rule_set_rows(b_new) == rule_set_rows_sorted(BORDEAUX_BANDS)
    assert p_new.max_referents_policy == ReferentLimitPolicy.WARNING
    assert b_new.max_referents_policy == ReferentLimitPolicy.FORBIDDEN
    assert ImpRuleSet.objects.count() == 4
    assert SchoolYear.objects.filter(start_year=year.start_year).exists()
