"""Reads behind the letters' list pages: the filtered letters, their counts by state, the
people registered for the training, the visa batches.

Every read starts from `letters_visible_to(scope)`: a list never shows what the scope does not
reach. Each list is a fixed number of queries, whatever its number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from establishments.models import SchoolYear
from missions.models import Letter, LetterSignature, LetterStatus, VisaBatch
from missions.selectors_letters import letters_visible_to, with_letter_relations
from missions.workflow import status_label
from tenancy.scope import Scope, ScopeKind


@dataclass(frozen=True)
class LetterFilters:
    """What a list page asks for; None or "" means no restriction."""

    school_year: SchoolYear | None = None
    departement_id: int | None = None
    establishment_type: str = ""
    status: str = ""

    def without_status(self) -> LetterFilters:
        return LetterFilters(
            school_year=self.school_year,
            departement_id=self.departement_id,
            establishment_type=self.establishment_type,
        )


def _filtered(scope: Scope | None, filters: LetterFilters) -> QuerySet[Letter]:
    letters = letters_visible_to(scope)
    if filters.school_year is not None:
        letters = letters.filter(school_year=filters.school_year)
    if filters.departement_id:
        letters = letters.filter(establishment__departement_id=filters.departement_id)
    if filters.establishment_type:
        letters = letters.filter(establishment__type=filters.establishment_type)
    if filters.status:
        letters = letters.filter(status=filters.status)
    return letters


def active_signatures() -> Prefetch:  # type: ignore[type-arg]
    """The signatures a letter holds now (voided ones left out), oldest first."""
    return Prefetch(
        "signatures",
        queryset=LetterSignature.objects.filter(voided_at__isnull=True).order_by("signed_at", "pk"),
        to_attr="active_signatures",
    )


def letters_listed(scope: Scope | None, filters: LetterFilters) -> QuerySet[Letter]:
    """The letters a list page shows: their establishment, year, referent and current
    signatures loaded with them (one query for the page, one for its signatures)."""
    return (
        with_letter_relations(_filtered(scope, filters))
        .prefetch_related(active_signatures())
        .order_by(
            "-school_year__start_year", "establishment__name", "referent__user__last_name", "pk"
        )
    )


@dataclass(frozen=True)
class StateCount:
    status: LetterStatus
    count: int

    @property
    def label(self) -> str:
        return self.status.label


def letter_counts(scope: Scope | None, filters: LetterFilters) -> list[StateCount]:
    """How many letters in each state under `filters` (the state filter left aside), in the
    workflow's order; one query."""
    counted = dict(
        _filtered(scope, filters.without_status())
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [StateCount(status=s, count=counted.get(s.value, 0)) for s in LetterStatus]


def awaiting_visa_ids(scope: Scope | None, filters: LetterFilters) -> list[int]:
    """The ids of the letters under `filters` that await the DAN's visa."""
    chosen = LetterFilters(
        school_year=filters.school_year,
        departement_id=filters.departement_id,
        establishment_type=filters.establishment_type,
        status=LetterStatus.AWAITING_VISA,
    )
    return list(_filtered(scope, chosen).order_by("pk").values_list("pk", flat=True))


def awaiting_visa_among(scope: Scope | None, ids: Sequence[int]) -> list[int]:
    """Those of `ids` the scope reaches and that await the visa, in order."""
    return list(
        letters_visible_to(scope)
        .filter(pk__in=list(ids), status=LetterStatus.AWAITING_VISA)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- The training « entrer dans la fonction de RUPN » -------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    letter_id: int
    last_name: str
    first_name: str
    email: str
    discipline: str
    establishment: str
    uai: str
    departement: str
    status: str


def training_letters(scope: Scope | None, school_year: SchoolYear) -> QuerySet[Letter]:
    """The year's letters ticking the training, as sent or signed: drafts never sent and letters
    an amendment replaces are left out (the amendment, once sent, says what holds)."""
    return (
        letters_visible_to(scope)
        .filter(school_year=school_year, content__training=True)
        .exclude(status=LetterStatus.DRAFT, sent_at__isnull=True)
        .exclude(Q(amended_by__isnull=False) & Q(amended_by__sent_at__isnull=False))
    )


def training_rows(scope: Scope | None, school_year: SchoolYear) -> list[TrainingRow]:
    letters = with_letter_relations(training_letters(scope, school_year)).order_by(
        "establishment__departement__code",
        "establishment__name",
        "referent__user__last_name",
        "referent__user__first_name",
        "pk",
    )
    rows = []
    for letter in letters:
        user = letter.referent.user
        establishment = letter.establishment
        rows.append(
            TrainingRow(
                letter_id=letter.pk,
                last_name=user.last_name,
                first_name=user.first_name,
                email=user.email,
                discipline=user.discipline,
                establishment=establishment.name,
                uai=establishment.uai,
                departement=str(establishment.departement),
                status=status_label(letter),
            )
        )
    return rows


# --- Visa batches -------------------------------------------------------------------------------


def visa_batches_visible_to(scope: Scope | None) -> QuerySet[VisaBatch]:
    """The académie's visa batches, for its DANE admins only."""
    if scope is None or scope.kind is not ScopeKind.ACADEMIE or not scope.is_dane_admin:
        return VisaBatch.objects.none()
    return VisaBatch.objects.filter(academie_id=scope.academie_id)


def get_visa_batch_for(scope: Scope | None, pk: int | str) -> VisaBatch:
    try:
        return visa_batches_visible_to(scope).select_related("created_by").get(pk=pk)
    except (VisaBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Visa groupé introuvable.") from exc


@dataclass(frozen=True)
class VisaFailure:
    letter: Letter | None
    letter_id: int
    message: str


def visa_failures(batch: VisaBatch) -> list[VisaFailure]:
    """The batch's refusals, each with its letter (when it still exists), in one query."""
    ids = [int(key) for key in batch.failures]
    letters = {
        letter.pk: letter
        for letter in with_letter_relations(
            Letter.objects.filter(academie_id=batch.academie_id, pk__in=ids)
        )
    }
    return [
        VisaFailure(letter=letters.get(int(key)), letter_id=int(key), message=message)
        for key, message in batch.failures.items()
    ]
