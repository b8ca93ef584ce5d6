"""Who still has to act: the lists of the DANE's follow-up, and the people each row waits for.

Each list reads its app through that app's scoped selector (`establishments_visible_to`,
`letters_visible_to`, `allocations_visible_to`) or, for the surveys, through the scope's own
establishment filter, so that a coordinator never sees nor reminds outside their
départements. A constant number of queries whatever the number of rows: one for the counts of
every list, one for the page's rows, one for the people who must act on them, one for the last
reminders.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership
from dashboards.models import Reminder, ReminderJob, ReminderKind
from establishments.access import establishments_visible_to
from establishments.models import Establishment, SchoolYear
from indemnities.access import allocations_visible_to
from indemnities.models import ServiceCertification
from missions.models import LetterStatus
from missions.selectors_letters import letters_visible_to
from rupn.formatting import format_date, format_euros
from rupn.links import url_with_query
from surveys.models import Audience, SurveyInvitation, SurveyResponse, SurveyStatus
from tenancy.roles import Role
from tenancy.scope import Scope

LETTER_STATUSES: dict[ReminderKind, tuple[LetterStatus, ...]] = {
    # A letter the referent sent back with changes asked is the direction's to send again.
    ReminderKind.DRAFT: (LetterStatus.DRAFT, LetterStatus.CHANGES_REQUESTED),
    ReminderKind.REFERENT_SIGNATURE: (LetterStatus.SENT,),
    ReminderKind.PRINCIPAL_SIGNATURE: (LetterStatus.REFERENT_SIGNED,),
    ReminderKind.VISA: (LetterStatus.AWAITING_VISA,),
}
SURVEY_AUDIENCES = {
    ReminderKind.BILAN: Audience.RUPN,
    ReminderKind.PRINCIPAL_SURVEY: Audience.PRINCIPALS,
}
DIRECTION = (Role.PRINCIPAL, Role.DEPUTY)

# Who must act, in words, for the page and the email.
WHO_ACTS: dict[ReminderKind, str] = {
    ReminderKind.NO_REFERENT: "la direction de l’établissement, qui désigne le référent",
    ReminderKind.DRAFT: "la direction de l’établissement, qui envoie la lettre au référent",
    ReminderKind.REFERENT_SIGNATURE: "le référent, qui signe sa lettre",
    ReminderKind.PRINCIPAL_SIGNATURE: "le chef d’établissement, qui signe la lettre",
    ReminderKind.VISA: "les administrateurs DANE, qui visent la lettre",
    ReminderKind.BILAN: "le référent, qui remplit et envoie son bilan",
    ReminderKind.PRINCIPAL_SURVEY: "le chef d’établissement, qui répond à l’enquête",
    ReminderKind.SERVICE_FAIT: "la direction de l’établissement, qui certifie le service fait",
}


@dataclass(frozen=True)
class ToActFilters:
    school_year: SchoolYear
    departement_id: int | None = None
    establishment_type: str = ""

    def query(self, **more: object) -> dict[str, object]:
        """The filters as the page's query string."""
        return {
            "annee": self.school_year.start_year,
            "departement": self.departement_id,
            "type": self.establishment_type,
            **more,
        }


def _narrowed(items: QuerySet[Any], filters: ToActFilters, via: str) -> QuerySet[Any]:
    prefix = f"{via}__" if via else ""
    if filters.departement_id:
        items = items.filter(**{f"{prefix}departement_id": filters.departement_id})
    if filters.establishment_type:
        items = items.filter(**{f"{prefix}type": filters.establishment_type})
    return items


