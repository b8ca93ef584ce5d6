"""Who still has to act: each list holds exactly what waits, each reminder goes to exactly the
people who must act, nobody twice within the period, never outside the acting scope."""

from __future__ import annotations

import datetime
import smtplib
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.scopes import scope_for
from accounts.tasks import MailAttempts, TemporaryMailError
from audit.models import AuditEvent
from dashboards.models import Reminder, ReminderJob, ReminderKind
from dashboards.selectors_to_act import (
    ToActFilters,
    recipients_of,
    things_to_act,
    to_act_counts,
)
from dashboards.services_reminders import NOTHING_LEFT, reminder_job_create
from dashboards.tasks import _send_to_person, send_reminders
from establishments.models import SchoolYear
from indemnities.models import Allocation
from missions.models import Letter, LetterStatus
from surveys.models import Audience, SurveyInvitation, SurveyResponse
from surveys.services import survey_publish
from surveys.services_campaigns import campaign_create
from tests.conftest import client_acting_as
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school
from tests.surveys.definitions import make_survey

pytestmark = pytest.mark.django_db


@dataclass
class ToActWorld:
    world: AcademieWorld
    lycee: AcademieWorld  # the same académie seen from its lycée, which has its own principal
    letters: dict[LetterStatus, Letter]
    issued: Letter
    bilans: dict[int, SurveyInvitation]  # referent's user id → invitation
    principals_survey: list[SurveyInvitation]

    @property
    def admin(self) -> Any:
        return scope_for(self.world.dane_admin)

    def filters(self, **kwargs: Any) -> ToActFilters:
        return ToActFilters(school_year=SchoolYear.objects.current(), **kwargs)


