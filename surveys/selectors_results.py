"""Reads of the campaigns and of their results, for the DANE admin (the whole académie) and the
coordinators (the establishments of their départements). Principals and referents never reach
them: individual answers are the DANE's.

Every figure is counted in SQL (GROUP BY on `Answer`, one query per kind of figure whatever the
number of questions or responses); Python only arranges the grouped rows into tables. Results
count SUBMITTED responses only (a response in progress may still change).

Percentages are `Decimal`s rounded half up to one decimal place (66.666… → 66.7), computed
from whole counts: the share of an option among those who answered the question (for a grid
row, who answered that row), and for a conditional question also among those to whom it was
shown (whose answer to the earlier question showed it). A multiple choice's shares may add up
to more than 100.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404

from establishments.models import EstablishmentType
from surveys.models import (
    Answer,
    Campaign,
    OptionRole,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyReminder,
    SurveyResponse,
    SurveyStatus,
)
from tenancy.roles import Role
from tenancy.scope import Scope

TENTH = Decimal("0.1")
# Free-text answers shown per question on the page (all of them are in the exports).
TEXTS_SHOWN = 30
RESULT_ROLES = frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR})
TYPE_LABELS = dict(EstablishmentType.choices)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` out of `whole` in percent, one decimal, rounded half up; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ResultFilters:
    """The results page's filters: a département and a type of establishment (both optional)."""

    departement_id: int | None = None
    establishment_type: str = ""

    def q(self, via: str) -> Q:
        """Rows whose establishment (at `via`, e.g. "establishment") the filters keep."""
        q = Q()
        if self.departement_id:
            q &= Q(**{f"{via}__departement_id": self.departement_id})
        if self.establishment_type:
            q &= Q(**{f"{via}__type": self.establishment_type})
        return q


# --- Campaigns ----------------------------------------------------------------------------


def campaigns_visible_to(scope: Scope | None) -> QuerySet[Campaign]:
    if scope is None or scope.role not in RESULT_ROLES:
        return Campaign.objects.none()
    return Campaign.objects.filter(academie_id=scope.academie_id)


def get_campaign_for(scope: Scope | None, pk: int | str) -> Campaign:
    """The campaign `pk` for the DANE; 404 alike when missing, another académie's, or asked by
    a role without access to results."""
    try:
        return (
            campaigns_visible_to(scope)
            .select_related("survey", "survey__school_year", "academie")
            .get(pk=pk)
        )
    except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Campagne introuvable.") from exc


def surveys_to_open(scope: Scope | None) -> QuerySet[Survey]:
    """Published surveys of the DANE admin's académie without a campaign yet."""
    if scope is None or scope.role != Role.DANE_ADMIN:
        return Survey.objects.none()
    return (
        Survey.objects.filter(
            academie_id=scope.academie_id,
            status=SurveyStatus.PUBLISHED,
            campaign__isnull=True,
        )
        .select_related("school_year")
        .order_by("-school_year__start_year", "audience")
    )


def get_survey_to_open_for(scope: Scope | None, pk: int | str) -> Survey:
    """A survey of the DANE admin's académie, to open its campaign (404 otherwise)."""
    if scope is None or scope.role != Role.DANE_ADMIN:
        raise Http404("Enquête introuvable.")
    try:
        return Survey.objects.select_related("school_year").get(
            academie_id=scope.academie_id, pk=pk
        )
    except (Survey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Enquête introuvable.") from exc


def _invitations(scope: Scope, campaign: Campaign, filters: ResultFilters) -> Any:
    return SurveyInvitation.objects.filter(
        scope.establishments_q(via="establishment"),
        filters.q("establishment"),
        campaign=campaign,
    )


def _responses(scope: Scope, campaign: Campaign, filters: ResultFilters) -> Any:
    """The submitted responses the scope and the filters keep."""
    return SurveyResponse.objects.filter(
        scope.establishments_q(via="establishment"),
        filters.q("establishment"),
        campaign=campaign,
        submitted_at__isnull=False,
    )


@dataclass(frozen=True)
class CampaignFigures:
    invited: int
    started: int
    submitted: int
    emails_sent: int
    emails_failed: int
    reminders_sent: int
    reminded_people: int
    reminders_failed: int

    @property
    def rate(self) -> Decimal | None:
        """The response rate: submitted responses out of invitations."""
        return percent(self.submitted, self.invited)

    @property
    def in_progress(self) -> int:
        return self.started - self.submitted


def campaign_figures(
    scope: Scope, campaign: Campaign, filters: ResultFilters | None = None
) -> CampaignFigures:
    """Invited, started, submitted, emails and reminders of the campaign (two queries)."""
    filters = filters or ResultFilters()
    invitations = _invitations(scope, campaign, filters).aggregate(
        invited=Count("pk"),
        started=Count("response"),
        submitted=Count("response", filter=Q(response__submitted_at__isnull=False)),
        emails_sent=Count("pk", filter=Q(email_sent_at__isnull=False)),
        emails_failed=Count("pk", filter=~Q(email_error="")),
    )
    reminders = SurveyReminder.objects.filter(
        scope.establishments_q(via="invitation__establishment"),
        filters.q("invitation__establishment"),
        invitation__campaign=campaign,
    ).aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        people=Count("invitation", filter=Q(sent_at__isnull=False), distinct=True),
        failed=Count("pk", filter=~Q(error="")),
    )
    return CampaignFigures(
        invited=invitations["invited"],
        started=invitations["started"],
        submitted=invitations["submitted"],
        emails_sent=invitations["emails_sent"],
        emails_failed=invitations["emails_failed"],
        reminders_sent=reminders["sent"],
        reminded_people=reminders["people"],
        reminders_failed=reminders["failed"],
    )