def things_to_act(scope: Scope | None, kind: ReminderKind, filters: ToActFilters) -> QuerySet[Any]:
    """The things of list `kind` the scope reaches, for the filters' year and establishments,
    with what their rows show (establishment, département, people) joined."""
    year = filters.school_year
    if kind is ReminderKind.NO_REFERENT:
        if scope is None:
            return Establishment.objects.none()
        # The académie as a constant: the planner then hashes that académie's referents only,
        # not every referent of the country (the count took 37 ms on the national dataset,
        # 13 ms with it).
        referents = Membership.objects.active().filter(
            academie_id=scope.academie_id,
            role=Role.RUPN,
            school_year=year,
            establishments=OuterRef("pk"),
        )
        establishments = establishments_visible_to(scope).filter(~Exists(referents))
        return (
            _narrowed(establishments, filters, "")
            .select_related("departement")
            .order_by("departement__code", "name", "pk")
        )
    if kind in LETTER_STATUSES:
        letters = letters_visible_to(scope).filter(
            school_year=year, status__in=[s.value for s in LETTER_STATUSES[kind]]
        )
        return (
            _narrowed(letters, filters, "establishment")
            .select_related("establishment__departement", "referent__user", "school_year")
            .order_by("establishment__departement__code", "establishment__name", "pk")
        )
    if kind in SURVEY_AUDIENCES:
        if scope is None:
            return SurveyInvitation.objects.none()
        now = timezone.now()
        submitted = SurveyResponse.objects.filter(
            invitation=OuterRef("pk"), submitted_at__isnull=False
        )
        invitations = SurveyInvitation.objects.filter(
            scope.establishments_q("establishment"),
            campaign__survey__audience=SURVEY_AUDIENCES[kind],
            campaign__survey__status=SurveyStatus.PUBLISHED,
            campaign__survey__school_year=year,
            campaign__opens_at__lte=now,
            campaign__closes_at__gt=now,
        ).filter(~Exists(submitted))
        return (
            _narrowed(invitations, filters, "establishment")
            .select_related("establishment__departement", "user", "campaign__survey")
            .order_by("establishment__departement__code", "establishment__name", "pk")
        )
    if scope is None:
        return allocations_visible_to(scope)
    certified = ServiceCertification.objects.filter(
        academie_id=scope.academie_id,
        allocation=OuterRef("pk"),  # 11 ms → 1.7 ms, as above
    )
    allocations = allocations_visible_to(scope).filter(
        school_year=year, amount__gt=Decimal("0"), letter_issued_at__isnull=False
    )
    return (
        _narrowed(allocations.filter(~Exists(certified)), filters, "establishment")
        .select_related("establishment__departement", "referent__user", "school_year")
        .order_by("establishment__departement__code", "establishment__name", "pk")
    )


@dataclass(frozen=True)
class ListCount:
    kind: ReminderKind
    count: int
    url: str
    current: bool

    @property
    def label(self) -> str:
        return str(self.kind.label)


def _counts(querysets: Sequence[QuerySet[Any]]) -> list[int]:
    """The number of rows of each queryset, in one query: `SELECT (SELECT COUNT(*) …), …`.

    Each list's count is its own statement otherwise, and the page shows eight: one round
    trip, and one statement for the database to plan, instead of eight."""
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        try:
            sql, more = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a `.none()`: nothing to count
            parts.append("0")
            continue
        # Only the compiled statements of the querysets go into the text; values are parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) things)")  # noqa: S608
        params.extend(more)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return [int(n) for n in row]


def to_act_counts(
    scope: Scope | None, filters: ToActFilters, current: ReminderKind
) -> list[ListCount]:
    """Every list with its number of rows: one query for them all, whatever the data."""
    kinds = list(ReminderKind)
    counts = _counts([things_to_act(scope, kind, filters) for kind in kinds])
    return [
        ListCount(
            kind=kind,
            count=count,
            url=url_with_query("dashboards:to_act", **filters.query(liste=kind.value)),
            current=kind == current,
        )
        for kind, count in zip(kinds, counts, strict=True)
    ]


# --- The people who must act ------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A person who must act on a thing, in the role they act in."""

    object_id: int
    establishment_id: int | None
    membership_id: int | None
    user_id: int
    email: str
    name: str


def establishment_of(kind: ReminderKind, thing: Any) -> Establishment:
    return thing if kind is ReminderKind.NO_REFERENT else thing.establishment


def _direction_of(
    academie_id: int, establishment_ids: Iterable[int], roles: Sequence[Role]
) -> dict[int, list[tuple[int, Any]]]:
    """The active principals (and deputies) of each establishment: establishment → [(membership
    id, user)], in one query."""
    through = Membership.establishments.through
    rows = (
        through.objects.filter(
            establishment_id__in=set(establishment_ids),
            membership__academie_id=academie_id,
            membership__role__in=[r.value for r in roles],
            membership__revoked_at__isnull=True,
            membership__user__is_active=True,
        )
        .select_related("membership__user")
        .order_by("membership__user__last_name", "membership__user__first_name", "membership_id")
    )
    found: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for row in rows:
        found[row.establishment_id].append((row.membership_id, row.membership.user))
    return found


