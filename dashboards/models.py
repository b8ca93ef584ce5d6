"""The reminders a DANE sends from the "who still has to act" lists.

The dashboards only read the other apps; what they write is their own: a `ReminderJob` (one
bulk reminder, run by a task whose progress the page shows) and one `Reminder` per person and
thing they are reminded of (a letter, an establishment, an allocation, a survey invitation),
which is how nobody is reminded twice of the same thing within the period the DANE chose.
"""

from __future__ import annotations

from django.db import models

from establishments.models import Academie, SchoolYear
from tenancy.guard import TenantManager

DEFAULT_PERIOD_DAYS = 7


class ReminderKind(models.TextChoices):
    """What a list shows, and so what its people are reminded to do; the value is the
    `liste` of the page's query string."""

    NO_REFERENT = "sans-referent", "Établissements sans référent"
    DRAFT = "brouillons", "Lettres non envoyées"
    REFERENT_SIGNATURE = "signature-referent", "Lettres à signer par le référent"
    PRINCIPAL_SIGNATURE = "signature-chef", "Lettres à signer par le chef d’établissement"
    VISA = "visa", "Lettres en attente du visa du DAN"
    BILAN = "bilans", "Bilans des référents non envoyés"
    PRINCIPAL_SURVEY = "enquete-chefs", "Enquêtes des chefs d’établissement non envoyées"
    SERVICE_FAIT = "service-fait", "Service fait non certifié"


class ReminderJob(models.Model):
    """One bulk reminder: who launched it, for which list, and how far its task has gone.

    `total` is the number of people to email, `done` those handled so far (sent or failed);
    `skipped` the people left out because they were reminded of the same things less than
    `period_days` ago; `without_recipient` the rows nobody could be reminded of (no active
    principal, say).
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("liste", max_length=20, choices=ReminderKind.choices)
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name="rôle", on_delete=models.PROTECT, related_name="+"
    )
    period_days = models.PositiveSmallIntegerField(
        "pas de nouvelle relance avant (jours)", default=DEFAULT_PERIOD_DAYS
    )
    total = models.PositiveIntegerField("personnes à relancer", default=0)
    done = models.PositiveIntegerField("personnes traitées", default=0)
    sent = models.PositiveIntegerField("courriels envoyés", default=0)
    failed = models.PositiveIntegerField("envois en échec", default=0)
    skipped = models.PositiveIntegerField("personnes déjà relancées", default=0)
    without_recipient = models.PositiveIntegerField("lignes sans personne à relancer", default=0)
    created_at = models.DateTimeField("lancée le")
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "relance groupée"
        verbose_name_plural = "relances groupées"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["academie", "created_by", "finished_at"])]

    def __str__(self) -> str:
        return f"Relance « {self.get_kind_display()} » du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class Reminder(models.Model):
    """One person reminded (or about to be) of one thing of a list by a job.

    `object_id` is the id of the thing of `kind`: an establishment, a letter, an allocation or
    a survey invitation. `membership` is the role in which the person must act, so that the
    reminder shows in that person's history.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(
        ReminderJob, verbose_name="relance groupée", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("liste", max_length=20, choices=ReminderKind.choices)
    object_id = models.BigIntegerField("identifiant de l’objet")
    establishment = models.ForeignKey(
        "establishments.Establishment",
        verbose_name="établissement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        "accounts.User", verbose_name="personne", on_delete=models.CASCADE, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name="rôle de la personne",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField("adresse")
    created_at = models.DateTimeField("préparée le")
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    error = models.TextField("erreur d’envoi", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "relance"
        verbose_name_plural = "relances"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "kind", "object_id", "user"], name="reminder_once_per_job"
            )
        ]
        indexes = [
            models.Index(fields=["academie", "kind", "object_id", "user"]),
            models.Index(fields=["job", "user"]),
        ]

    def __str__(self) -> str:
        return f"Relance {self.get_kind_display()} {self.object_id} → {self.email}"


# The overview's precomputed figures (a module of their own, registered with the app's models).
from dashboards.models_overview import OverviewFigures, OverviewRefresh  # noqa: E402, F401

# --- The annual synthesis report ------------------------------------------------------------


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En préparation"
    DONE = "done", "Prêt"
    FAILED = "failed", "Échec"


ACTIVE_REPORT_STATUSES = (ReportStatus.QUEUED, ReportStatus.RUNNING)


def report_file_path(instance: SynthesisReport, filename: str) -> str:
    """One folder per académie and school year."""
    return f"syntheses/{instance.academie.code}/{instance.school_year.start_year}/{filename}"


class SynthesisReport(models.Model):
    """The annual synthesis of a school year, as a PDF and an editable document, over the
    perimeter of whoever asked for it: the whole académie (`perimeter` empty) or a
    coordinator's départements (`perimeter` is their ids, sorted, comma-separated). Only the
    people of the same perimeter see it, so a coordinator never reads another département.

    Its task (`dashboards.tasks_report`) saves how far it has gone (`progress`, in percent, and
    the step it is at) so that the page shows a progress bar; a failure stays on the row with
    its message, and the page offers to start it again.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    perimeter = models.CharField("départements", max_length=200, blank=True)
    status = models.CharField(
        "état", max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    step = models.CharField("étape", max_length=120, blank=True)
    error = models.TextField("erreur", blank=True)
    run_token = models.CharField("exécution en cours", max_length=64, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name="rôle", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("demandé le")
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    progress_at = models.DateTimeField("dernière progression", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    pdf_file = models.FileField("PDF", upload_to=report_file_path, max_length=300, blank=True)
    pdf_size = models.PositiveBigIntegerField("taille du PDF (octets)", null=True, blank=True)
    docx_file = models.FileField(
        "document modifiable", upload_to=report_file_path, max_length=300, blank=True
    )
    docx_size = models.PositiveBigIntegerField(
        "taille du document modifiable (octets)", null=True, blank=True
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "synthèse annuelle"
        verbose_name_plural = "synthèses annuelles"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "school_year", "perimeter"],
                condition=models.Q(status__in=["queued", "running"]),
                name="synthesis_report_one_active",
            ),
        ]
        indexes = [models.Index(fields=["academie", "perimeter", "school_year"])]

    def __str__(self) -> str:
        return f"Synthèse {self.school_year} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REPORT_STATUSES

    @property
    def is_finished(self) -> bool:
        return not self.is_active

    @property
    def percent(self) -> int:
        return 100 if self.status == ReportStatus.DONE else min(100, self.progress)
