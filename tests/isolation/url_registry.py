"""What the tenant-isolation test must know about each URL of the project.

Every named URL of the URLconf is either excluded in `EXCLUDED` (with the reason) or described
by one entry of `REGISTRY`; the test fails on any URL found in neither, so a URL cannot be added
without saying who may use it and how to reach an object of the owner académie through it.

Adding a URL: add one `UrlSpec` under its namespaced name, with
- `roles`: the roles allowed to use it (in their own académie and scope);
- `kwargs`: for each URL keyword argument, a function returning the value that designates an
  object of the owner académie (`ctx.a`, Poitiers) — build the object here if the worlds lack it;
- `post`: a plausible POST body (what the page's form would send), when the URL takes POST;
- optionally `query` (a GET form as submitted), `get=False` for POST-only views,
  `out_of_scope` (objects of A that an allowed role may still not reach), `cross_tenant` and
  `may_create` (see `UrlSpec`). A new app whose pages list things adds a builder of A's objects
  to `OWNER_DATA`, so that a page leaking them would show them.

The test then signs in as the same role of the other académie (`ctx.b`, Bordeaux), as every
role not allowed and as a visitor, and checks 404/403 (or, for pages without an object of A,
that nothing of A is shown), and that the database did not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Invitation, Membership, Role
from accounts.scopes import scope_for
from establishments.models import EstablishmentImport, PupilCountImport, SchoolYear
from tests.factories import AcademieWorld
from tests.isolation.urlconf import FoundUrl

ALL_ROLES = frozenset(Role)
DANE_ADMIN_ONLY = frozenset({Role.DANE_ADMIN})

ANNUAIRE_CSV = Path(__file__).resolve().parent.parent / "browser" / "data" / "annuaire_poitiers.csv"


# --- The owner académie's objects ---------------------------------------------------------------


@dataclass
class Ctx:
    """The two académies of a test, and the role being exercised (None: a visitor).

    `a` (Poitiers) owns the objects the URLs point at; `b` (Bordeaux) is the other tenant.
    Objects the worlds do not have are built on first use through `once` and kept for the test.
    """

    a: AcademieWorld
    b: AcademieWorld
    role: Role | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def member(self, role: Role | None = None) -> Membership:
        """Académie A's membership in `role` (default: the role exercised, else principal)."""
        return self.a.members[Role(role or self.role or Role.PRINCIPAL).value]


def a_import(ctx: Ctx) -> EstablishmentImport:
    """A previewed, not yet applied, annuaire import of académie A (through the service)."""

    def build() -> EstablishmentImport:
        from establishments.imports.apply import establishment_import_preview

        return establishment_import_preview(
            academie=ctx.a.academie,
            school_year=SchoolYear.objects.current(),
            filename="annuaire-poitiers-confidentiel.csv",
            content_bytes=ANNUAIRE_CSV.read_bytes(),
            actor=scope_for(ctx.a.dane_admin),
        )

    return ctx.once("a_import", build)


def a_pupil_counts_csv(ctx: Ctx) -> bytes:
    """A collèges' effectifs file of the current year naming académie A's establishments."""
    from tests.establishments.effectifs_csv import college_csv

    year = str(SchoolYear.objects.current().start_year)
    return college_csv(
        [
            (year, "POITIERS", ctx.a.establishment.uai, "Jean Moulin", 123),
            (year, "POITIERS", ctx.a.other_establishment.uai, "Victor Hugo", 1_234),
        ]
    )


def a_pupil_count_import(ctx: Ctx) -> PupilCountImport:
    """A previewed, not yet applied, pupil counts import of académie A (through the service)."""

    def build() -> PupilCountImport:
        from establishments.pupil_counts.apply import pupil_count_import_preview

        return pupil_count_import_preview(
            academie=ctx.a.academie,
            school_year=SchoolYear.objects.current(),
            filename="effectifs-poitiers-confidentiel.csv",
            content_bytes=a_pupil_counts_csv(ctx),
            actor=scope_for(ctx.a.dane_admin),
        )

    return ctx.once("a_pupil_count_import", build)


def a_invitation(ctx: Ctx) -> tuple[Invitation, str]:
    """A pending invitation of académie A and the clear token of its link."""

    def build() -> tuple[Invitation, str]:
        from accounts.services import invitation_create

        return invitation_create(
            academie=ctx.a.academie,
            email="invitee.poitiers@test.fr",
            first_name="Dominique",
            last_name="Secret-Poitiers",
            role=Role.PRINCIPAL,
            actor=scope_for(ctx.a.dane_admin),
            establishments=[ctx.a.establishment],
            base_url="http://testserver",
        )

    return ctx.once("a_invitation", build)


def current_start_year(ctx: Ctx) -> int:
    return SchoolYear.objects.current().start_year


def indemnity_rules(ctx: Ctx) -> None:
    """IMP rules of the current year in both académies (each its own table)."""

    def build() -> None:
        from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
        from indemnities.models import ImpRuleSet
        from indemnities.services.rules import rule_set_create_from_table

        year = SchoolYear.objects.current()
        for world, bands in ((ctx.a, POITIERS_BANDS), (ctx.b, BORDEAUX_BANDS)):
            if not ImpRuleSet.objects.filter(academie=world.academie, school_year=year).exists():
                rule_set_create_from_table(
                    academie=world.academie,
                    school_year=year,
                    bands=bands,
                    actor=scope_for(world.dane_admin),
                )

    return ctx.once("indemnity_rules", build)


def a_allocation(ctx: Ctx) -> Any:
    """The IMP of académie A's RUPN (a full rate), and one in B so that B's pages have rows."""

    def build() -> Any:
        from indemnities.models import Allocation
        from indemnities.services.allocations import allocation_set

        indemnity_rules(ctx)
        year = SchoolYear.objects.current()
        for world in (ctx.b, ctx.a):
            allocation_set(
                establishment=world.establishment,
                school_year=year,
                amounts={world.rupn: Decimal("1250.00")},
                actor=scope_for(world.principal),
            )
        return Allocation.objects.get(referent=ctx.a.rupn, school_year=year)

    return ctx.once("a_allocation", build)


def a_revocable_membership(ctx: Ctx) -> Membership:
    """A membership of académie A that its DANE admin may revoke: its RUPN's."""
    return ctx.a.rupn


def another_persons_membership(ctx: Ctx) -> Membership:
    """A membership of académie A held by someone else than the person acting."""
    return ctx.member(Role.RUPN if ctx.role != Role.RUPN else Role.PRINCIPAL)


# A browser always sends the CSRF token: a body is never empty, and views reading
# `request.POST or None` must see a bound form.
FORM_SUBMIT = {"csrfmiddlewaretoken": "jeton-de-test"}