def _open_campaign(world: AcademieWorld, audience: str) -> list[SurveyInvitation]:
    actor = scope_for(world.dane_admin)
    survey = survey_publish(survey=make_survey(world, audience=audience), actor=actor)
    now = timezone.now()
    campaign = campaign_create(
        actor=actor,
        survey=survey,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    return list(SurveyInvitation.objects.filter(campaign=campaign).order_by("pk"))


def build(world: AcademieWorld) -> ToActWorld:
    """In the collège: a letter in each state before the issue and an issued one whose service
    is not certified; the lycée (last département) has a principal but no referent; the
    bilan and the principals' survey are open, one bilan already submitted."""
    publish_template(world, visa=True)  # letters await the DAN's visa
    lycee = other_school(world)
    issued = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    letters = {
        status: letter_for(world, f"{status.value}.{world.academie.slug}@test.fr", until=status)
        for status in (
            LetterStatus.DRAFT,
            LetterStatus.SENT,
            LetterStatus.REFERENT_SIGNED,
            LetterStatus.AWAITING_VISA,
        )
    }
    bilans = {i.user_id: i for i in _open_campaign(world, Audience.RUPN)}
    principals = _open_campaign(world, Audience.PRINCIPALS)
    return ToActWorld(world, lycee, letters, issued, bilans, principals)


@pytest.fixture
def acting(worlds: tuple[AcademieWorld, AcademieWorld]) -> tuple[ToActWorld, ToActWorld]:
    poitiers, bordeaux = worlds
    return build(poitiers), build(bordeaux)


def _people(t: ToActWorld, kind: ReminderKind) -> dict[int, set[str]]:
    things = list(things_to_act(t.admin, kind, t.filters()))
    return {
        pk: {r.email for r in people} for pk, people in recipients_of(t.admin, kind, things).items()
    }


def test_each_list_names_exactly_the_people_who_must_act(acting) -> None:
    t, _ = acting
    w = t.world
    principal, deputy = w.principal.user.email, w.deputy.user.email
    letters = t.letters
    assert _people(t, ReminderKind.NO_REFERENT) == {
        w.other_establishment.pk: {t.lycee.principal.user.email}
    }
    assert _people(t, ReminderKind.DRAFT) == {letters[LetterStatus.DRAFT].pk: {principal, deputy}}
    sent = letters[LetterStatus.SENT]
    assert _people(t, ReminderKind.REFERENT_SIGNATURE) == {sent.pk: {sent.referent.user.email}}
    assert _people(t, ReminderKind.PRINCIPAL_SIGNATURE) == {
        letters[LetterStatus.REFERENT_SIGNED].pk: {principal}  # the deputy does not sign
    }
    assert _people(t, ReminderKind.VISA) == {
        letters[LetterStatus.AWAITING_VISA].pk: {w.dane_admin.user.email}
    }
    allocation = Allocation.objects.get(
        referent=t.issued.referent, school_year=t.issued.school_year
    )
    assert _people(t, ReminderKind.SERVICE_FAIT) == {allocation.pk: {principal, deputy}}
    bilans = _people(t, ReminderKind.BILAN)
    assert bilans == {i.pk: {i.user.email} for i in t.bilans.values()}
    assert len(bilans) == 5  # the year's five referents of the collège
    assert _people(t, ReminderKind.PRINCIPAL_SURVEY) == {
        i.pk: {i.user.email} for i in t.principals_survey
    }


def test_a_submitted_bilan_a_certified_service_and_a_referent_leave_their_lists(acting) -> None:
    t, _ = acting
    w = t.world
    invitation = t.bilans[w.rupn.user_id]
    SurveyResponse.objects.create(
        academie=w.academie,
        campaign=invitation.campaign,
        invitation=invitation,
        establishment=invitation.establishment,
        submitted_at=timezone.now(),
    )
    assert invitation.pk not in _people(t, ReminderKind.BILAN)
    from indemnities.services.certifications import service_certify

    allocation = Allocation.objects.get(
        referent=t.issued.referent, school_year=t.issued.school_year
    )
    service_certify(
        allocation=allocation,
        status="full",
        months_done=None,
        comment="",
        actor=scope_for(w.principal),
    )
    assert _people(t, ReminderKind.SERVICE_FAIT) == {}
    from tests.indemnities.allocations.conftest import add_referent

    add_referent(w.other_establishment, "rupn.du.lycee@test.fr")
    assert _people(t, ReminderKind.NO_REFERENT) == {}


def test_filters_by_departement_and_type(acting) -> None:
    t, _ = acting
    w = t.world
    collège_dep = w.establishment.departement_id
    lycee_dep = w.other_establishment.departement_id
    kind = ReminderKind.NO_REFERENT
    assert things_to_act(t.admin, kind, t.filters(departement_id=collège_dep)).count() == 0
    assert things_to_act(t.admin, kind, t.filters(departement_id=lycee_dep)).count() == 1
    assert things_to_act(t.admin, kind, t.filters(establishment_type="college")).count() == 0
    assert things_to_act(t.admin, kind, t.filters(establishment_type="lgt")).count() == 1
    drafts = ReminderKind.DRAFT
    assert things_to_act(t.admin, drafts, t.filters(departement_id=lycee_dep)).count() == 0


def test_a_bulk_reminder_emails_each_person_once_and_records_it(
    acting, django_capture_on_commit_callbacks
) -> None:
    t, _ = acting
    w = t.world
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = reminder_job_create(
            actor=t.admin,
            kind=ReminderKind.SERVICE_FAIT,
            filters=t.filters(),
            object_ids=None,
            period_days=7,
        )
    job.refresh_from_db()
    assert (job.total, job.done, job.sent, job.failed, job.skipped) == (2, 2, 2, 0, 0)
    assert job.finished_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [w.principal.user.email, w.deputy.user.email]
    )
    message = mail.outbox[0]
    assert "Relance" in message.subject and "service fait" in message.subject
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    link = "http://127.0.0.1:8000" + reverse(
        "indemnities:certifications",
        args=[w.establishment.pk, SchoolYear.objects.current().start_year],
    )
    assert link in message.body and link in html
    assert set(Reminder.objects.filter(job=job).values_list("membership_id", flat=True)) == {
        w.principal.pk,
        w.deputy.pk,
    }
    events = AuditEvent.objects.filter(verb="reminder.sent", academie=w.academie)
    assert {(e.target_type, e.target_id) for e in events} == {
        ("accounts.membership", w.principal.pk),
        ("accounts.membership", w.deputy.pk),
    }
    referent = t.issued.referent.user.formal_name
    assert all(f"service fait à certifier – {referent}" in e.summary for e in events)

    # The task run again (a retry, a second worker) emails nobody.
    mail.outbox.clear()
    assert send_reminders.apply(kwargs={"academie_id": w.academie.pk, "job_id": job.pk}).get() == {
        "sent": 0,
        "failed": 0,
        "delayed": 0,
    }
    assert mail.outbox == []


