"""The académie's yearly template of the mission letter ("trame"), in versions.

A template belongs to one académie and one school year. A draft is edited freely; publishing
freezes it: letters keep the version they were made with, and changing a published template
means starting a new version (a draft copied from it).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from establishments.models import Academie, SchoolYear
from tenancy.guard import TenantManager

_T = TypeVar("_T", bound=models.Model)


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publiée"


class LetterTemplate(models.Model):
    """One version of an académie's mission-letter template for a school year."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField("version", default=1)
    status = models.CharField(
        "état", max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    title = models.CharField("titre", max_length=200)
    introduction = models.TextField(
        "introduction", help_text="Texte d’en-tête ; les champs entre accolades sont remplis."
    )
    indemnity_clause = models.TextField("clause d’indemnité")
    requires_dan_visa = models.BooleanField(
        "visa du délégué académique au numérique requis", default=False
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
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name="publiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "trame de lettre de mission"
        verbose_name_plural = "trames de lettre de mission"
        ordering = ["-school_year__start_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "school_year", "version"], name="letter_template_version"
            ),
            # One draft at a time per académie and year: a second editor edits the same one.
            models.UniqueConstraint(
                fields=["academie", "school_year"],
                condition=models.Q(status="draft"),
                name="letter_template_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.school_year} (version {self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == TemplateStatus.PUBLISHED


class TemplatePartManager(TenantManager[_T]):
    """Sections of a template: their académie is the template's."""

    via = "template__academie"


class TemplateTaskManager(TenantManager[_T]):
    via = "section__template__academie"


class SectionKind(models.TextChoices):
    FIXED_TEXT = "fixed_text", "Texte fixe"
    TASKS = "tasks", "Liste de tâches"
    FREE_TEXT = "free_text", "Texte libre du chef d’établissement"
    ANNEX = "annex", "Annexe"


class TemplateSection(models.Model):
    """An ordered part of a template. `body` is the fixed text, the introduction of a list of
    tasks, the examples offered as a start for a free text, or the annex itself."""

    template = models.ForeignKey(
        LetterTemplate, verbose_name="trame", on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField("ordre")
    kind = models.CharField("nature", max_length=12, choices=SectionKind.choices)
    title = models.CharField("titre", max_length=300)
    body = models.TextField("texte", blank=True)
    allows_own_tasks = models.BooleanField(
        "le chef d’établissement peut ajouter ses propres tâches", default=False
    )

    objects = TemplatePartManager()

    class Meta:
        verbose_name = "section de trame"
        verbose_name_plural = "sections de trame"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="template_section_order")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class TemplateTask(models.Model):
    """A task proposed in a section; `key` stays the same across versions and years, so that a
    letter renewed on next year's template finds its tasks again."""

    section = models.ForeignKey(
        TemplateSection, verbose_name="section", on_delete=models.CASCADE, related_name="tasks"
    )
    key = models.SlugField("clé", max_length=60)
    label = models.TextField("libellé")
    checked_by_default = models.BooleanField("cochée par défaut", default=True)
    position = models.PositiveSmallIntegerField("ordre")

    objects = TemplateTaskManager()

    class Meta:
        verbose_name = "tâche proposée"
        verbose_name_plural = "tâches proposées"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="template_task_key"),
        ]

    def __str__(self) -> str:
        return self.label


# --- Letters --------------------------------------------------------------------------------------


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SENT = "sent", "Envoyée au référent"
    CHANGES_REQUESTED = "changes", "Modifications demandées"
    REFERENT_SIGNED = "referent_signed", "Signée par le référent"
    AWAITING_VISA = "awaiting_visa", "En attente du visa du DAN"
    ISSUED = "issued", "Émise"


# From the first signature on, the content may not change: these states hold signatures.
SIGNED_STATUSES = frozenset(
    {LetterStatus.REFERENT_SIGNED, LetterStatus.AWAITING_VISA, LetterStatus.ISSUED}
)
EDITABLE_STATUSES = frozenset({LetterStatus.DRAFT, LetterStatus.CHANGES_REQUESTED})


class LetterQuerySet(models.QuerySet["Letter"]):
    def in_force(self) -> LetterQuerySet:
        """Issued letters no issued amendment replaces: the ones that bind today."""
        return self.filter(status=LetterStatus.ISSUED).exclude(
            amended_by__status=LetterStatus.ISSUED
        )


class Letter(models.Model):
    """One referent's mission letter for a school year in one establishment.

    `content` holds what the principal chose on the template (`missions.content` says its
    shape); the amount is the referent's IMP allocation, read from indemnities, never copied.
    At the first signature the letter's canonical document (`missions.document`) is stored in
    `signed_document` with its SHA-256: every signature covers that hash, and the database
    refuses any change of content from then on, and any change at all once issued.

    An amendment is a new letter that `supersedes` an issued one; both stay readable.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        verbose_name="établissement",
        on_delete=models.PROTECT,
        related_name="mission_letters",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    referent = models.ForeignKey(
        "accounts.Membership",
        verbose_name="référent",
        on_delete=models.PROTECT,
        related_name="mission_letters",
    )
    template = models.ForeignKey(
        LetterTemplate, verbose_name="trame", on_delete=models.PROTECT, related_name="letters"
    )
    reference = models.CharField("référence", max_length=32, unique=True)
    status = models.CharField(
        "état", max_length=20, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    content = models.JSONField("contenu", default=dict)
    revision = models.PositiveIntegerField("révision", default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="remplace",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amended_by",
    )
    amendment_reason = models.TextField("motif de l’avenant", blank=True)
    changes_comment = models.TextField("modifications demandées", blank=True)
    signed_document = models.TextField("document signé", blank=True)
    signed_sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name="modifiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    issued_at = models.DateTimeField("émise le", null=True, blank=True)

    objects = TenantManager.from_queryset(LetterQuerySet)()

    class Meta:
        verbose_name = "lettre de mission"
        verbose_name_plural = "lettres de mission"
        ordering = ["-school_year__start_year", "establishment__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["id", "academie"], name="letter_id_academie"),
            # One first letter per referent and year; amendments chain from it.
            models.UniqueConstraint(
                fields=["establishment", "school_year", "referent"],
                condition=models.Q(supersedes__isnull=True),
                name="letter_one_per_referent_year",
            ),
        ]
        indexes = [models.Index(fields=["academie", "school_year", "status"])]

    def __str__(self) -> str:
        return f"Lettre de mission {self.reference}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_sha256)


class SignatureKind(models.TextChoices):
    REFERENT = "referent", "Signature du référent"
    PRINCIPAL = "principal", "Signature du chef d’établissement"
    DAN_VISA = "dan_visa", "Visa du délégué académique au numérique"


class LetterSignature(models.Model):
    """One signature of a letter: who, in which role, when, from where, over which content.

    Never deleted nor changed; withdrawing a signed letter voids its signatures (`voided_at`,
    recorded), which is the only change the database accepts on a signature.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    letter = models.ForeignKey(
        Letter, verbose_name="lettre", on_delete=models.PROTECT, related_name="signatures"
    )
    kind = models.CharField("nature", max_length=12, choices=SignatureKind.choices)
    signer = models.ForeignKey(
        "accounts.User", verbose_name="signataire", on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name="rôle du signataire",
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField("rôle", max_length=20)
    signer_name = models.CharField("nom du signataire", max_length=200)
    signed_at = models.DateTimeField("signée le")
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=400, blank=True)
    content_sha256 = models.CharField("empreinte SHA-256 du contenu signé", max_length=64)
    reauthenticated_with = models.CharField(
        "réauthentification", max_length=20, blank=True, help_text="mot de passe ou TOTP"
    )
    voided_at = models.DateTimeField("annulée le", null=True, blank=True)
    voided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="annulée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.TextField("motif de l’annulation", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "signature"
        verbose_name_plural = "signatures"
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "kind"],
                condition=models.Q(voided_at__isnull=True),
                name="letter_signature_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.signer_name}"