def submit(ctx: Ctx) -> dict[str, Any]:
    """A form with no field but its button (confirmation pages)."""
    return dict(FORM_SUBMIT)


def annuaire_upload(ctx: Ctx) -> dict[str, Any]:
    # A fresh file object each time: the test client reads it to the end.
    return {
        **FORM_SUBMIT,
        "fichier": SimpleUploadedFile(
            "annuaire.csv", ANNUAIRE_CSV.read_bytes(), content_type="text/csv"
        ),
        "annee": SchoolYear.objects.current().start_year,
    }


def pupil_counts_upload(ctx: Ctx) -> dict[str, Any]:
    return {
        **FORM_SUBMIT,
        "fichier": SimpleUploadedFile(
            "effectifs.csv", a_pupil_counts_csv(ctx), content_type="text/csv"
        ),
        "annee": SchoolYear.objects.current().start_year,
    }


def invite_into_a(ctx: Ctx) -> dict[str, Any]:
    """An invitation form naming académie A's establishment and département."""
    return {
        **FORM_SUBMIT,
        "email": "nouvelle.personne@test.fr",
        "first_name": "Alex",
        "last_name": "Durand",
        "role": Role.PRINCIPAL.value,
        "establishments": [ctx.a.establishment.pk],
        "departements": [ctx.a.establishment.departement_id],
        "school_year": SchoolYear.objects.current().pk,
    }


def a_override(ctx: Ctx) -> Any:
    """A's establishment has a hand-set envelope, for the page that removes it."""

    def build() -> object:
        from indemnities.services.envelopes import envelope_override_set

        indemnity_rules(ctx)
        return envelope_override_set(
            establishment=ctx.a.establishment,
            school_year=SchoolYear.objects.current(),
            amount=Decimal("2500.00"),
            justification="Deux sites à couvrir cette année.",
            actor=scope_for(ctx.a.dane_admin),
        )

    return ctx.once("a_override", build)


def a_template(ctx: Ctx) -> Any:
    """A's mission-letter template of the year: version 1 published, version 2 a draft."""

    def build() -> object:
        from missions.demo import POITIERS
        from missions.services_templates import (
            template_create,
            template_new_version,
            template_publish,
        )

        admin = scope_for(ctx.a.dane_admin)
        published = template_create(
            academie=ctx.a.academie,
            school_year=SchoolYear.objects.current(),
            data=POITIERS,
            actor=admin,
        )
        template_publish(template=published, actor=admin)
        return template_new_version(template=published, actor=admin)

    return ctx.once("a_template", build)


def a_published_template(ctx: Ctx) -> Any:
    return a_template(ctx).based_on


def a_letters(ctx: Ctx) -> dict[str, Any]:
    """A's mission letters: its RUPN's, awaiting the DAN's visa and registering for the
    training; a colleague's in the same collège; one in the lycée (another département, its own
    principal). Built through the services as people would act."""

    def build() -> dict[str, Any]:
        from dataclasses import replace as replace_world

        from accounts.services import membership_grant
        from missions.models import LetterStatus
        from tenancy.scope import Scope
        from tests.factories import make_user
        from tests.indemnities.allocations.conftest import add_referent
        from tests.missions.letters import advance, draft_letter
        from tests.missions.list_builders import with_training

        a_published_template(ctx)
        world = ctx.a
        own = with_training(draft_letter(world, amount=None), world)
        own = advance(own, world, until=LetterStatus.AWAITING_VISA)
        colleague = add_referent(world.establishment, "collegue.poitiers@test.fr")
        colleagues = advance(
            draft_letter(world, referent=colleague, amount=None), world, until=LetterStatus.SENT
        )
        lycee_principal = membership_grant(
            academie=world.academie,
            user=make_user("principal.lycee.poitiers@test.fr"),
            role=Role.PRINCIPAL,
            actor=Scope.platform(world.academie.pk),
            establishments=[world.other_establishment],
        )
        lycee_world = replace_world(
            world, establishment=world.other_establishment, principal=lycee_principal
        )
        lycee_referent = add_referent(world.other_establishment, "rupn.lycee.poitiers@test.fr")
        lycee = advance(
            draft_letter(lycee_world, referent=lycee_referent, amount=None),
            lycee_world,
            until=LetterStatus.SENT,
        )
        return {"own": own, "colleague": colleagues, "lycee": lycee}

    return ctx.once("a_letters", build)


def a_visa_batch(ctx: Ctx) -> Any:
    """A visa batch of A's DANE admin over its letter awaiting the visa (not run)."""

    def build() -> object:
        from missions.models import VisaBatch

        letter = a_letters(ctx)["own"]
        return VisaBatch.objects.create(
            academie=ctx.a.academie,
            created_by=ctx.a.dane_admin.user,
            membership=ctx.a.dane_admin,
            letter_ids=[letter.pk],
            reauthenticated_with="mot de passe",
        )

    return ctx.once("a_visa_batch", build)


def _letter_out_of_scope(ctx: Ctx) -> Mapping[str, object] | None:
    """A referent never reaches a colleague's letter; the coordinator (first département) and
    the direction (the collège) never the lycée's."""
    if ctx.role == Role.DANE_ADMIN:
        return None
    letters = a_letters(ctx)
    return {"pk": (letters["colleague"] if ctx.role == Role.RUPN else letters["lycee"]).pk}


def a_letter(ctx: Ctx) -> Any:
    """A's RUPN's letter (awaiting the DAN's visa)."""
    return a_letters(ctx)["own"]


def a_issued_letter(ctx: Ctx) -> Any:
    def build() -> object:
        from missions.models import LetterStatus
        from tests.missions.letters import advance

        return advance(a_letter(ctx), ctx.a, until=LetterStatus.ISSUED)

    return ctx.once("a_issued_letter", build)


def pdf_check_upload(ctx: Ctx) -> dict[str, Any]:
    """The verification page's file form, with a PDF without a seal (« aucun sceau »)."""
    from tests.missions.seals import letter_pdf

    return {
        **FORM_SUBMIT,
        "fichier": SimpleUploadedFile(
            "lettre.pdf", letter_pdf(a_letter(ctx).reference), content_type="application/pdf"
        ),
    }


def a_letter_with_pdf(ctx: Ctx) -> Any:
    """A's issued letter with its signed PDF stored (as the task stores it)."""

    def build() -> object:
        from missions.tasks_pdf import stored_pdf

        letter = a_issued_letter(ctx)
        stored_pdf(letter)
        return letter

    return ctx.once("a_letter_with_pdf", build)