def _remind(t: ToActWorld, kind: ReminderKind, *, period: int = 7, **kwargs: Any) -> ReminderJob:
    job = reminder_job_create(
        actor=kwargs.pop("actor", t.admin),
        kind=kind,
        filters=t.filters(),
        object_ids=kwargs.pop("object_ids", None),
        period_days=period,
    )
    send_reminders.apply(kwargs={"academie_id": job.academie_id, "job_id": job.pk})
    job.refresh_from_db()
    return job


def test_nobody_is_reminded_twice_within_the_period(acting) -> None:
    t, _ = acting
    start = timezone.now()
    mail.outbox.clear()
    with mock.patch("django.utils.timezone.now", return_value=start):
        first = _remind(t, ReminderKind.DRAFT)
    assert (first.sent, first.skipped) == (2, 0)
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(days=6)):
        again = _remind(t, ReminderKind.DRAFT)
    assert (again.total, again.sent, again.skipped) == (0, 0, 2)
    assert again.finished_at is not None
    assert len(mail.outbox) == 2
    # Another list is another thing: the same principal is reminded of it.
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(days=6)):
        other = _remind(t, ReminderKind.PRINCIPAL_SIGNATURE)
    assert (other.sent, other.skipped) == (1, 0)
    # Past the period, they are reminded again; a longer period the DANE sets keeps them out.
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(days=8)):
        longer = _remind(t, ReminderKind.DRAFT, period=10)
        assert (longer.sent, longer.skipped) == (0, 2)
        later = _remind(t, ReminderKind.DRAFT)
    assert (later.sent, later.skipped) == (2, 0)
    assert len(mail.outbox) == 5


def test_a_reminder_about_to_be_sent_counts_until_the_period_ends(acting) -> None:
    t, _ = acting
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        pending = reminder_job_create(  # its task not run yet (no commit in this test)
            actor=t.admin,
            kind=ReminderKind.DRAFT,
            filters=t.filters(),
            object_ids=None,
            period_days=7,
        )
        assert _remind(t, ReminderKind.DRAFT).skipped == 2
    # A job whose task never ran does not keep people out for ever.
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(days=8)):
        assert _remind(t, ReminderKind.DRAFT).sent == 2
    assert pending.pk


def test_a_coordinator_reminds_inside_their_departements_only(acting) -> None:
    t, _ = acting
    w = t.world
    coordinator = scope_for(w.coordinator)  # the collège's département, not the lycée's
    assert not things_to_act(coordinator, ReminderKind.NO_REFERENT, t.filters()).exists()
    with pytest.raises(ValidationError, match="Aucune des lignes"):
        reminder_job_create(
            actor=coordinator,
            kind=ReminderKind.NO_REFERENT,
            filters=t.filters(),
            object_ids=[w.other_establishment.pk],
            period_days=7,
        )
    assert not ReminderJob.objects.exists()
    job = _remind(t, ReminderKind.DRAFT, actor=coordinator)
    assert job.sent == 2