def campaigns_listed(scope: Scope) -> list[tuple[Campaign, CampaignFigures]]:
    """The académie's campaigns, newest first, each with its figures in the scope (two
    queries whatever the number of campaigns)."""
    campaigns = list(
        campaigns_visible_to(scope)
        .select_related("survey", "survey__school_year")
        .order_by("-survey__school_year__start_year", "-opens_at", "pk")
    )
    if not campaigns:
        return []
    invitations: dict[int, dict[str, Any]] = {
        row["campaign_id"]: dict(row)
        for row in SurveyInvitation.objects.filter(
            scope.establishments_q(via="establishment"), campaign__in=campaigns
        )
        .values("campaign_id")
        .annotate(
            invited=Count("pk"),
            started=Count("response"),
            submitted=Count("response", filter=Q(response__submitted_at__isnull=False)),
            emails_sent=Count("pk", filter=Q(email_sent_at__isnull=False)),
            emails_failed=Count("pk", filter=~Q(email_error="")),
        )
    }
    reminders: dict[int, dict[str, Any]] = {
        row["invitation__campaign_id"]: dict(row)
        for row in SurveyReminder.objects.filter(
            scope.establishments_q(via="invitation__establishment"),
            invitation__campaign__in=campaigns,
        )
        .values("invitation__campaign_id")
        .annotate(
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
            people=Count("invitation", filter=Q(sent_at__isnull=False), distinct=True),
            failed=Count("pk", filter=~Q(error="")),
        )
    }
    listed = []
    for campaign in campaigns:
        i: dict[str, Any] = invitations.get(campaign.pk, {})
        r: dict[str, Any] = reminders.get(campaign.pk, {})
        listed.append(
            (
                campaign,
                CampaignFigures(
                    invited=i.get("invited", 0),
                    started=i.get("started", 0),
                    submitted=i.get("submitted", 0),
                    emails_sent=i.get("emails_sent", 0),
                    emails_failed=i.get("emails_failed", 0),
                    reminders_sent=r.get("sent", 0),
                    reminded_people=r.get("people", 0),
                    reminders_failed=r.get("failed", 0),
                ),
            )
        )
    return listed


# --- Results --------------------------------------------------------------------------------


@dataclass
class Share:
    """A count and its percentages (among who answered; among who saw it, if conditional)."""

    count: int
    percent: Decimal | None
    percent_shown: Decimal | None = None


@dataclass
class OptionResult:
    option: QuestionOption
    share: Share


@dataclass
class GridRowResult:
    row: QuestionOption
    answered: int
    cells: list[Share]


@dataclass
class NumberSummary:
    count: int
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None


@dataclass
class TextAnswer:
    text: str
    establishment_type: str
    option_label: str = ""
    task_label: str = ""


@dataclass
class TaskResult:
    """One task of the letters (by its key): how often each status was answered, and the
    share of « faite » per type of establishment."""

    key: str
    label: str
    answered: int
    statuses: list[Share]
    done_by_type: list[Share]


@dataclass
class TaskTable:
    statuses: list[QuestionOption]
    types: list[tuple[str, str]]
    tasks: list[TaskResult]
    total: TaskResult | None