def a_pdf_jobs(ctx: Ctx) -> dict[str, Any]:
    """A's bulk PDF jobs, as rows (their tasks not run): a finished ZIP archive with its file,
    and a regeneration that failed (restartable)."""

    def build() -> dict[str, Any]:
        from django.core.files.base import ContentFile

        from missions.models import LetterPdfJob, PdfJobKind, PdfJobStatus

        # A's letter as the other builders leave it (issuing it would change public pages).
        letter = a_letters(ctx)["own"]
        common = {
            "academie": ctx.a.academie,
            "school_year": SchoolYear.objects.current(),
            "departement_ids": [ctx.a.establishment.departement_id],
            "letter_ids": [letter.pk],
            "total": 1,
            "done_count": 1,
            "created_by": ctx.a.dane_admin.user,
            "membership": ctx.a.dane_admin,
        }
        archive = LetterPdfJob(kind=PdfJobKind.ZIP, status=PdfJobStatus.DONE, **common)
        archive.zip_file.save("lettres-poitiers.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
        archive.zip_size = 22
        archive.save()
        failed = LetterPdfJob.objects.create(
            kind=PdfJobKind.REGENERATE,
            status=PdfJobStatus.FAILED,
            error="L’opération s’est interrompue : panne simulée",
            failures=[{"letter_id": letter.pk, "reference": letter.reference, "message": "x"}],
            failed_count=1,
            **common,
        )
        return {"zip": archive, "failed": failed}

    return ctx.once("a_pdf_jobs", build)


def a_synthesis_reports(ctx: Ctx) -> dict[str, Any]:
    """The synthesis reports of A of the DANE role exercised (a report is seen by the people of
    its perimeter only): one ready with its files, one failed (restartable). Their tasks are
    not run."""
    dane = (Role.DANE_ADMIN, Role.DANE_COORDINATOR)
    member = ctx.member(ctx.role if ctx.role in dane else Role.DANE_ADMIN)

    def build() -> dict[str, Any]:
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from dashboards.models import ReportStatus, SynthesisReport
        from dashboards.selectors_report import perimeter_of

        common = {
            "academie": ctx.a.academie,
            "school_year": SchoolYear.objects.current(),
            "perimeter": perimeter_of(scope_for(member)),
            "created_by": member.user,
            "membership": member,
            "created_at": timezone.now(),
        }
        ready = SynthesisReport(status=ReportStatus.DONE, progress=100, **common)
        ready.pdf_file.save("synthese-poitiers.pdf", ContentFile(b"%PDF-1.7 Poitiers"), save=False)
        ready.docx_file.save("synthese-poitiers.docx", ContentFile(b"PK Poitiers"), save=False)
        ready.pdf_size, ready.docx_size = 17, 11
        ready.save()
        failed = SynthesisReport.objects.create(
            status=ReportStatus.FAILED,
            error="La préparation s’est interrompue : panne simulée à Poitiers",
            finished_at=timezone.now(),
            **common,
        )
        return {"ready": ready, "failed": failed}

    return ctx.once(f"a_synthesis_reports_{member.pk}", build)


def _other_roles_report(ctx: Ctx, which: str) -> Any:
    """The report of the other DANE role of A: another perimeter, out of reach."""
    from dataclasses import replace

    other = Role.DANE_COORDINATOR if ctx.role == Role.DANE_ADMIN else Role.DANE_ADMIN
    return a_synthesis_reports(replace(ctx, role=other))[which]


def _someone_elses_synthesis_report(ctx: Ctx) -> Mapping[str, object] | None:
    return {"pk": _other_roles_report(ctx, "ready").pk}


def _someone_elses_failed_report(ctx: Ctx) -> Mapping[str, object] | None:
    return {"pk": _other_roles_report(ctx, "failed").pk}


def _someone_elses_report_file(ctx: Ctx) -> Mapping[str, object] | None:
    return {"pk": _other_roles_report(ctx, "ready").pk, "extension": "pdf"}


def pdf_job_form(ctx: Ctx) -> dict[str, Any]:
    """The bulk PDF form as sent for A's collège's département, which has an issued letter."""
    a_issued_letter(ctx)
    return {
        **FORM_SUBMIT,
        "annee": current_start_year(ctx),
        "departements": [ctx.a.establishment.departement_id],
        "action": "zip",
    }


def template_edit_form(ctx: Ctx) -> dict[str, Any]:
    """The editor's form as sent for A's draft, with a changed title and one more task."""
    from dataclasses import replace

    from missions.services_templates import TaskData, template_data_of
    from tests.missions.editor_form import editor_post

    data = template_data_of(a_template(ctx))
    sections = list(data.sections)
    sections[0] = replace(sections[0], tasks=[*sections[0].tasks, TaskData("Tâche ajoutée")])
    return {
        **FORM_SUBMIT,
        **editor_post(replace(data, title="Trame modifiée par un autre", sections=sections)),
    }


def a_draft_letter(ctx: Ctx) -> Any:
    """A's draft mission letter of the year for its referent, made by the principal."""

    def build() -> object:
        from missions.services_letters import letter_create
        from tests.indemnities.allocations.conftest import add_referent

        a_letters(ctx)  # the referent's own letter is there: this draft is a colleague's
        referent = add_referent(ctx.a.establishment, "brouillon.poitiers@test.fr")
        return letter_create(
            establishment=ctx.a.establishment,
            school_year=SchoolYear.objects.current(),
            referent=referent,
            actor=scope_for(ctx.a.principal),
        )

    return ctx.once("a_draft_letter", build)


def a_referent_for(ctx: Ctx, *, year_offset: int) -> Membership:
    """A referent of A's establishment for the role exercised: of last year
    (`year_offset=-1`, someone the direction may designate again) or of this year."""
    role = (ctx.role or Role.PRINCIPAL).value

    def build() -> Membership:
        from accounts.services import membership_grant
        from tenancy.scope import Scope
        from tests.factories import make_user

        current = SchoolYear.objects.current()
        year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year + year_offset)
        return membership_grant(
            academie=ctx.a.academie,
            user=make_user(f"referent.{role}.{year.start_year}@ac-poitiers.fr"),
            role=Role.RUPN,
            actor=Scope.platform(ctx.a.academie.pk),
            establishments=[ctx.a.establishment],
            school_year=year,
        )

    return ctx.once(f"a_referent_{role}_{year_offset}", build)


def _letters_out_of_scope(ctx: Ctx) -> dict[str, object]:
    return {"establishment_pk": ctx.a.other_establishment.pk, "start_year": current_start_year(ctx)}


LETTERS_OF_A: dict[str, Resolver] = {
    "establishment_pk": lambda ctx: ctx.a.establishment.pk,
    "start_year": current_start_year,
}