def test_another_academie_sees_and_reminds_nothing(acting) -> None:
    t, other = acting
    mail.outbox.clear()
    for kind in ReminderKind:
        theirs = set(things_to_act(other.admin, kind, t.filters()).values_list("pk", flat=True))
        ours = set(things_to_act(t.admin, kind, t.filters()).values_list("pk", flat=True))
        assert ours and not theirs & ours, kind
        with pytest.raises(ValidationError) as error:
            reminder_job_create(
                actor=other.admin,
                kind=kind,
                filters=t.filters(),
                object_ids=sorted(ours),
                period_days=7,
            )
        assert error.value.messages == [NOTHING_LEFT]
    assert not ReminderJob.objects.exists() and mail.outbox == []


def test_a_temporary_mail_failure_is_retried_then_recorded(acting) -> None:
    t, _ = acting
    job = reminder_job_create(
        actor=t.admin,
        kind=ReminderKind.VISA,
        filters=t.filters(),
        object_ids=None,
        period_days=7,
    )
    task = mock.Mock(max_retries=6)
    user_id = t.world.dane_admin.user_id
    down = smtplib.SMTPServerDisconnected("serveur indisponible")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=down):
        task.request.retries = 0
        attempts = MailAttempts(task)
        assert _send_to_person(attempts, job, user_id) == "delayed"
        with pytest.raises(TemporaryMailError):
            attempts.raise_for_retry()
        row = Reminder.objects.get(job=job)
        assert row.sent_at is None and row.error == ""  # the retry claims it again
        task.request.retries = 6
        assert _send_to_person(MailAttempts(task), job, user_id) == "failed"
    row.refresh_from_db()
    job.refresh_from_db()
    assert "plusieurs essais" in row.error
    assert (job.done, job.failed, job.sent) == (1, 1, 0)
    # A failed reminder does not count as a reminder: the next job tries again.
    assert _remind(t, ReminderKind.VISA).sent == 1


# --- Pages --------------------------------------------------------------------------------------


def test_the_page_lists_counts_and_links(acting) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    response = client.get(reverse("dashboards:to_act"), {"liste": "brouillons"})
    assert response.status_code == 200
    html = response.content.decode()
    draft = t.letters[LetterStatus.DRAFT]
    assert reverse("missions:letter", args=[draft.pk]) in html
    assert reverse("dashboards:establishment", args=[draft.establishment_id]) in html
    assert "<caption>Lettres non envoyées" in html
    assert "Relancer toute la liste (1)" in html
    assert t.world.deputy.user.formal_name in html
    bad = client.get(reverse("dashboards:to_act"), {"liste": "inconnue"})
    assert bad.status_code == 400


def test_sending_from_the_page_shows_the_progress(
    acting, django_capture_on_commit_callbacks
) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    sent = t.letters[LetterStatus.SENT]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboards:reminders_send"),
            {
                "liste": "signature-referent",
                "annee": SchoolYear.objects.current().start_year,
                "lignes": [sent.pk],
                "delai": "7",
            },
        )
    job = ReminderJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:reminder_job", args=[job.pk])
    progress = client.get(response["Location"], {"format": "json"}).json()
    # The sentence the page's script shows, written by the page's own template.
    status = progress.pop("status_html")
    assert "1 / 1 personne relancée" in status and "Relance terminée." in status
    assert (progress.pop("bar_value"), progress.pop("bar_max")) == (100, 100)
    assert progress == {
        "total": 1,
        "done": 1,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "percent": 100,
        "finished": True,
    }
    page = client.get(response["Location"]).content.decode()
    assert "1 personne relancée par courriel" in page
    assert Reminder.objects.get().user_id == sent.referent.user_id


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"delai": "7"}, "Cochez au moins une ligne"),
        ({"toutes": "1", "delai": "0"}, "d’au moins 1 jour"),
        ({"toutes": "1", "delai": "sept"}, "nombre entier de jours"),
    ],
)
def test_bad_input_says_why_and_changes_nothing(acting, post, message) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    response = client.post(
        reverse("dashboards:reminders_send"), {"liste": "brouillons", **post}, follow=True
    )
    assert message in response.content.decode()
    assert not ReminderJob.objects.exists()