@dataclass
class QuestionResult:
    question: Question
    page_title: str
    answered: int
    # Those to whom the question was shown: every respondent, or for a conditional question
    # those whose earlier answer showed it.
    shown: int
    options: list[OptionResult] = field(default_factory=list)
    columns: list[QuestionOption] = field(default_factory=list)
    rows: list[GridRowResult] = field(default_factory=list)
    number: NumberSummary | None = None
    texts: list[TextAnswer] = field(default_factory=list)
    texts_total: int = 0
    tasks: TaskTable | None = None
    condition: str = ""

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def percent_answered(self) -> Decimal | None:
        return percent(self.answered, self.shown)


@dataclass
class Results:
    campaign: Campaign
    filters: ResultFilters
    respondents: int
    questions: list[QuestionResult]


def _share(count: int, answered: int, shown: int | None) -> Share:
    return Share(
        count=count,
        percent=percent(count, answered),
        percent_shown=percent(count, shown) if shown is not None else None,
    )


def survey_structure(
    survey: Survey,
) -> tuple[list[Question], dict[int, list[QuestionOption]], dict[int, list[QuestionOption]]]:
    """The survey's questions in order, and each one's choices and grid rows (two queries)."""
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("page", "shown_if_question")
        .order_by("page__position", "page_id", "position", "pk")
    )
    choices: dict[int, list[QuestionOption]] = defaultdict(list)
    rows: dict[int, list[QuestionOption]] = defaultdict(list)
    for option in QuestionOption.objects.filter(question__survey=survey).order_by(
        "question_id", "position", "pk"
    ):
        (rows if option.role == OptionRole.ROW else choices)[option.question_id].append(option)
    return questions, choices, rows


def _condition_text(question: Question, choices: dict[int, list[QuestionOption]]) -> str:
    parent = question.shown_if_question
    if parent is None:
        return ""
    labels = [o.label for o in choices.get(parent.pk, []) if o.key in question.shown_if_options]
    answers = " ou ".join(f"« {label} »" for label in labels)
    return f"Posée à qui a répondu {answers} à « {parent.label} »."