class LetterEmail(models.Model):
    """One email about a letter to one recipient, for one event of its history.

    Claimed in a transaction before sending, so that a task run twice (a retry, a worker that
    died) never sends the same email twice; a failure is kept for the letter's page.
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    letter = models.ForeignKey(
        Letter, verbose_name="lettre", on_delete=models.CASCADE, related_name="emails"
    )
    event = models.CharField("événement", max_length=40)
    event_key = models.CharField("clé de l’événement", max_length=64)
    recipient = models.EmailField("destinataire")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    error = models.TextField("erreur", blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "courriel de lettre"
        verbose_name_plural = "courriels de lettre"
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "event_key", "recipient"], name="letter_email_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient}"


class VisaBatch(models.Model):
    """A DANE admin's visa of many letters at once, run by a task; its page shows progress."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name="rôle", on_delete=models.PROTECT, related_name="+"
    )
    letter_ids = models.JSONField("lettres", default=list)
    done_ids = models.JSONField("visées", default=list)
    failures = models.JSONField("refus", default=dict)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=400, blank=True)
    reauthenticated_with = models.CharField("réauthentification", max_length=20, blank=True)
    created_at = models.DateTimeField("lancé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "visa groupé"
        verbose_name_plural = "visas groupés"

    def __str__(self) -> str:
        return f"Visa groupé de {len(self.letter_ids)} lettres"

    @property
    def total(self) -> int:
        return len(self.letter_ids)

    @property
    def processed(self) -> int:
        return len(self.done_ids) + len(self.failures)

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.processed / self.total)