def test_a_running_job_is_found_again_after_a_reload(acting) -> None:
    t, _ = acting
    job = reminder_job_create(  # no commit in this test: its task never runs
        actor=t.admin,
        kind=ReminderKind.DRAFT,
        filters=t.filters(),
        object_ids=None,
        period_days=7,
    )
    html = client_acting_as(t.world.dane_admin).get(reverse("dashboards:to_act")).content.decode()
    assert "Relance en cours" in html
    assert reverse("dashboards:reminder_job", args=[job.pk]) in html
    assert 'id="reminder-progress"' in html and "0 / 2 personnes relancées" in html


def _query_count(t: ToActWorld, liste: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_acting_as(t.world.dane_admin)
    url = reverse("dashboards:to_act")
    client.get(url, {"liste": liste})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"liste": liste}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("liste", ["sans-referent", "brouillons", "bilans", "visa"])
def test_query_count_does_not_grow_with_the_rows(acting, liste) -> None:
    t, _ = acting
    w = t.world
    small = _query_count(t, liste)
    from tests.factories import make_establishment

    for n in range(4):
        letter_for(w, f"plus.{n}@test.fr", until=LetterStatus.DRAFT)
        letter_for(w, f"visa.{n}@test.fr", until=LetterStatus.AWAITING_VISA)
        make_establishment(academie=w.academie, departement=w.establishment.departement)
    _open_more_invitations(t)
    assert _query_count(t, liste) == small


def _counts_in_one_query(t: ToActWorld, scope: Any, filters: ToActFilters) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        counts = to_act_counts(scope, filters, ReminderKind.DRAFT)
    assert len(queries) == 1
    return {c.kind.value: c.count for c in counts}


def test_every_count_in_one_query_is_each_lists_own_at_two_sizes(acting) -> None:
    t, _ = acting
    w = t.world
    from tests.factories import make_establishment

    for size in ("small", "larger"):
        for scope, filters in (
            (t.admin, t.filters()),
            (scope_for(w.coordinator), t.filters()),
            (t.admin, t.filters(departement_id=w.establishment.departement_id)),
            (t.admin, t.filters(establishment_type="lycee")),
        ):
            expected = {
                kind.value: things_to_act(scope, kind, filters).count() for kind in ReminderKind
            }
            assert _counts_in_one_query(t, scope, filters) == expected, (size, filters)
        whole = _counts_in_one_query(t, t.admin, t.filters())
        assert all(whole[kind] for kind in ("sans-referent", "brouillons", "bilans")), size
        for n in range(3):
            letter_for(w, f"taille.{size}.{n}@test.fr", until=LetterStatus.SENT)
            make_establishment(academie=w.academie, departement=w.establishment.departement)
        _open_more_invitations(t)
    # A coordinator's counts never include another département's rows.
    coordinator = _counts_in_one_query(t, scope_for(w.coordinator), t.filters())
    assert (
        coordinator[ReminderKind.NO_REFERENT.value]
        == things_to_act(
            t.admin,
            ReminderKind.NO_REFERENT,
            t.filters(departement_id=w.establishment.departement_id),
        ).count()
    )


def _open_more_invitations(t: ToActWorld) -> None:
    from surveys.services_campaigns import invitations_sync

    campaign = next(iter(t.bilans.values())).campaign
    invitations_sync(campaign=campaign)
    assert SurveyInvitation.objects.filter(campaign=campaign).count() > len(t.bilans)


def test_home_pages_link_to_the_page(acting) -> None:
    t, _ = acting
    for membership in (t.world.dane_admin, t.world.coordinator):
        html = client_acting_as(membership).get(reverse("home")).content.decode()
        assert reverse("dashboards:to_act") in html
    assert Membership.objects.exists()
