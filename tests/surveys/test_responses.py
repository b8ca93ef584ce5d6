"""Answering a survey: each kind's rules and storage, conditional questions, saving page by
page, submitting once, after closing, and who may answer."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts.scopes import scope_for
from audit.models import AuditEvent
from surveys.answers import Given, TaskAnswer
from surveys.models import Answer, SurveyResponse
from surveys.selectors_responses import (
    get_invitation_for,
    given_of,
    invitation_lines,
    survey_structure,
)
from surveys.services_responses import (
    ReadBefore,
    ResponseErrors,
    StaleResponseError,
    response_save_page,
    response_submit,
)
from tests.surveys.answering import (
    PAGE_1,
    PAGE_2,
    every_kind_answers,
    invitation_of,
    open_campaign,
    page_of,
)

pytestmark = pytest.mark.django_db


def _save(world, invitation, page, given, revision, **extra):
    return response_save_page(
        actor=scope_for(world.rupn),
        invitation=invitation,
        page_number=page,
        given=given,
        revision=revision,
        **extra,
    )


def _answer_all(world, invitation):
    answers = every_kind_answers()
    response = _save(world, invitation, 1, page_of(answers, PAGE_1), 0)
    return _save(world, invitation, 2, page_of(answers, PAGE_2), response.revision)


def test_every_kind_is_stored_one_row_per_fact_and_read_back(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    response = _answer_all(poitiers, invitation)
    rows = Answer.objects.filter(response=response)
    # information: 2 options; ressources: 2 cells; 7 other single facts.
    assert rows.count() == 1 + 1 + 2 + 1 + 1 + 2 + 1 + 1 + 1
    other = rows.get(question__key="information", option__key="autre")
    assert other.text == "Le site du collège"
    assert rows.get(question__key="ateliers").number == Decimal("4")
    pix = rows.filter(question__key="ressources", row__key="pix")
    assert list(pix.values_list("option__key", flat=True)) == ["inconnue"]
    given = given_of(response, survey_structure(invitation.campaign.survey))
    assert given["information"] == Given(options=("courriel", "autre"), other="Le site du collège")
    assert given["ressources"].cells == {"eduthèque": "utilisee", "pix": "inconnue"}
    assert given["demandes"].text == "Du temps.\nDu débit."
    assert response.last_page == 2 and response.revision == 2


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("pilotage", Given(options=("peut-etre",)), "choix proposés"),
        ("pilotage", Given(options=("oui", "non")), "Une seule réponse"),
        ("information", Given(options=("autre",)), "Précisez"),
        ("information", Given(options=("inconnu",)), "choix proposés"),
        ("ateliers", Given(number=Decimal("51")), "au plus 50"),
        ("ateliers", Given(number=Decimal("-1")), "au moins 0"),
        ("projet", Given(text="x" * 301), "300 caractères"),
        ("ressources", Given(cells={"pix": "adoree"}), "choix proposés"),
    ],
)
def test_an_answer_breaking_its_rules_is_refused_and_nothing_is_saved(worlds, key, value, message):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    answers[key] = value
    page = 1 if key in PAGE_1 else 2
    if page == 2:
        _save(poitiers, invitation, 1, page_of(answers, PAGE_1), 0)
    before = Answer.objects.count()
    revision = (
        SurveyResponse.objects.filter(invitation=invitation)
        .values_list("revision", flat=True)
        .first()
        or 0
    )
    with pytest.raises(ResponseErrors) as caught:
        _save(
            poitiers, invitation, page, page_of(answers, PAGE_1 if page == 1 else PAGE_2), revision
        )
    assert list(caught.value.error_dict) == [key]
    assert message in " ".join(caught.value.message_dict[key])
    assert Answer.objects.count() == before


def test_a_required_question_must_be_answered_on_its_page(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    with pytest.raises(ResponseErrors) as caught:
        _save(poitiers, invitation, 1, {}, 0)
    assert caught.value.message_dict == {"pilotage": ["Choisissez une réponse."]}
    assert not SurveyResponse.objects.exists()


def test_a_hidden_question_is_neither_required_nor_kept(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    # « oui »: the follow-up is shown, required, answered and stored.
    response = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), 0)
    assert Answer.objects.filter(response=response, question__key="enquete").exists()
    # « non »: the follow-up is hidden; its answer sent anyway is neither checked nor kept.
    answers["pilotage"] = Given(options=("non",))
    answers["enquete"] = Given(options=("n-importe",))
    response = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), response.revision)
    assert not Answer.objects.filter(response=response, question__key="enquete").exists()
    # « oui » again without the follow-up: now it is required.
    answers["pilotage"] = Given(options=("oui",))
    del answers["enquete"]
    with pytest.raises(ResponseErrors) as caught:
        _save(poitiers, invitation, 1, page_of(answers, PAGE_1), response.revision)
    assert list(caught.value.error_dict) == ["enquete"]


def test_progress_resumes_from_the_server_and_a_stale_page_is_refused(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    first = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), 0)
    # Another device saved meanwhile: a tab still at revision 0 cannot overwrite it.
    with pytest.raises(StaleResponseError):
        _save(poitiers, invitation, 1, {"pilotage": Given(options=("non",))}, 0)
    reread = get_invitation_for(scope_for(poitiers.rupn), invitation.pk)
    assert reread.response.revision == first.revision
    given = given_of(reread.response, survey_structure(invitation.campaign.survey))
    assert given["pilotage"].options == ("oui",)


def test_what_the_page_read_is_reused_only_while_the_response_is_at_its_revision(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    structure = survey_structure(invitation.campaign.survey)
    first = _save(poitiers, invitation, 2, page_of(answers, PAGE_2), 0)
    # Read by a page before the save above: its answers (none) are old and read again, so the
    # second page's answers stay.
    old = ReadBefore(structure=structure, revision=0, saved={}, letter=None)
    second = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), first.revision, read=old)
    saved = given_of(second, structure)
    assert set(page_of(answers, PAGE_2)) <= set(saved)
    # Read at the current revision, with the same answers: reused, and the same rows result.
    current = ReadBefore(structure=structure, revision=second.revision, saved=saved, letter=None)
    third = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), second.revision, read=current)
    assert given_of(third, structure) == saved


def test_submission_checks_every_page_then_freezes_the_response(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    response = _save(poitiers, invitation, 2, page_of(answers, PAGE_2), 0)
    with pytest.raises(ResponseErrors) as caught:
        response_submit(
            actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
        )
    assert list(caught.value.error_dict) == ["pilotage"]
    response = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), response.revision)
    response, now = response_submit(
        actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
    )
    assert now and response.submitted_at is not None
    with pytest.raises(ValidationError, match="envoyées le"):
        _save(poitiers, invitation, 1, page_of(answers, PAGE_1), response.revision)
    assert AuditEvent.objects.filter(verb="survey.response.submit").count() == 1


def test_submitting_twice_records_one_response(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    response = _answer_all(poitiers, invitation)
    actor = scope_for(poitiers.rupn)
    first, done = response_submit(actor=actor, invitation=invitation, revision=response.revision)
    again, done_again = response_submit(
        actor=actor, invitation=invitation, revision=response.revision
    )
    assert done and not done_again
    assert again.submitted_at == first.submitted_at and again.revision == first.revision
    assert SurveyResponse.objects.count() == 1
    assert AuditEvent.objects.filter(verb="survey.response.submit").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="verrous de lignes : PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_record_one_submission(poitiers, bordeaux):
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    response = _answer_all(poitiers, invitation)
    actor = scope_for(poitiers.rupn)
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        from django.db import connections
        from django_scopes import scopes_disabled

        barrier.wait()
        try:
            with scopes_disabled():
                results.append(
                    response_submit(actor=actor, invitation=invitation, revision=response.revision)[
                        1
                    ]
                )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert AuditEvent.objects.filter(verb="survey.response.submit").count() == 1


def test_nothing_changes_before_opening_or_after_closing(worlds):
    poitiers, _ = worlds
    campaign = open_campaign(poitiers)
    invitation = invitation_of(campaign, poitiers.rupn)
    answers = page_of(every_kind_answers(), PAGE_1)
    later = campaign.closes_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="close depuis"):
        _save(poitiers, invitation, 1, answers, 0, now=later)
    earlier = campaign.opens_at - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="ouvre le"):
        _save(poitiers, invitation, 1, answers, 0, now=earlier)
    response = _save(poitiers, invitation, 1, answers, 0)
    with pytest.raises(ValidationError, match="close depuis"):
        response_submit(
            actor=scope_for(poitiers.rupn),
            invitation=invitation,
            revision=response.revision,
            now=later,
        )
    assert SurveyResponse.objects.get().submitted_at is None


def test_only_the_invited_person_reaches_and_answers_the_invitation(worlds):
    poitiers, bordeaux = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    for membership in (
        bordeaux.rupn,
        poitiers.principal,
        poitiers.dane_admin,
        poitiers.coordinator,
    ):
        with pytest.raises(Http404):
            get_invitation_for(scope_for(membership), invitation.pk)
        with pytest.raises(PermissionDenied):
            response_save_page(
                actor=scope_for(membership),
                invitation=invitation,
                page_number=1,
                given=page_of(every_kind_answers(), PAGE_1),
                revision=0,
            )
    assert not SurveyResponse.objects.exists()
    assert get_invitation_for(scope_for(poitiers.rupn), invitation.pk) == invitation


def test_the_home_lists_opened_campaigns_of_the_roles_audience(worlds):
    poitiers, _ = worlds
    bilan = open_campaign(poitiers)
    principals = open_campaign(
        poitiers,
        audience="principals",
        opens_at=timezone.now() + datetime.timedelta(days=2),
        closes_at=timezone.now() + datetime.timedelta(days=20),
    )
    lines = invitation_lines(scope_for(poitiers.rupn))
    assert [(line.campaign, line.state_label) for line in lines] == [(bilan, "À remplir")]
    assert invitation_lines(scope_for(poitiers.principal)) == []  # not opened yet
    assert principals.invitations.count() == 1


def test_a_referent_of_two_establishments_answers_once_for_each(worlds):
    from accounts.models import Role
    from accounts.services import membership_grant
    from establishments.models import SchoolYear
    from tenancy.scope import Scope

    poitiers, _ = worlds
    second = membership_grant(
        academie=poitiers.academie,
        user=poitiers.rupn.user,
        role=Role.RUPN,
        actor=Scope.platform(poitiers.academie.pk),
        establishments=[poitiers.other_establishment],
        school_year=SchoolYear.objects.current(),
    )
    campaign = open_campaign(poitiers)
    invitations = list(campaign.invitations.filter(user=poitiers.rupn.user))
    assert {i.establishment for i in invitations} == {
        poitiers.establishment,
        poitiers.other_establishment,
    }
    collège = next(i for i in invitations if i.establishment == poitiers.establishment)
    lycée = next(i for i in invitations if i.establishment != poitiers.establishment)
    answers = every_kind_answers()
    _save(poitiers, collège, 1, page_of(answers, PAGE_1), 0)
    response_save_page(
        actor=scope_for(second),
        invitation=lycée,
        page_number=1,
        given=page_of(answers, PAGE_1),
        revision=0,
    )
    assert SurveyResponse.objects.count() == 2
    # Each role reaches the invitation of its own establishment only.
    with pytest.raises(Http404):
        get_invitation_for(scope_for(poitiers.rupn), lycée.pk)
    assert get_invitation_for(scope_for(second), lycée.pk) == lycée


def test_without_a_letter_in_force_task_answers_are_not_kept(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers), poitiers.rupn)
    answers = every_kind_answers()
    answers["taches"] = Given(tasks={"inventee": TaskAnswer(status="faite")})
    response = _save(poitiers, invitation, 1, page_of(answers, PAGE_1), 0)
    assert not Answer.objects.filter(response=response, question__key="taches").exists()


CROSS_PAGE = {
    "title": "Bilan",
    "pages": [
        {
            "title": "Pilotage",
            "questions": [{"key": "pilotage", "kind": "yes_no", "label": "Pilotage ?"}],
        },
        {
            "title": "Suite",
            "questions": [
                {
                    "key": "charte",
                    "kind": "yes_no",
                    "label": "Charte actualisée ?",
                    "required": True,
                    "shown_if": {"question": "pilotage", "options": ["oui"]},
                }
            ],
        },
    ],
}


def test_changing_an_earlier_answer_drops_the_answers_it_now_hides(worlds):
    poitiers, _ = worlds
    invitation = invitation_of(open_campaign(poitiers, CROSS_PAGE), poitiers.rupn)
    response = _save(poitiers, invitation, 1, {"pilotage": Given(options=("oui",))}, 0)
    response = _save(poitiers, invitation, 2, {"charte": Given(options=("oui",))}, 1)
    assert Answer.objects.filter(question__key="charte").exists()
    response = _save(poitiers, invitation, 1, {"pilotage": Given(options=("non",))}, 2)
    assert not Answer.objects.filter(question__key="charte").exists()
    # Hidden, the required follow-up does not stop the submission.
    response, done = response_submit(
        actor=scope_for(poitiers.rupn), invitation=invitation, revision=response.revision
    )
    assert done


def test_a_principal_answers_the_principals_survey_a_deputy_is_not_invited(worlds):
    poitiers, _ = worlds
    campaign = open_campaign(poitiers, CROSS_PAGE, audience="principals")
    invitation = invitation_of(campaign, poitiers.principal)
    actor = scope_for(poitiers.principal)
    response = response_save_page(
        actor=actor,
        invitation=invitation,
        page_number=1,
        given={"pilotage": Given(options=("oui",))},
        revision=0,
    )
    with pytest.raises(ResponseErrors):
        response_submit(actor=actor, invitation=invitation, revision=response.revision)
    response = response_save_page(
        actor=actor,
        invitation=invitation,
        page_number=2,
        given={"charte": Given(options=("non",))},
        revision=response.revision,
    )
    assert response_submit(actor=actor, invitation=invitation, revision=response.revision)[1]
    # The deputy is not invited and does not reach the principal's invitation.
    assert invitation_lines(scope_for(poitiers.deputy)) == []
    with pytest.raises(Http404):
        get_invitation_for(scope_for(poitiers.deputy), invitation.pk)