def a_survey_campaign(ctx: Ctx) -> Any:
    """A's bilan with its open campaign, a submitted response of its referent (at A's first
    establishment) and one of another establishment (outside the coordinator's département);
    and A's published principals' survey without a campaign yet."""

    def build() -> object:
        from surveys.models import Audience
        from surveys.services import survey_publish
        from tests.surveys.definitions import make_survey
        from tests.surveys.responses import invite, open_campaign, respond

        # Last year's surveys: this year's are the answering pages' (`a_survey_invitations`).
        current = SchoolYear.objects.current()
        last_year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
        campaign = open_campaign(ctx.a, make_survey(ctx.a, school_year=last_year))
        own = invite(campaign, establishment=ctx.a.establishment)
        respond(own, {"pilotage": "oui", "projet": "Projet secret de Poitiers"})
        far = invite(campaign, establishment=ctx.a.other_establishment)
        respond(far, {"pilotage": "non", "projet": "Autre projet de Poitiers"})
        survey_publish(
            survey=make_survey(ctx.a, audience=Audience.PRINCIPALS, school_year=last_year),
            actor=scope_for(ctx.a.dane_admin),
        )
        return campaign

    return ctx.once("a_survey_campaign", build)


def a_survey_to_open(ctx: Ctx) -> Any:
    from surveys.models import Audience, Survey

    a_survey_campaign(ctx)
    return Survey.objects.get(
        academie=ctx.a.academie, audience=Audience.PRINCIPALS, campaign__isnull=True
    )


def _campaign_dates(ctx: Ctx) -> dict[str, Any]:
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    return {
        **FORM_SUBMIT,
        "ouverture": today.isoformat(),
        "cloture": (today + datetime.timedelta(days=20)).isoformat(),
        "relance": "5",
    }


DANE_RESULTS = frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR})


def a_survey(ctx: Ctx) -> Any:
    """A's draft bilan of next year, prepared ahead (two pages, every kind of question, a
    conditional one): this year's is answered (`a_survey_invitations`), last year's has the
    campaign with results (`a_survey_campaign`)."""

    def build() -> object:
        from tests.surveys.definitions import make_survey

        current = SchoolYear.objects.current()
        next_year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year + 1)
        return make_survey(ctx.a, school_year=next_year)

    return ctx.once("a_survey", build)


def a_survey_page(ctx: Ctx) -> Any:
    return a_survey(ctx).pages.get(position=2)


def a_survey_question(ctx: Ctx) -> Any:
    from surveys.models import Question

    return Question.objects.get(survey=a_survey(ctx), key="information")


def survey_question_form(ctx: Ctx) -> dict[str, Any]:
    """The question editor's form for A's question, with a changed label and one more choice."""
    from dataclasses import replace

    from surveys.services_authoring import OptionData, question_data_of
    from tests.surveys.builder import question_post

    data = question_data_of(a_survey_question(ctx))
    changed = replace(
        data, label="Question modifiée par un autre", options=[*data.options, OptionData("Pix")]
    )
    return {**FORM_SUBMIT, **question_post(changed)}


def survey_new_question_form(ctx: Ctx) -> dict[str, Any]:
    from surveys.services_authoring import QuestionData
    from tests.surveys.builder import question_post

    return {**FORM_SUBMIT, **question_post(QuestionData(kind="yes_no", label="Ajoutée ?"))}


# Objects of académie A built before the other académie's attempts, so that a page leaking them
# would show them. A new app adds its builder here.
OWNER_DATA: list[Callable[[Ctx], object]] = [
    a_import,
    a_pupil_count_import,
    a_invitation,
    a_allocation,
    a_override,
    a_template,
    a_letters,
    a_survey_campaign,
    a_survey,
    a_pdf_jobs,
    a_synthesis_reports,
]


# --- The registry -------------------------------------------------------------------------------

Resolver = Callable[[Ctx], object]
PostBody = Callable[[Ctx], dict[str, Any]]


@dataclass(frozen=True)
class UrlSpec:
    roles: frozenset[Role]
    kwargs: Mapping[str, Resolver] = field(default_factory=dict)
    post: PostBody | None = None
    # False when the view only takes POST: a GET then gets 405 whoever asks.
    get: bool = True
    # Query string of GET requests (a filter or export form as submitted).
    query: Callable[[Ctx], dict[str, Any]] | None = None
    # Anonymous visitors may use it (an invitation link).
    public: bool = False
    # The roles tried from the other académie (default: `roles`).
    cross_roles: frozenset[Role] | None = None
    # How the other académie's attempt must fail:
    #  "not_found": 404 (the URL designates an object of académie A);
    #  "scoped": the URL has no object of A, so the page works but shows nothing of A;
    #  "no_leak": any non-error answer that reveals nothing of A and changes nothing (tokens).
    cross_tenant: Literal["not_found", "scoped", "no_leak"] | None = None
    # Models in which the other académie's POST may create rows of ITS OWN académie (a scoped
    # form legitimately submitted, e.g. uploading a file that names A's schools).
    may_create: frozenset[str] = frozenset()
    # Objects of académie A a role may not reach although it is allowed on the URL (outside its
    # scope): role → kwargs. They must give 404 too.
    out_of_scope: Callable[[Ctx], Mapping[str, object] | None] | None = None
    note: str = ""

    @property
    def cross_tenant_mode(self) -> str:
        if self.cross_tenant:
            return self.cross_tenant
        return "not_found" if self.kwargs else "scoped"


def _detail_out_of_scope(ctx: Ctx) -> Mapping[str, object] | None:
    # Everyone but the DANE admin is scoped inside the académie: the coordinator to the first
    # département, direction and RUPN to `establishment`; `other_establishment` is outside.
    if ctx.role == Role.DANE_ADMIN:
        return None
    return {"pk": ctx.a.other_establishment.pk}


def _role_switch_out_of_scope(ctx: Ctx) -> Mapping[str, object] | None:
    return {"membership_pk": another_persons_membership(ctx).pk}


def a_reminder_job(ctx: Ctx) -> Any:
    """A finished bulk reminder of académie A, launched by the DANE role exercised (each person
    follows only their own)."""
    member = ctx.member(ctx.role if ctx.role in (Role.DANE_ADMIN, Role.DANE_COORDINATOR) else None)

    def build() -> object:
        from django.utils import timezone

        from dashboards.models import ReminderJob, ReminderKind

        return ReminderJob.objects.create(
            academie=ctx.a.academie,
            kind=ReminderKind.NO_REFERENT,
            school_year=SchoolYear.objects.current(),
            created_by=member.user,
            membership=member,
            created_at=timezone.now(),
            finished_at=timezone.now(),
        )

    return ctx.once(f"a_reminder_job_{member.pk}", build)


def _someone_elses_reminder_job(ctx: Ctx) -> Mapping[str, object] | None:
    """The job the other DANE role of A launched: a person follows only their own."""
    from dataclasses import replace

    other = Role.DANE_COORDINATOR if ctx.role == Role.DANE_ADMIN else Role.DANE_ADMIN
    return {"pk": a_reminder_job(replace(ctx, role=other)).pk}


