"""The académie's annual surveys: the RUPN's end-of-year bilan and the principals' survey.

A survey belongs to one académie and one school year and speaks to one audience. It is data:
pages of questions of a few kinds, each with its options (the choices, the levels of a scale,
the columns of a grid) and, for a grid, its rows. A question may be shown only for some answers
to an earlier one. Published, a survey runs as a campaign: its invitations, reminders and
responses. Answers are stored one row per atomic fact (a chosen option, a grid cell, a number,
a text) so that results are counted in SQL.

Every table carries its `academie` (results are aggregated per académie, a row at a time would
otherwise need a join per level to be scoped).
"""

from __future__ import annotations

from django.db import models

from establishments.models import Academie, Establishment, SchoolYear
from tenancy.guard import TenantManager


class Audience(models.TextChoices):
    RUPN = "rupn", "Les référents (RUPN) de l’année"
    PRINCIPALS = "principals", "Les chefs d’établissement"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publiée"


class Survey(models.Model):
    """One survey of an académie for a school year and an audience (one per audience a year)."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField("public", max_length=12, choices=Audience.choices)
    title = models.CharField("titre", max_length=200)
    introduction = models.TextField("introduction", blank=True)
    status = models.CharField(
        "état", max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name="copie de",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name="publiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Rises with every change to the pages, questions or options (`structure_changed`): the
    # structure read at one version is kept by the process and never read again.
    structure_version = models.PositiveIntegerField("version de la structure", default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = "enquête"
        verbose_name_plural = "enquêtes"
        ordering = ["-school_year__start_year", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "school_year", "audience"], name="survey_one_per_audience"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.school_year})"

    @property
    def is_published(self) -> bool:
        return self.status == SurveyStatus.PUBLISHED


class SurveyPage(models.Model):
    """A page of a survey: the respondent answers and saves one page at a time."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    survey = models.ForeignKey(
        Survey, verbose_name="enquête", on_delete=models.CASCADE, related_name="pages"
    )
    position = models.PositiveSmallIntegerField("ordre")
    title = models.CharField("titre", max_length=200)
    introduction = models.TextField("introduction", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "page d’enquête"
        verbose_name_plural = "pages d’enquête"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", "Oui / non"
    SINGLE = "single", "Choix unique"
    MULTIPLE = "multiple", "Choix multiple"
    SCALE = "scale", "Échelle ordonnée"
    GRID = "grid", "Grille (lignes × colonnes)"
    NUMBER = "number", "Nombre"
    SHORT_TEXT = "short_text", "Texte court"
    LONG_TEXT = "long_text", "Texte long"
    LETTER_TASKS = "letter_tasks", "Les tâches de ma lettre de mission"


# Kinds whose answer is one or more of the question's options.
CHOICE_KINDS = frozenset(
    {
        QuestionKind.YES_NO,
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.SCALE,
        QuestionKind.GRID,
        QuestionKind.LETTER_TASKS,
    }
)
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})


class Question(models.Model):
    """A question of a survey page.

    `key` is stable (generated from the label, then kept) so that a survey copied to the next
    year, and its results, line up question by question. A conditional question is shown only
    when the answer to `shown_if_question` (an earlier question with options) includes one of
    the options whose keys are in `shown_if_options`; hidden, it is neither required nor counted.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    survey = models.ForeignKey(
        Survey, verbose_name="enquête", on_delete=models.CASCADE, related_name="questions"
    )
    page = models.ForeignKey(
        SurveyPage, verbose_name="page", on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField("ordre")
    key = models.SlugField("clé", max_length=60)
    kind = models.CharField("nature", max_length=14, choices=QuestionKind.choices)
    label = models.TextField("libellé")
    help_text = models.TextField("aide", blank=True)
    required = models.BooleanField("réponse obligatoire", default=False)
    min_value = models.DecimalField(
        "minimum", max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        "maximum", max_digits=12, decimal_places=2, null=True, blank=True
    )
    shown_if_question = models.ForeignKey(
        "self",
        verbose_name="affichée selon la réponse à",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependents",
    )
    shown_if_options = models.JSONField(
        "pour les réponses", default=list, blank=True, help_text="Clés des options qui l’affichent."
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "question"
        verbose_name_plural = "questions"
        ordering = ["page__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="survey_question_key"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_conditional(self) -> bool:
        return self.shown_if_question_id is not None


class OptionRole(models.TextChoices):
    CHOICE = "choice", "Choix (ou colonne d’une grille)"
    ROW = "row", "Ligne d’une grille"


class QuestionOption(models.Model):
    """An answer a question offers: a choice, a level of a scale, a column of a grid (all
    `choice`), or a row of a grid (`row`). Yes/no questions and the "tasks of my letter"
    question get their fixed choices when created. `is_other` is the « Autre, précisez » choice,
    whose answer carries a text."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question, verbose_name="question", on_delete=models.CASCADE, related_name="options"
    )
    role = models.CharField(
        "rôle", max_length=6, choices=OptionRole.choices, default=OptionRole.CHOICE
    )
    position = models.PositiveSmallIntegerField("ordre")
    key = models.SlugField("clé", max_length=60)
    label = models.CharField("libellé", max_length=300)
    is_other = models.BooleanField("« autre, précisez »", default=False)

    objects = TenantManager()

    class Meta:
        verbose_name = "option de question"
        verbose_name_plural = "options de question"
        ordering = ["role", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "role", "key"], name="survey_option_key"),
        ]

    def __str__(self) -> str:
        return self.label


