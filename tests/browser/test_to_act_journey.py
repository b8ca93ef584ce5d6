"""Who still has to act: the DANE admin opens the page from the home page, picks the letters not
sent, filters them by département, ticks two, reminds their direction and watches the progress
bar reach the end; a reminder still running when the page is reloaded is found again and its
bar moves as the task goes. axe-core runs on every page visited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from dashboards.models import Reminder, ReminderJob, ReminderKind
from dashboards.tasks import send_reminders
from establishments.models import SchoolYear
from missions.models import LetterStatus
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in, table_rows
from tests.factories import AcademieWorld
from tests.missions.letters import publish_template
from tests.missions.list_builders import letter_for, other_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_filters_reminds_and_watches_the_progress(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    publish_template(poitiers)
    first = letter_for(
        poitiers, "ines.durand@test.fr", until=LetterStatus.DRAFT, last_name="Durand"
    )
    second = letter_for(poitiers, "paul.roux@test.fr", until=LetterStatus.DRAFT, last_name="Roux")
    lycee = other_school(poitiers)
    letter_for(lycee, "rupn.lycee@test.fr", until=LetterStatus.DRAFT, last_name="Lycée")
    departement = poitiers.establishment.departement
    mail.outbox.clear()

    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("link", name="Qui doit encore agir").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Qui doit encore agir")
    check_accessibility(page, "qui doit encore agir")

    page.get_by_role("link", name="Lettres non envoyées").click()
    expect(page.get_by_role("heading", level=2, name="Lettres non envoyées")).to_be_visible()
    rows = page.locator("#reminder-form table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Département").select_option(str(departement.pk))
    page.get_by_role("button", name="Filtrer").click()
    expect(rows).to_have_count(2)
    check_accessibility(page, "lettres non envoyées filtrées par département")

    for letter in (first, second):
        box = page.locator(f"#ligne-{letter.pk}")
        page.locator(f"label[for='ligne-{letter.pk}']").click()  # the DSFR draws the box on it
        expect(box).to_be_checked()
    page.get_by_label("Ne pas relancer une personne déjà relancée").fill("10")
    page.get_by_role("button", name="Relancer les lignes cochées").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Relance – Lettres non envoyées")
    expect(page.locator("#reminder-count")).to_have_text("2 / 2 personnes relancées")
    expect(page.locator("#reminder-progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("2 personnes relancées par courriel")).to_be_visible()
    check_accessibility(page, "progression de la relance")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([poitiers.principal.user.email, poitiers.deputy.user.email])
    assert all(first.reference in m.body and second.reference in m.body for m in mail.outbox)
    assert ReminderJob.objects.get().period_days == 10

    page.get_by_role("link", name="Retour à la liste « Lettres non envoyées »").click()
    expect(table_rows(page).first).to_be_visible()

    # A reminder still running (its task not yet taken by a worker): the page finds it again,
    # and its bar moves as the task runs.
    job = ReminderJob.objects.create(
        academie=poitiers.academie,
        kind=ReminderKind.REFERENT_SIGNATURE,
        school_year=SchoolYear.objects.current(),
        created_by=poitiers.dane_admin.user,
        membership=poitiers.dane_admin,
        total=1,
        created_at=timezone.now(),
    )
    Reminder.objects.create(
        academie=poitiers.academie,
        job=job,
        kind=ReminderKind.REFERENT_SIGNATURE,
        object_id=first.pk,
        establishment=poitiers.establishment,
        user=first.referent.user,
        membership=first.referent,
        email=first.referent.user.email,
        created_at=timezone.now(),
    )
    page.reload()
    expect(page.get_by_role("heading", name="Relance en cours")).to_be_visible()
    expect(page.locator("#reminder-count")).to_have_text("0 / 1 personne relancée")
    check_accessibility(page, "relance en cours sur la liste")
    send_reminders.apply(kwargs={"academie_id": poitiers.academie.pk, "job_id": job.pk})
    expect(page.locator("#reminder-progress")).to_have_attribute("value", "100")
    expect(page.locator("#reminder-state")).to_have_text("Relance terminée.")
    expect(page.locator("#reminder-count")).to_have_text("1 / 1 personne relancée")
    assert bordeaux.academie.pk != poitiers.academie.pk