def remind_a_lycee(ctx: Ctx) -> dict[str, Any]:
    """The bulk reminder form ticking A's lycée, which has no referent this year."""
    return {
        **FORM_SUBMIT,
        "liste": "sans-referent",
        "annee": current_start_year(ctx),
        "lignes": [ctx.a.other_establishment.pk],
        "delai": 7,
    }


REGISTRY: dict[str, UrlSpec] = {
    # --- Home and roles (accounts) ---
    "home": UrlSpec(roles=ALL_ROLES, note="Accueil du rôle : ne montre que son périmètre."),
    "accounts:roles": UrlSpec(roles=ALL_ROLES, note="Les rôles de la personne connectée."),
    "accounts:role_switch": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"membership_pk": lambda ctx: ctx.member().pk},
        get=False,
        post=submit,
        out_of_scope=_role_switch_out_of_scope,
        note="Choisir un rôle : seulement l’un des siens ; celui d’un autre → 404.",
    ),
    # --- Members and invitations (accounts) ---
    "accounts:members": UrlSpec(roles=DANE_ADMIN_ONLY),
    "accounts:member_invite": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        post=invite_into_a,
        note="L’autre académie envoie le formulaire avec un établissement de A : refusé.",
    ),
    "accounts:member_revoke": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_revocable_membership(ctx).pk},
        post=submit,
    ),
    "accounts:invitation_cancel": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_invitation(ctx)[0].pk},
        get=False,
        post=submit,
    ),
    "accounts:invitation_accept": UrlSpec(
        # No role as such: the invitee, known by the token. Anyone signed in with another
        # address (any role, either académie) must neither accept it nor learn what it offers.
        roles=frozenset(),
        cross_roles=ALL_ROLES,
        kwargs={"token": lambda ctx: a_invitation(ctx)[1]},
        post=lambda ctx: {
            **FORM_SUBMIT,
            "password1": "Un-mot-de-passe-solide-2025",
            "password2": "Un-mot-de-passe-solide-2025",
        },
        public=True,
        cross_tenant="no_leak",
    ),
    # --- Establishments ---
    "dashboards:establishment": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: ctx.a.establishment.pk},
        out_of_scope=_detail_out_of_scope,
        note="Fiche d’un établissement : personnes, IMP, effectifs ; hors périmètre → 404.",
    ),
    "dashboards:overview": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        query=lambda ctx: {"annee": current_start_year(ctx)},
        note="Tableau de bord de l’année : agrégats du périmètre du rôle (académie ou "
        "départements du coordonnateur) ; les départements proposés sont les siens.",
    ),
    "dashboards:national": UrlSpec(
        roles=frozenset(),
        note="Tableau de bord national : administrateur de la plateforme (is_staff, sans rôle) "
        "seulement ; tout rôle d’académie reçoit 403.",
    ),
    "dashboards:overview_export": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        # The file itself (CSV, readable): a leaking export would name A's figures' rows.
        query=lambda ctx: {
            "annee": current_start_year(ctx),
            "tableau": "couverture-departement",
            "format": "csv",
        },
        note="Un tableau du tableau de bord en CSV ou XLSX : le périmètre du rôle, comme la page.",
    ),
    "dashboards:national_export": UrlSpec(
        roles=frozenset(),
        query=lambda ctx: {"tableau": "couverture-academie", "format": "csv"},
        note="Un tableau du tableau de bord national : administrateur de la plateforme "
        "seulement ; tout rôle d’académie reçoit 403.",
    ),
    "establishments:list": UrlSpec(roles=ALL_ROLES),
    "establishments:import_upload": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        post=annuaire_upload,
        # Bordeaux uploading Poitiers' file gets a preview of its own (rows rejected), never
        # a change to Poitiers.
        may_create=frozenset({"establishments.establishmentimport", "audit.auditevent"}),
    ),
    "establishments:import_preview": UrlSpec(
        roles=DANE_ADMIN_ONLY, kwargs={"pk": lambda ctx: a_import(ctx).pk}
    ),
    "establishments:import_confirm": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_import(ctx).pk},
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "only_valid_rows": "on"},
    ),
    "establishments:import_cancel": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_import(ctx).pk},
        get=False,
        post=submit,
    ),
    # --- Pupil counts import (indemnities pages, establishments services) ---
    "indemnities:pupil_counts_upload": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        post=pupil_counts_upload,
        # Bordeaux uploading Poitiers' file gets a preview of its own (other académie's lines),
        # never a change to Poitiers.
        may_create=frozenset({"establishments.pupilcountimport", "audit.auditevent"}),
    ),
    "indemnities:pupil_counts_preview": UrlSpec(
        roles=DANE_ADMIN_ONLY, kwargs={"pk": lambda ctx: a_pupil_count_import(ctx).pk}
    ),
    "indemnities:pupil_counts_confirm": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_pupil_count_import(ctx).pk},
        get=False,
        post=submit,
    ),
    "indemnities:pupil_counts_cancel": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_pupil_count_import(ctx).pk},
        get=False,
        post=submit,
    ),
    # --- Mission-letter templates (missions) ---
    "missions:templates": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    "missions:template_preview": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_template(ctx).pk},
    ),
    "missions:template_edit": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_template(ctx).pk},
        post=template_edit_form,
    ),
    "missions:template_publish": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_template(ctx).pk},
        get=False,
        post=submit,
    ),
    "missions:template_new_version": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_published_template(ctx).pk},
        get=False,
        post=submit,
        note="Un brouillon existe déjà : refusé sans rien écrire.",
    ),
    "missions:template_copy": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        get=False,
        post=submit,
        note="Aucune trame publiée avant l’année : refusé sans rien écrire.",
    ),
    # --- Mission letters (missions) ---
    "missions:letter": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: a_letter(ctx).pk},
        out_of_scope=_letter_out_of_scope,
        note="La lettre : son référent, la direction de son établissement, la DANE de son "
        "périmètre.",
    ),
    "missions:letter_act": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: a_letter(ctx).pk},
        get=False,
        post=lambda ctx: {
            "transition": "request_changes",
            "status": "sent",
            "comment": "Ajoutez Pix.",
        },
        out_of_scope=_letter_out_of_scope,
        note="Le tableau des transitions dit qui fait quoi ; hors périmètre → 404.",
    ),
    "missions:letter_amend": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: a_issued_letter(ctx).pk},
        get=False,
        post=lambda ctx: {"reason": "Départ au 28 février."},
        out_of_scope=_letter_out_of_scope,
        note="Seule la direction de l’établissement prépare un avenant.",
    ),
    # --- Public verification of a letter, without an account (missions) ---
    "missions:verify": UrlSpec(
        roles=ALL_ROLES,
        public=True,
        post=pdf_check_upload,
        cross_tenant="no_leak",
        note="Page publique : une référence ou un fichier PDF à vérifier ; ne montre rien "
        "d’autre que ce que la lettre vérifiée imprime.",
    ),
    "missions:verify_reference": UrlSpec(
        roles=ALL_ROLES,
        public=True,
        # A letter of A not yet issued: « référence inconnue » for everyone, nothing of A.
        kwargs={"reference": lambda ctx: a_letter(ctx).reference},
        cross_tenant="no_leak",
        note="Page publique (code QR de la lettre) : une lettre non émise est « inconnue ».",
    ),
    "missions:letter_pdf": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: a_letter_with_pdf(ctx).pk},
        out_of_scope=_letter_out_of_scope,
        note="Le PDF signé : qui peut voir la lettre le télécharge ; les autres ont 404.",
    ),
    "missions:letter_pdf_resend": UrlSpec(
        roles=ALL_ROLES,
        kwargs={"pk": lambda ctx: a_letter_with_pdf(ctx).pk},
        get=False,
        post=lambda ctx: {},
        out_of_scope=_letter_out_of_scope,
        note="Seules la direction de l’établissement et l’administration DANE renvoient le "
        "PDF ; les autres rôles sont refusés sans rien écrire.",
    ),
    # --- Lists of mission letters, the DAN's visa of many letters, the training (missions) ---
    "missions:letters": UrlSpec(
        roles=ALL_ROLES,
        query=lambda ctx: {"annee": current_start_year(ctx)},
        note="Les lettres du périmètre ; un référent, les siennes seulement.",
    ),
    "missions:training": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        # The file itself, not only the page: a leaking export would name A's referents.
        query=lambda ctx: {"annee": current_start_year(ctx), "format": "csv"},
    ),
    "missions:visa_batch_create": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        get=False,
        post=lambda ctx: {
            **FORM_SUBMIT,
            "lettres": [a_letters(ctx)["own"].pk],
            "annee": current_start_year(ctx),
        },
        # Bordeaux's admin confirming their password would visa Bordeaux's own letters only.
        may_create=frozenset({"missions.visabatch", "audit.auditevent"}),
        note="Viser les lettres d’A depuis B : réauthentification, puis aucune lettre retenue.",
    ),
    "missions:visa_batch": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_visa_batch(ctx).pk},
        query=lambda ctx: {"format": "json"},
    ),
    # --- Bulk operations on the issued letters' PDFs (missions) ---
    "missions:pdf_jobs": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        query=lambda ctx: {"annee": current_start_year(ctx)},
        note="Les opérations et le nombre de lettres de l’académie du rôle seulement.",
    ),
    "missions:pdf_job_start": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        get=False,
        post=pdf_job_form,
        note="Un département de A envoyé depuis B n’est pas accepté : rien n’est lancé.",
    ),
    "missions:pdf_job_progress": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_pdf_jobs(ctx)["zip"].pk},
    ),
    "missions:pdf_job_restart": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_pdf_jobs(ctx)["failed"].pk},
        get=False,
        post=submit,
    ),
    "missions:pdf_job_zip": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_pdf_jobs(ctx)["zip"].pk},
        note="L’archive des PDF : l’administration DANE de l’académie seulement.",
    ),
    # --- The direction's letters of an establishment (missions) ---
    "missions:establishment_letters": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs=LETTERS_OF_A,
        out_of_scope=_letters_out_of_scope,
    ),
    "missions:referent_designate": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs=LETTERS_OF_A,
        get=False,
        post=lambda ctx: {
            **FORM_SUBMIT,
            "personne": a_referent_for(ctx, year_offset=-1).user_id,
        },
        out_of_scope=_letters_out_of_scope,
    ),
    "missions:referent_invite": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs=LETTERS_OF_A,
        get=False,
        post=lambda ctx: {
            **FORM_SUBMIT,
            "civilite": "mme",
            "nom": "Intruse",
            "prenom": "Alice",
            "discipline": "Lettres",
            "adresse": f"alice.{(ctx.role or Role.PRINCIPAL).value}@ac-poitiers.fr",
        },
        out_of_scope=_letters_out_of_scope,
    ),
    "missions:referent_remove": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs=LETTERS_OF_A,
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "referent": a_referent_for(ctx, year_offset=0).pk},
        out_of_scope=_letters_out_of_scope,
    ),
    "missions:letters_renew": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs=LETTERS_OF_A,
        get=False,
        post=submit,
        out_of_scope=_letters_out_of_scope,
    ),
    "missions:letter_edit": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs={"pk": lambda ctx: a_draft_letter(ctx).pk},
        post=lambda ctx: {
            **FORM_SUBMIT,
            "revision": str(
                type(a_draft_letter(ctx)).objects.get(pk=a_draft_letter(ctx).pk).revision
            ),
            "texte_3": f"Texte écrit en tant que {ctx.role}.",
            "action": "enregistrer",
        },
    ),
    # --- IMP rules and envelopes (indemnities) ---
    "indemnities:rules": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    "indemnities:rules_edit": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        # The year is national: each académie edits its own rules of that year.
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        # A preview writes nothing; a save by B would legitimately change B's own rules.
        post=submit,
    ),
    "indemnities:rules_edit_add_row": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        post=submit,
        note="Ajoute une ligne au formulaire : n’écrit rien.",
    ),
    "indemnities:rules_edit_preview": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        post=submit,
        note="Un aperçu n’écrit rien.",
    ),
    "indemnities:rules_edit_save": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        # An empty form is refused; a valid save by B would legitimately change B's own rules.
        post=submit,
    ),
    "indemnities:rules_copy": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        get=False,
        post=submit,
        note="Les règles de l’année existent déjà : refusé sans rien écrire.",
    ),
    "indemnities:rules_from_default": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"start_year": current_start_year},
        cross_tenant="scoped",
        get=False,
        post=submit,
        note="Les règles de l’année existent déjà : refusé sans rien écrire.",
    ),
    "indemnities:envelopes": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    "indemnities:envelope_override": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={
            "establishment_pk": lambda ctx: ctx.a.establishment.pk,
            "start_year": current_start_year,
        },
        post=lambda ctx: {
            **FORM_SUBMIT,
            "amount": "3750.00",
            "justification": "Effectif en forte hausse à la rentrée.",
        },
    ),
    "indemnities:envelope_override_clear": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={
            "establishment_pk": lambda ctx: ctx.a.establishment.pk,
            "start_year": current_start_year,
        },
        get=False,
        post=submit,
    ),
    # --- Allocations, service fait, export, budget (indemnities) ---
    "indemnities:allocations": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    "indemnities:allocation_edit": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY}),
        kwargs={
            "establishment_pk": lambda ctx: ctx.a.establishment.pk,
            "start_year": current_start_year,
        },
        post=lambda ctx: {**FORM_SUBMIT, f"montant_{ctx.a.rupn.pk}": "2500.00"},
        out_of_scope=lambda ctx: {
            "establishment_pk": ctx.a.other_establishment.pk,
            "start_year": current_start_year(ctx),
        },
    ),
    "indemnities:certifications": UrlSpec(
        roles=frozenset({Role.PRINCIPAL, Role.DEPUTY, Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        kwargs={
            "establishment_pk": lambda ctx: ctx.a.establishment.pk,
            "start_year": current_start_year,
        },
        post=lambda ctx: _certify(ctx),
        out_of_scope=lambda ctx: (
            None
            if ctx.role == Role.DANE_ADMIN
            else {
                "establishment_pk": ctx.a.other_establishment.pk,
                "start_year": current_start_year(ctx),
            }
        ),
    ),
    "indemnities:export": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        # The file itself, not only the form: a leaking export would name A's schools.
        query=lambda ctx: {"annee": current_start_year(ctx), "format": "csv"},
    ),
    "indemnities:budget": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    # --- Survey campaigns and results (surveys) ---
    "surveys:campaigns": UrlSpec(
        roles=DANE_RESULTS,
        note="Les campagnes de l’académie et leurs chiffres (du périmètre du rôle).",
    ),
    "surveys:campaign_create": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"survey_pk": lambda ctx: a_survey_to_open(ctx).pk},
        post=_campaign_dates,
        note="Ouvrir la campagne d’une enquête publiée d’A : 404 depuis B.",
    ),
    "surveys:campaign": UrlSpec(
        roles=DANE_RESULTS,
        kwargs={"pk": lambda ctx: a_survey_campaign(ctx).pk},
    ),
    "surveys:campaign_edit": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_campaign(ctx).pk},
        get=False,
        post=lambda ctx: {**_campaign_dates(ctx), "relance": "2"},
    ),
    "surveys:campaign_close": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_campaign(ctx).pk},
        get=False,
        post=submit,
    ),
    "surveys:results": UrlSpec(
        roles=DANE_RESULTS,
        kwargs={"pk": lambda ctx: a_survey_campaign(ctx).pk},
        query=lambda ctx: {"type": "college"},
        note="Les résultats : le coordonnateur n’y compte que ses départements "
        "(tests/surveys/test_results.py) ; principaux et référents n’y ont pas accès.",
    ),
    "surveys:results_export": UrlSpec(
        roles=DANE_RESULTS,
        kwargs={"pk": lambda ctx: a_survey_campaign(ctx).pk},
        # The file itself: a leaking export would name A's establishments and answers.
        query=lambda ctx: {"format": "csv", "tableau": "reponses"},
    ),
    # --- Survey builder (surveys) ---
    "surveys:builder_list": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        query=lambda ctx: {"annee": current_start_year(ctx)},
    ),
    "surveys:builder_create": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        get=False,
        post=lambda ctx: {
            **FORM_SUBMIT,
            "audience": "principals",
            "annee": current_start_year(ctx),
            "title": "Enquête des chefs d’établissement",
        },
        # The other académie's admin creates a survey of ITS OWN académie.
        may_create=frozenset({"surveys.survey", "surveys.surveypage", "audit.auditevent"}),
    ),
    "surveys:builder_copy": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "audience": "rupn", "annee": current_start_year(ctx)},
        note="Copie de la dernière enquête de SA propre académie ; aucune : refusé sans rien "
        "écrire.",
    ),
    "surveys:builder_survey": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey(ctx).pk},
        post=lambda ctx: {**FORM_SUBMIT, "title": "Titre changé", "introduction": ""},
    ),
    "surveys:builder_preview": UrlSpec(
        roles=DANE_ADMIN_ONLY, kwargs={"pk": lambda ctx: a_survey(ctx).pk}
    ),
    "surveys:builder_publish": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey(ctx).pk},
        get=False,
        post=submit,
    ),
    "surveys:builder_page_add": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey(ctx).pk},
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "nouvelle-page-title": "Page ajoutée"},
    ),
    "surveys:builder_page_edit": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_page(ctx).pk},
        post=lambda ctx: {**FORM_SUBMIT, "title": "Page renommée", "introduction": ""},
    ),
    "surveys:builder_page_move": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_page(ctx).pk},
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "sens": "haut"},
    ),
    "surveys:builder_page_delete": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_page(ctx).pk},
        post=submit,
    ),
    "surveys:builder_question_create": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_page(ctx).pk},
        query=lambda ctx: {"nature": "yes_no"},
        post=survey_new_question_form,
    ),
    "surveys:builder_question_edit": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_question(ctx).pk},
        post=survey_question_form,
    ),
    "surveys:builder_question_move": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_question(ctx).pk},
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "sens": "bas"},
    ),
    "surveys:builder_question_delete": UrlSpec(
        roles=DANE_ADMIN_ONLY,
        kwargs={"pk": lambda ctx: a_survey_question(ctx).pk},
        post=submit,
    ),
    # --- Who still has to act, and the bulk reminders (dashboards) ---
    "dashboards:to_act": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        query=lambda ctx: {"annee": current_start_year(ctx), "liste": "sans-referent"},
        note="Les listes du périmètre : un coordonnateur, ses départements seulement.",
    ),
    "dashboards:to_act_export": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        # Every row of the list, in CSV: a leaking file would name A's establishments.
        query=lambda ctx: {
            "annee": current_start_year(ctx),
            "liste": "sans-referent",
            "tableau": "liste",
            "format": "csv",
        },
        note="Les lignes d’une liste « qui doit agir » : celles du périmètre du rôle seulement.",
    ),
    "dashboards:reminders_send": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        get=False,
        post=remind_a_lycee,
        note="Relancer le lycée d’A depuis B : aucune ligne retenue, personne n’est relancé.",
    ),
    # --- The annual synthesis report (dashboards) ---
    "dashboards:reports": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        query=lambda ctx: {"annee": current_start_year(ctx)},
        note="Les synthèses du périmètre du rôle seulement (académie, ou départements du "
        "coordonnateur).",
    ),
    "dashboards:report_request": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        get=False,
        post=lambda ctx: {**FORM_SUBMIT, "annee": current_start_year(ctx)},
        may_create=frozenset({"dashboards.synthesisreport", "audit.auditevent"}),
        note="Depuis B : une synthèse de B, sur le périmètre de B, rien de A.",
    ),
    "dashboards:report_progress": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        kwargs={"pk": lambda ctx: a_synthesis_reports(ctx)["ready"].pk},
        out_of_scope=_someone_elses_synthesis_report,
    ),
    "dashboards:report_restart": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        kwargs={"pk": lambda ctx: a_synthesis_reports(ctx)["failed"].pk},
        get=False,
        post=submit,
        out_of_scope=_someone_elses_failed_report,
    ),
    "dashboards:report_download": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        kwargs={
            "pk": lambda ctx: a_synthesis_reports(ctx)["ready"].pk,
            "extension": lambda ctx: "pdf",
        },
        out_of_scope=_someone_elses_report_file,
        note="Le PDF d’une synthèse : les personnes de son périmètre seulement.",
    ),
    "dashboards:reminder_job": UrlSpec(
        roles=frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR}),
        kwargs={"pk": lambda ctx: a_reminder_job(ctx).pk},
        query=lambda ctx: {"format": "json"},
        out_of_scope=_someone_elses_reminder_job,
        note="Progression d’une relance : celle de la personne qui l’a lancée seulement.",
    ),
}