# --- Campaigns --------------------------------------------------------------------------------


class Campaign(models.Model):
    """A published survey's run: when it opens and closes, and how often it reminds."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    survey = models.OneToOneField(
        Survey, verbose_name="enquête", on_delete=models.PROTECT, related_name="campaign"
    )
    opens_at = models.DateTimeField("ouverture")
    closes_at = models.DateTimeField("clôture")
    reminder_every_days = models.PositiveSmallIntegerField(
        "relance tous les (jours)",
        null=True,
        blank=True,
        help_text="Vide : pas de relance automatique.",
    )
    invitations_sent_at = models.DateTimeField("invitations envoyées le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "campagne d’enquête"
        verbose_name_plural = "campagnes d’enquête"
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="campaign_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"Campagne {self.survey}"


class SurveyInvitation(models.Model):
    """One person of the audience invited to answer for one establishment (a RUPN of two
    establishments is invited, and answers, once per establishment)."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        "accounts.User", verbose_name="personne", on_delete=models.CASCADE, related_name="+"
    )
    establishment = models.ForeignKey(
        Establishment, verbose_name="établissement", on_delete=models.CASCADE, related_name="+"
    )
    letter = models.ForeignKey(
        "missions.Letter",
        verbose_name="lettre de mission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("invitée le", auto_now_add=True)
    email_sent_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)
    email_error = models.TextField("erreur d’envoi", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "invitation à une enquête"
        verbose_name_plural = "invitations à une enquête"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user", "establishment"], name="survey_invitation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.establishment}"


class SurveyReminder(models.Model):
    """A reminder sent to an invited person who had not submitted; at most one a day."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    invitation = models.ForeignKey(
        SurveyInvitation,
        verbose_name="invitation",
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    sent_on = models.DateField("jour")
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    error = models.TextField("erreur d’envoi", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "relance d’enquête"
        verbose_name_plural = "relances d’enquête"
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "sent_on"], name="survey_reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Relance du {self.sent_on:%d/%m/%Y}"


# --- Responses --------------------------------------------------------------------------------


class SurveyResponse(models.Model):
    """What one invited person answered, saved page by page until submitted (then frozen).

    `letter` is the referent's letter in force when they last saved (for the "tasks of my
    letter" question); `revision` rises at each save so that a stale tab's save is refused.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="responses"
    )
    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name="invitation",
        on_delete=models.CASCADE,
        related_name="response",
    )
    establishment = models.ForeignKey(
        Establishment, verbose_name="établissement", on_delete=models.PROTECT, related_name="+"
    )
    letter = models.ForeignKey(
        "missions.Letter",
        verbose_name="lettre de mission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField("commencée le", auto_now_add=True)
    updated_at = models.DateTimeField("enregistrée le", auto_now=True)
    submitted_at = models.DateTimeField("envoyée le", null=True, blank=True)
    last_page = models.PositiveSmallIntegerField("dernière page enregistrée", default=0)
    revision = models.PositiveIntegerField("révision", default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = "réponse à une enquête"
        verbose_name_plural = "réponses à une enquête"
        indexes = [models.Index(fields=["campaign", "submitted_at"], name="survey_resp_submitted")]

    def __str__(self) -> str:
        return f"Réponse {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """One atomic answer: the option chosen (one row per option of a multiple choice), a grid
    cell (`row` × `option`), a number, a text, or, for "the tasks of my letter", one task of
    the letter (`task_key`, its label as written then) with its status (`option`) and comment
    (`text`). The text of an « autre, précisez » option is on the option's row."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    response = models.ForeignKey(
        SurveyResponse, verbose_name="réponse", on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name="question", on_delete=models.PROTECT, related_name="answers"
    )
    option = models.ForeignKey(
        QuestionOption,
        verbose_name="option",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    row = models.ForeignKey(
        QuestionOption,
        verbose_name="ligne",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="row_answers",
    )
    task_key = models.CharField("tâche", max_length=80, blank=True)
    task_label = models.TextField("libellé de la tâche", blank=True)
    number = models.DecimalField("nombre", max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.TextField("texte", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "réponse à une question"
        verbose_name_plural = "réponses aux questions"
        indexes = [
            models.Index(fields=["question", "option"], name="survey_answer_question"),
            models.Index(fields=["response", "question"], name="survey_answer_response"),
        ]

    def __str__(self) -> str:
        return f"Réponse {self.response_id} à la question {self.question_id}"
