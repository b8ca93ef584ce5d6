"""Reads of mission letters, through the acting scope.

A DANE admin reaches the académie's letters, a coordinator those of their départements, the
direction those of their establishments, a referent their own letters (of every year and
establishment of the académie) and nobody else's. Forbidden and missing give the same 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404

from accounts.models import Civility, Membership
from establishments.models import Establishment, SchoolYear
from indemnities.models import Allocation
from missions.content import LetterContent
from missions.document import LetterFacts, build_document, stored_document
from missions.models import (
    Letter,
    LetterSignature,
    LetterStatus,
    LetterTemplate,
    TemplateSection,
)
from rupn.process_cache import ProcessCache, set_prefetched
from tenancy.roles import Role
from tenancy.scope import Scope, ScopeKind

ZERO = Decimal("0.00")


def letters_visible_to(scope: Scope | None) -> QuerySet[Letter]:
    if (
        scope is None
        or scope.kind is ScopeKind.NOTHING
        or (scope.kind is ScopeKind.PERSON and scope.user_id is None)
    ):
        return Letter.objects.none()
    if scope.kind is ScopeKind.PERSON and scope.user_id is not None:
        # A referent's own letters, whichever of their memberships of the académie they are for,
        # once sent: a draft the principal never sent is still the principal's work.
        return Letter.objects.filter(
            academie_id=scope.academie_id, referent__user_id=scope.user_id
        ).exclude(status=LetterStatus.DRAFT, sent_at__isnull=True)
    return Letter.objects.filter(scope.establishments_q("establishment"))


def with_letter_relations(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    return letters.select_related(
        "academie",
        "establishment__departement",
        "school_year",
        "referent__user",
        "template",
        "supersedes",
        "amended_by",
    )


def get_letter_for(scope: Scope | None, pk: int | str) -> Letter:
    try:
        return with_letter_relations(letters_visible_to(scope)).get(pk=pk)
    except (Letter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Lettre introuvable.") from exc


def get_letter_for_editor(scope: Scope | None, pk: int | str) -> Letter:
    """`get_letter_for` with only the relations the editor and its autosave use (not the
    académie, the département nor the amendment, three joins fewer on every autosave)."""
    try:
        return (
            letters_visible_to(scope)
            .select_related(
                "establishment", "school_year", "referent__user", "template", "supersedes"
            )
            .get(pk=pk)
        )
    except (Letter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Lettre introuvable.") from exc


def _sections_with_tasks() -> Prefetch:
    return Prefetch(
        "sections",
        queryset=TemplateSection.objects.order_by("position").prefetch_related("tasks"),
    )


def templates_with_parts(template_ids: Iterable[int]) -> dict[int, LetterTemplate]:
    """Templates with their sections and tasks, in three queries whatever their size."""
    return {
        t.pk: t
        for t in LetterTemplate.objects.filter(pk__in=set(template_ids)).prefetch_related(
            _sections_with_tasks()
        )
    }


# A published template never changes (a change is a new version, a new row): its parts are
# read once per process. The publication time in the key guards against an id used again.
_published_parts: ProcessCache[list[TemplateSection]] = ProcessCache(maxsize=128)


def template_with_parts(template: LetterTemplate) -> LetterTemplate:
    """A template already loaded (a letter's, through `with_letter_relations`) given its
    sections and tasks as `templates_with_parts` gives them: in two queries for a draft, from
    the process's copy for a published version once it has been read."""
    if not template.is_published:
        prefetch_related_objects([template], _sections_with_tasks())
        return template

    def load() -> list[TemplateSection]:
        prefetch_related_objects([template], _sections_with_tasks())
        return list(template.sections.all())

    sections = _published_parts.get_or_load((template.pk, template.published_at), load)
    set_prefetched(template, "sections", sections)
    return template


def principals_of(establishment_ids: Iterable[int]) -> dict[int, str]:
    """The names of the active principals of each establishment, for the letters' texts."""
    names: dict[int, list[str]] = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(role=Role.PRINCIPAL, establishments__in=set(establishment_ids))
        .select_related("user")
        .order_by("user__last_name", "pk")
        .values_list("establishments", "user__civility", "user__first_name", "user__last_name")
    )
    for establishment_id, civility, first, last in memberships:
        civility_label = Civility(civility).label if civility else ""
        names[establishment_id].append(" ".join(p for p in (civility_label, first, last) if p))
    return {pk: " et ".join(n) for pk, n in names.items()}