def recipients_of(
    scope: Scope, kind: ReminderKind, things: Sequence[Any]
) -> dict[int, list[Recipient]]:
    """For each thing (by id), exactly the people who must act on it; one query at most."""
    found: dict[int, list[Recipient]] = {thing.pk: [] for thing in things}

    def add(thing: Any, membership_id: int | None, user: Any) -> None:
        if not user.email or not user.is_active:
            return
        found[thing.pk].append(
            Recipient(
                object_id=thing.pk,
                establishment_id=establishment_of(kind, thing).pk,
                membership_id=membership_id,
                user_id=user.pk,
                email=user.email.lower(),
                name=user.formal_name,
            )
        )

    if not things:
        return found
    if kind is ReminderKind.REFERENT_SIGNATURE:
        for letter in things:
            if letter.referent.revoked_at is None:
                add(letter, letter.referent_id, letter.referent.user)
    elif kind is ReminderKind.VISA:
        admins = list(
            Membership.objects.active()
            .filter(academie_id=scope.academie_id, role=Role.DANE_ADMIN)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        for letter in things:
            for admin in admins:
                add(letter, admin.pk, admin.user)
    elif kind in SURVEY_AUDIENCES:
        roles = [Role.RUPN] if kind is ReminderKind.BILAN else list(DIRECTION)
        through = Membership.establishments.through
        memberships = {
            (row["membership__user_id"], row["establishment_id"]): row["membership_id"]
            for row in through.objects.filter(
                establishment_id__in={i.establishment_id for i in things},
                membership__user_id__in={i.user_id for i in things},
                membership__academie_id=scope.academie_id,
                membership__role__in=[r.value for r in roles],
                membership__revoked_at__isnull=True,
            )
            .order_by("membership_id")
            .values("membership__user_id", "establishment_id", "membership_id")
        }
        for invitation in things:
            add(
                invitation,
                memberships.get((invitation.user_id, invitation.establishment_id)),
                invitation.user,
            )
    else:
        roles = [Role.PRINCIPAL] if kind is ReminderKind.PRINCIPAL_SIGNATURE else list(DIRECTION)
        direction = _direction_of(
            scope.academie_id, {establishment_of(kind, t).pk for t in things}, roles
        )
        for thing in things:
            for membership_id, user in direction.get(establishment_of(kind, thing).pk, []):
                add(thing, membership_id, user)
    return found


# --- The rows of a page -----------------------------------------------------------------------


@dataclass
class ToActRow:
    kind: ReminderKind
    thing: Any
    establishment: Establishment
    title: str
    url: str
    detail: str = ""
    people: list[Recipient] = field(default_factory=list)
    last_reminded_at: datetime.datetime | None = None

    @property
    def object_id(self) -> int:
        return int(self.thing.pk)

    @property
    def people_names(self) -> str:
        return ", ".join(p.name for p in self.people)

    @cached_property
    def cells(self) -> SafeString:
        """The row's cells as the page shows them, one per line of the template. Written here
        rather than by the template: resolving the row's twenty lookups and its link in the
        template's loop took about a third of the page's time for 50 rows (cProfile on the
        national-scale dataset)."""
        e = conditional_escape
        box = f"ligne-{self.object_id:d}"
        title = e(self.title)
        place = self.kind is not ReminderKind.NO_REFERENT
        establishment = self.establishment
        link = f'<a href="{e(self.url)}">{title}</a>' if self.url else title
        cells = [
            '<td><div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" '
            f'id="{box}" name="lignes" value="{self.object_id:d}"><label class="fr-label" '
            f'for="{box}">Relancer<span class="fr-sr-only"> – {title}'
            f"{', ' + e(establishment.name) if place else ''}</span></label></div></td>",
            f'<td>{link}<br><span class="fr-text--xs">{e(self.detail)}</span></td>',
            # The line the establishment's cell leaves empty on the list of establishments.
            (
                f'<td><a href="{e(reverse("dashboards:establishment", args=[establishment.pk]))}">'
                f'{e(establishment.name)}</a><br><span class="fr-text--xs">'
                f"{e(establishment.uai)} – "
                f"{e(establishment.departement.name) if establishment.departement else ''}"
                "</span></td>"
                if place
                else ""
            ),
            f"<td>{e(self.people_names)}</td>"
            if self.people
            else '<td><span class="fr-badge fr-badge--warning fr-badge--sm">Personne en fonction '
            "pour agir</span></td>",
            f"<td>{e(format_date(self.last_reminded_at, time=True))}</td>"
            if self.last_reminded_at
            else "<td>Jamais</td>",
        ]
        return mark_safe("\n        ".join(cells))  # noqa: S308  (every value is escaped here)


def action_url(kind: ReminderKind, thing: Any) -> str:
    """Where the thing is: for the DANE in the list, and for the person in the email."""
    if kind is ReminderKind.NO_REFERENT:
        return reverse("dashboards:establishment", args=[thing.pk])
    if kind in LETTER_STATUSES:
        return reverse("missions:letter", args=[thing.pk])
    if kind is ReminderKind.SERVICE_FAIT:
        return reverse(
            "indemnities:certifications",
            args=[thing.establishment_id, thing.school_year.start_year],
        )
    return survey_answer_url(thing)


def survey_answer_url(invitation: SurveyInvitation) -> str:
    """The invited person's page to answer; their home page, which lists it, otherwise."""
    try:
        return reverse("surveys:answer", args=[invitation.pk])
    except NoReverseMatch:
        return reverse("home")


def _title(kind: ReminderKind, thing: Any) -> tuple[str, str]:
    if kind is ReminderKind.NO_REFERENT:
        return thing.name, f"{thing.uai} – {thing.get_type_display()} – {thing.departement.name}"
    if kind in LETTER_STATUSES:
        return thing.referent.user.formal_name, f"{thing.reference} – {thing.get_status_display()}"
    if kind in SURVEY_AUDIENCES:
        return thing.user.formal_name, thing.campaign.survey.title
    return thing.referent.user.formal_name, f"IMP de {format_euros(thing.amount)}"


def last_reminders(
    academie_id: int, kind: ReminderKind, object_ids: Iterable[int]
) -> dict[int, datetime.datetime]:
    """When each thing was last reminded of, in one query."""
    return dict(
        Reminder.objects.filter(academie_id=academie_id, kind=kind, object_id__in=list(object_ids))
        .filter(sent_at__isnull=False)
        .order_by()
        .values("object_id")
        .annotate(last=Max("sent_at"))
        .values_list("object_id", "last")
    )


def to_act_rows(scope: Scope, kind: ReminderKind, things: Sequence[Any]) -> list[ToActRow]:
    """The page's rows: each thing with its link, the people who must act and the last
    reminder; two queries whatever the number of rows."""
    people = recipients_of(scope, kind, things)
    last = last_reminders(scope.academie_id, kind, [t.pk for t in things])
    rows = []
    for thing in things:
        title, detail = _title(kind, thing)
        rows.append(
            ToActRow(
                kind=kind,
                thing=thing,
                establishment=establishment_of(kind, thing),
                title=title,
                detail=detail,
                url=action_url(kind, thing) if kind not in SURVEY_AUDIENCES else "",
                people=people.get(thing.pk, []),
                last_reminded_at=last.get(thing.pk),
            )
        )
    return rows


def running_job_of(scope: Scope) -> ReminderJob | None:
    """The person's bulk reminder still running, if any (the page shows its progress)."""
    if scope.user_id is None:
        return None
    return (
        ReminderJob.objects.filter(
            academie_id=scope.academie_id, created_by_id=scope.user_id, finished_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def reminder_jobs_visible_to(scope: Scope | None) -> QuerySet[ReminderJob]:
    """Bulk reminders a person may follow: their own, in the académie they act in."""
    if scope is None or scope.user_id is None or not scope.is_dane:
        return ReminderJob.objects.none()
    return ReminderJob.objects.filter(academie_id=scope.academie_id, created_by_id=scope.user_id)


def recently_reminded(
    academie_id: int, kind: ReminderKind, pairs: Iterable[tuple[int, int]], since: datetime.datetime
) -> set[tuple[int, int]]:
    """Of the (thing id, user id) pairs, those reminded since `since` or about to be (a job
    launched since then, still running); one query. A failed reminder does not count."""
    pairs = set(pairs)
    if not pairs:
        return set()
    rows = (
        Reminder.objects.filter(
            academie_id=academie_id,
            kind=kind,
            object_id__in={p[0] for p in pairs},
            user_id__in={p[1] for p in pairs},
        )
        .filter(Q(sent_at__gte=since) | Q(sent_at__isnull=True, error="", created_at__gte=since))
        .values_list("object_id", "user_id")
    )
    return {(int(o), int(u)) for o, u in rows} & pairs