# --- Surveys: answering (the respondent's own invitation) ----------------------------------------


def a_survey_invitations(ctx: Ctx) -> dict[str, Any]:
    """Open campaigns of both académies' bilan and principals' survey; in A a colleague of the
    RUPN is invited too, and the RUPN has saved a first page."""

    def build() -> dict[str, Any]:
        from surveys.models import SurveyInvitation
        from surveys.services_responses import response_save_page
        from tests.indemnities.allocations.conftest import add_referent
        from tests.surveys.answering import PAGE_1, every_kind_answers, open_campaign, page_of

        colleague = add_referent(ctx.a.establishment, "collegue.enquete.poitiers@test.fr")
        found: dict[str, Any] = {}
        for world in (ctx.b, ctx.a):
            bilan = open_campaign(world)
            principals = open_campaign(world, audience="principals")
            found = {
                "rupn": SurveyInvitation.objects.get(campaign=bilan, user=world.rupn.user),
                "principal": SurveyInvitation.objects.get(
                    campaign=principals, user=world.principal.user
                ),
            }
        found["colleague"] = SurveyInvitation.objects.get(
            campaign=found["rupn"].campaign, user=colleague.user
        )
        response_save_page(
            actor=scope_for(ctx.a.rupn),
            invitation=found["rupn"],
            page_number=1,
            given=page_of(every_kind_answers(), PAGE_1),
            revision=0,
        )
        return found

    return ctx.once("a_survey_invitations", build)