def letter_pdf_path(instance: LetterPdf, filename: str) -> str:
    """Where a letter's PDF is stored: one folder per académie and school year."""
    return f"lettres/{instance.academie.code}/{instance.letter.school_year.start_year}/{filename}"


class LetterPdf(models.Model):
    """The signed PDF of an issued letter (an amendment has its own), stored once through the
    storage API, with its SHA-256 and size; `sealed` once the académie's seal is applied."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    letter = models.OneToOneField(
        Letter, verbose_name="lettre", on_delete=models.PROTECT, related_name="pdf"
    )
    file = models.FileField("fichier", upload_to=letter_pdf_path, max_length=300)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size = models.PositiveIntegerField("taille (octets)")
    rendered_at = models.DateTimeField("produit le")
    sealed = models.BooleanField("scellé", default=False)
    # The last bulk regeneration that produced this file: a run of that job again skips it.
    regenerated_by = models.ForeignKey(
        "LetterPdfJob",
        verbose_name="régénéré par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "PDF de lettre de mission"
        verbose_name_plural = "PDF de lettres de mission"

    def __str__(self) -> str:
        return f"PDF de la lettre {self.letter.reference}"


class LetterPdfFailure(models.Model):
    """Why an issued letter has no PDF yet, when producing it failed for a reason that waiting
    will not mend (the académie's sealing certificate missing or unreadable): shown on the
    letter's page until a new attempt succeeds."""

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    letter = models.OneToOneField(
        Letter, verbose_name="lettre", on_delete=models.CASCADE, related_name="pdf_failure"
    )
    error = models.TextField("erreur")
    attempts = models.PositiveSmallIntegerField("essais", default=1)
    failed_at = models.DateTimeField("dernier échec le")

    objects = TenantManager()

    class Meta:
        verbose_name = "échec de production du PDF"
        verbose_name_plural = "échecs de production du PDF"

    def __str__(self) -> str:
        return f"PDF de la lettre {self.letter_id} : {self.error[:60]}"


class SealCertificate(models.Model):
    """An académie's sealing certificate, installed by a platform administrator: the PKCS#12
    file and its passphrase, kept encrypted with the platform's secret (`missions.seal_store`).

    One is current per académie; a replaced one is kept (`retired_at`), so that the letters it
    sealed still verify as the académie's. Without any, the certificate file of `RUPN_SEAL_DIR`
    is used (development, demo, configuration by files).
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    pkcs12 = models.BinaryField("fichier PKCS#12")
    passphrase_encrypted = models.TextField("phrase secrète (chiffrée)", blank=True)
    subject = models.CharField("titulaire", max_length=300)
    issuer = models.CharField("émetteur", max_length=300)
    serial_number = models.CharField("numéro de série", max_length=80)
    fingerprint_sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    not_before = models.DateTimeField("valide à partir du")
    not_after = models.DateTimeField("valide jusqu’au")
    installed_at = models.DateTimeField("installé le", auto_now_add=True)
    installed_by = models.ForeignKey(
        "accounts.User",
        verbose_name="installé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retired_at = models.DateTimeField("remplacé le", null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "certificat de sceau"
        verbose_name_plural = "certificats de sceau"
        ordering = ["academie", "-installed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie"],
                condition=models.Q(retired_at__isnull=True),
                name="seal_certificate_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} (jusqu’au {self.not_after:%d/%m/%Y})"


# --- Bulk operations on the issued letters' PDFs ------------------------------------------------


class PdfJobKind(models.TextChoices):
    REGENERATE = "regenerate", "Régénération des PDF"
    ZIP = "zip", "Archive ZIP"


class PdfJobStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échec"


ACTIVE_PDF_JOB_STATUSES = (PdfJobStatus.QUEUED, PdfJobStatus.RUNNING)


def pdf_job_zip_path(instance: LetterPdfJob, filename: str) -> str:
    """Archives beside the letters: one folder per académie and school year."""
    return f"lettres/{instance.academie.code}/{instance.school_year.start_year}/archives/{filename}"


class LetterPdfJob(models.Model):
    """A DANE admin's operation on all the issued letters of a year (filtered by département
    and type of establishment): regenerate their PDF, or gather them in one ZIP archive.

    `letter_ids` is the list of letters fixed at the start; `done_count` counts those handled
    (stored or failed) in that order, saved after each chunk, so a run started again goes on
    from there. One active job of each kind per académie at a time (the database says so).
    """

    academie = models.ForeignKey(
        Academie, verbose_name="académie", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("opération", max_length=12, choices=PdfJobKind.choices)
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="année scolaire", on_delete=models.PROTECT, related_name="+"
    )
    departement_ids = models.JSONField("départements", default=list, blank=True)
    establishment_types = models.JSONField("types d’établissement", default=list, blank=True)
    letter_ids = models.JSONField("lettres", default=list)
    status = models.CharField(
        "état", max_length=10, choices=PdfJobStatus.choices, default=PdfJobStatus.QUEUED
    )
    total = models.PositiveIntegerField("nombre de lettres", default=0)
    done_count = models.PositiveIntegerField("lettres traitées", default=0)
    failed_count = models.PositiveIntegerField("lettres en échec", default=0)
    failures = models.JSONField("premières erreurs", default=list, blank=True)
    error = models.TextField("erreur", blank=True)
    run_token = models.CharField("exécution en cours", max_length=64, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name="rôle", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("lancée le", auto_now_add=True)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    progress_at = models.DateTimeField("dernière progression", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    zip_file = models.FileField("archive", upload_to=pdf_job_zip_path, max_length=300, blank=True)
    zip_size = models.PositiveBigIntegerField("taille de l’archive (octets)", null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "opération sur les PDF des lettres"
        verbose_name_plural = "opérations sur les PDF des lettres"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["academie", "kind"],
                condition=models.Q(status__in=["queued", "running"]),
                name="letter_pdf_job_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.school_year} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_PDF_JOB_STATUSES

    @property
    def is_finished(self) -> bool:
        return not self.is_active

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done_count / self.total))