def campaign_results(
    scope: Scope, campaign: Campaign, filters: ResultFilters | None = None
) -> Results:
    """Every question's results among the submitted responses the scope and filters keep."""
    filters = filters or ResultFilters()
    responses = _responses(scope, campaign, filters)
    questions, choices, grid_rows = survey_structure(campaign.survey)
    conditional = [q for q in questions if q.shown_if_question_id is not None]
    aggregates: dict[str, Any] = {"respondents": Count("pk")}
    for q in conditional:
        aggregates[f"shown_{q.pk}"] = Count(
            "pk",
            filter=Q(
                Exists(
                    Answer.objects.filter(
                        response=OuterRef("pk"),
                        question_id=q.shown_if_question_id or 0,
                        option__key__in=list(q.shown_if_options),
                    )
                )
            ),
        )
    totals = responses.aggregate(**aggregates)
    respondents: int = totals["respondents"]

    answers = Answer.objects.filter(
        Q(academie_id=campaign.academie_id),
        scope.establishments_q(via="response__establishment"),
        filters.q("response__establishment"),
        response__campaign=campaign,
        response__submitted_at__isnull=False,
    )
    answered = {
        row["question_id"]: row["n"]
        for row in answers.values("question_id").annotate(n=Count("response_id", distinct=True))
    }
    counts: dict[tuple[int, int | None, int | None], int] = {
        (row["question_id"], row["row_id"], row["option_id"]): row["n"]
        # One answer row per response and (row,) option: a plain count is the respondents'.
        for row in answers.filter(option__isnull=False)
        .exclude(question__kind=QuestionKind.LETTER_TASKS)
        .values("question_id", "row_id", "option_id")
        .annotate(n=Count("pk"))
    }
    numbers: dict[int, dict[str, Any]] = {
        row["question_id"]: dict(row)
        for row in answers.filter(number__isnull=False)
        .values("question_id")
        .annotate(n=Count("pk"), mean=Avg("number"), low=Min("number"), high=Max("number"))
    }
    texts: dict[int, list[TextAnswer]] = defaultdict(list)
    texts_total: dict[int, int] = {}
    for row in (
        answers.exclude(text="")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("question_id")], order_by=[F("pk").asc()]),
            total=Window(Count("pk"), partition_by=[F("question_id")]),
        )
        .filter(rank__lte=TEXTS_SHOWN)
        .values(
            "question_id",
            "text",
            "task_label",
            "option__label",
            "option__is_other",
            "response__establishment__type",
            "total",
        )
        .order_by("question_id", "rank")
    ):
        texts_total[row["question_id"]] = row["total"]
        texts[row["question_id"]].append(
            TextAnswer(
                text=row["text"],
                establishment_type=TYPE_LABELS.get(row["response__establishment__type"], ""),
                option_label=row["option__label"] if row["option__is_other"] else "",
                task_label=row["task_label"],
            )
        )
    has_tasks = any(q.kind == QuestionKind.LETTER_TASKS for q in questions)
    task_rows: list[dict[str, Any]] = (
        [
            dict(row)
            for row in answers.filter(
                question__kind=QuestionKind.LETTER_TASKS, option__isnull=False
            )
            .values("question_id", "task_key", "response__establishment__type", "option_id")
            .annotate(n=Count("pk"), label=Max("task_label"), first=Min("pk"))
            .order_by()
        ]
        if has_tasks
        else []
    )

    results: list[QuestionResult] = []
    for q in questions:
        n_answered = answered.get(q.pk, 0)
        shown = totals[f"shown_{q.pk}"] if q.shown_if_question_id is not None else respondents
        shown_for_share = shown if q.shown_if_question_id is not None else None
        result = QuestionResult(
            question=q,
            page_title=q.page.title,
            answered=n_answered,
            shown=shown,
            condition=_condition_text(q, choices),
        )
        if q.kind == QuestionKind.GRID:
            result.columns = choices.get(q.pk, [])
            for grid_row in grid_rows.get(q.pk, []):
                cells = [counts.get((q.pk, grid_row.pk, o.pk), 0) for o in result.columns]
                row_answered = sum(cells)
                result.rows.append(
                    GridRowResult(
                        row=grid_row,
                        answered=row_answered,
                        cells=[_share(c, row_answered, shown_for_share) for c in cells],
                    )
                )
        elif q.kind == QuestionKind.LETTER_TASKS:
            result.tasks = _task_table(
                [r for r in task_rows if r["question_id"] == q.pk], choices.get(q.pk, [])
            )
        elif q.kind == QuestionKind.NUMBER:
            summary = numbers.get(q.pk)
            result.number = NumberSummary(
                count=summary["n"] if summary else 0,
                mean=_two_places(summary["mean"]) if summary else None,
                low=summary["low"] if summary else None,
                high=summary["high"] if summary else None,
            )
        elif q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            pass
        else:
            result.options = [
                OptionResult(
                    option=o,
                    share=_share(counts.get((q.pk, None, o.pk), 0), n_answered, shown_for_share),
                )
                for o in choices.get(q.pk, [])
            ]
        result.texts = texts.get(q.pk, [])
        result.texts_total = texts_total.get(q.pk, 0)
        results.append(result)
    return Results(campaign=campaign, filters=filters, respondents=respondents, questions=results)


def _two_places(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _task_table(rows: list[dict[str, Any]], statuses: list[QuestionOption]) -> TaskTable:
    """Per task key: the statuses' counts, and « faite » per establishment type."""
    done = next((s for s in statuses if s.key == "faite"), None)
    types = [
        (value, label)
        for value, label in EstablishmentType.choices
        if any(r["response__establishment__type"] == value for r in rows)
    ]
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    first_seen: dict[str, int] = {}
    labels: dict[str, str] = {}
    for r in rows:
        by_task[r["task_key"]].append(r)
        first_seen[r["task_key"]] = min(first_seen.get(r["task_key"], r["first"]), r["first"])
        labels[r["task_key"]] = max(labels.get(r["task_key"], ""), r["label"] or "")

    def summary(key: str, label: str, group: list[dict[str, Any]]) -> TaskResult:
        answered = sum(r["n"] for r in group)
        status_counts = [sum(r["n"] for r in group if r["option_id"] == s.pk) for s in statuses]
        by_type = []
        for value, _ in types:
            in_type = [r for r in group if r["response__establishment__type"] == value]
            total = sum(r["n"] for r in in_type)
            done_count = sum(r["n"] for r in in_type if done and r["option_id"] == done.pk)
            by_type.append(Share(count=done_count, percent=percent(done_count, total)))
        return TaskResult(
            key=key,
            label=label,
            answered=answered,
            statuses=[Share(count=c, percent=percent(c, answered)) for c in status_counts],
            done_by_type=by_type,
        )

    # Tasks in the order they were first answered (the letters' order, for most).
    keys = sorted(by_task, key=lambda k: first_seen[k])
    tasks = [summary(k, labels[k] or k, by_task[k]) for k in keys]
    total = summary("", "Toutes les tâches", rows) if rows else None
    return TaskTable(statuses=statuses, types=types, tasks=tasks, total=total)