def a_survey_invitation(ctx: Ctx) -> Any:
    """A's invitation of the role exercised (a principal's for roles not invited)."""
    invitations = a_survey_invitations(ctx)
    return invitations["rupn" if ctx.role == Role.RUPN else "principal"]


def _survey_invitation_out_of_scope(ctx: Ctx) -> Mapping[str, object] | None:
    """A referent never reaches a colleague's response, a principal never a referent's."""
    invitations = a_survey_invitations(ctx)
    return {"pk": invitations["colleague" if ctx.role == Role.RUPN else "rupn"].pk}


def survey_page_form(ctx: Ctx) -> dict[str, Any]:
    return {**FORM_SUBMIT, "revision": 1, "q-pilotage": "non", "q-information": "courriel"}


RESPONDENTS = frozenset({Role.RUPN, Role.PRINCIPAL})
_ANSWER = {"pk": lambda ctx: a_survey_invitation(ctx).pk}
REGISTRY.update(
    {
        "surveys:answer": UrlSpec(
            roles=RESPONDENTS,
            kwargs=_ANSWER,
            out_of_scope=_survey_invitation_out_of_scope,
            note="L’enquête à remplir : seulement la personne invitée, pour son établissement.",
        ),
        "surveys:answer_page": UrlSpec(
            roles=RESPONDENTS,
            kwargs={**_ANSWER, "number": lambda ctx: 1},
            post=survey_page_form,
            out_of_scope=lambda ctx: {
                **(_survey_invitation_out_of_scope(ctx) or {}),
                "number": 1,
            },
            note="Une page de questions : la réponse d’un autre n’est ni lue ni modifiée.",
        ),
        "surveys:answer_summary": UrlSpec(
            roles=RESPONDENTS,
            kwargs=_ANSWER,
            out_of_scope=_survey_invitation_out_of_scope,
        ),
        "surveys:answer_submit": UrlSpec(
            roles=RESPONDENTS,
            kwargs=_ANSWER,
            get=False,
            post=lambda ctx: {**FORM_SUBMIT, "revision": 1},
            out_of_scope=_survey_invitation_out_of_scope,
        ),
    }
)
OWNER_DATA.append(a_survey_invitations)