def latest_letters_of(establishment: Establishment, school_year: SchoolYear) -> QuerySet[Letter]:
    """Each referent's latest letter of the year in the establishment: the first one, or its
    latest amendment."""
    return Letter.objects.filter(
        establishment=establishment, school_year=school_year, amended_by__isnull=True
    )


def _siblings(
    establishment_ids: set[int], year_ids: set[int]
) -> dict[tuple[int, int], list[tuple[int, str, LetterContent]]]:
    """The latest letter of each referent, by (establishment, year): (referent id, name,
    content), in one query."""
    siblings: dict[tuple[int, int], list[tuple[int, str, LetterContent]]] = defaultdict(list)
    for other in (
        Letter.objects.filter(
            establishment_id__in=establishment_ids,
            school_year_id__in=year_ids,
            amended_by__isnull=True,
        )
        .select_related("referent__user")
        .only("pk", "establishment_id", "school_year_id", "referent", "content", "supersedes")
        # Within an establishment's year the default ordering is by pk: without the joins of
        # its year and establishment.
        .order_by("pk")
    ):
        siblings[(other.establishment_id, other.school_year_id)].append(
            (other.referent_id, other.referent.user.formal_name, LetterContent.of(other.content))
        )
    return siblings


def coreferents_of(letter: Letter) -> list[tuple[str, LetterContent]]:
    """The other referents of the letter's establishment and year, with their latest letter's
    content (`letter_facts(...).coreferents` alone, for the editor): one query."""
    siblings = _siblings({letter.establishment_id}, {letter.school_year_id})
    return [
        (name, content)
        for referent_id, name, content in siblings[(letter.establishment_id, letter.school_year_id)]
        if referent_id != letter.referent_id
    ]


def letter_facts(letters: Sequence[Letter]) -> dict[int, LetterFacts]:
    """Amounts, principals and co-referents of `letters`, in three queries for any number."""
    if not letters:
        return {}
    establishment_ids = {letter.establishment_id for letter in letters}
    year_ids = {letter.school_year_id for letter in letters}
    amounts = {
        (a.establishment_id, a.school_year_id, a.referent_id): a.amount
        for a in Allocation.objects.current().filter(
            establishment_id__in=establishment_ids, school_year_id__in=year_ids
        )
    }
    principals = principals_of(establishment_ids)
    siblings = _siblings(establishment_ids, year_ids)
    return {
        letter.pk: LetterFacts(
            amount=amounts.get(
                (letter.establishment_id, letter.school_year_id, letter.referent_id), ZERO
            ),
            principal_name=principals.get(letter.establishment_id, ""),
            coreferents=[
                (name, content)
                for referent_id, name, content in siblings[
                    (letter.establishment_id, letter.school_year_id)
                ]
                if referent_id != letter.referent_id
            ],
        )
        for letter in letters
    }


def documents_of(letters: Sequence[Letter]) -> dict[int, dict[str, Any]]:
    """Each letter's document: the signed one once signed, else built from live data. A
    constant number of queries for any number of letters (with `with_letter_relations`)."""
    documents: dict[int, dict[str, Any]] = {}
    live = []
    for letter in letters:
        stored = stored_document(letter)
        if stored is not None:
            documents[letter.pk] = stored
        else:
            live.append(letter)
    if live:
        templates = templates_with_parts(letter.template_id for letter in live)
        facts = letter_facts(live)
        for letter in live:
            documents[letter.pk] = build_document(
                letter, templates[letter.template_id], facts[letter.pk]
            )
    return documents


def document_of(letter: Letter) -> dict[str, Any]:
    return documents_of([letter])[letter.pk]


def signatures_of(letter: Letter) -> list[LetterSignature]:
    return list(letter.signatures.select_related("signer", "voided_by").order_by("signed_at"))


def letters_awaiting(scope: Scope | None) -> QuerySet[Letter]:
    """What awaits the person acting: their signature, a reply to changes asked, a visa."""
    letters = letters_visible_to(scope)
    if scope is None:
        return letters
    if scope.role == Role.RUPN:
        return letters.filter(status=LetterStatus.SENT)
    if scope.role == Role.PRINCIPAL:
        return letters.filter(
            status__in=[LetterStatus.REFERENT_SIGNED, LetterStatus.CHANGES_REQUESTED]
        )
    if scope.role == Role.DEPUTY:
        return letters.filter(status=LetterStatus.CHANGES_REQUESTED)
    if scope.role == Role.DANE_ADMIN:
        return letters.filter(status=LetterStatus.AWAITING_VISA)
    return letters.none()