def _certify(ctx: Ctx) -> dict[str, Any]:
    """Certify the service of A's RUPN, as the form of the certification page sends it."""
    allocation = a_allocation(ctx)
    prefix = f"a{allocation.pk}"
    return {
        **FORM_SUBMIT,
        "allocation": allocation.pk,
        f"{prefix}-status": "full",
        f"{prefix}-months_done": "",
        f"{prefix}-comment": "",
    }


# --- Out of scope of the isolation test ---------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    what: str
    reason: str
    matches: Callable[[FoundUrl], bool]


EXCLUDED: tuple[Exclusion, ...] = (
    Exclusion(
        what="admin:*",
        reason="Administration Django : réservée au personnel de la plateforme (is_staff), "
        "toutes académies ; un membre d’académie est renvoyé vers la connexion de l’admin "
        "(test_admin_refuses_academie_members).",
        matches=lambda url: url.namespace == "admin" or url.namespace.startswith("admin:"),
    ),
    Exclusion(
        what="account_*",
        reason="Connexion, déconnexion, mot de passe (django-allauth) : pages de la personne "
        "elle-même, sans objet d’académie.",
        matches=lambda url: (
            url.name.startswith("account_") and url.view_module.startswith("allauth.")
        ),
    ),
    Exclusion(
        what="mfa_*",
        reason="Double authentification (django-allauth) : propre à la personne connectée.",
        matches=lambda url: url.name.startswith("mfa_") and url.view_module.startswith("allauth."),
    ),
    Exclusion(
        what="static",
        reason="Fichiers statiques : publics, sans donnée.",
        matches=lambda url: url.route.startswith(("static/", "^static/", "media/")),
    ),
    Exclusion(
        what="accessibility, legal",
        reason="Pages publiques (déclaration d’accessibilité, mentions légales).",
        matches=lambda url: url.name in {"accessibility", "legal"},
    ),
)


def exclusion_for(url: FoundUrl) -> Exclusion | None:
    return next((exclusion for exclusion in EXCLUDED if exclusion.matches(url)), None)
