"""People, their roles in an académie (memberships) and invitations."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from establishments.models import Academie, Departement, Establishment, SchoolYear
from tenancy.guard import TenantManager
from tenancy.roles import DANE_ROLES, DIRECTION_ROLES, ESTABLISHMENT_ROLES, Role

__all__ = [
    "DANE_ROLES",
    "DIRECTION_ROLES",
    "ESTABLISHMENT_ROLES",
    "Civility",
    "Invitation",
    "Membership",
    "Role",
    "User",
]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("Une adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class Civility(models.TextChoices):
    MME = "mme", "Mme"
    M = "m", "M."


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address; roles come from memberships.

    `is_staff`/`is_superuser` mark platform administrators (Django admin, all académies).
    """

    email = models.EmailField("adresse électronique", unique=True)
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices, blank=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    discipline = models.CharField("discipline", max_length=100, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("administrateur de la plateforme", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def formal_name(self) -> str:
        """« Mme Camille Martin », as a letter names a person."""
        civility = self.get_civility_display() if self.civility else ""
        return " ".join(part for part in (civility, self.full_name or self.email) if part)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class Membership(models.Model):
    """One role a person holds in one académie.

    Its scope depends on the role: the whole académie (DANE admin), some départements
    (coordinator), some establishments (principal, deputy) or one establishment for one school
    year (RUPN). A person may hold several memberships and switches between them.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name="personne"
    )
    academie = models.ForeignKey(
        Academie, on_delete=models.CASCADE, related_name="memberships", verbose_name="académie"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    departements = models.ManyToManyField(
        Departement, blank=True, related_name="coordinators", verbose_name="départements"
    )
    establishments = models.ManyToManyField(
        Establishment, blank=True, related_name="memberships", verbose_name="établissements"
    )
    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="année scolaire",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        verbose_name="attribué par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name="révoqué par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantManager.from_queryset(MembershipQuerySet)()

    class Meta:
        verbose_name = "rôle"
        verbose_name_plural = "rôles"
        ordering = ["academie__name", "role"]
        indexes = [models.Index(fields=["academie", "role"])]
        constraints = [
            # Child rows name it with their académie: see tenancy.constraints.
            models.UniqueConstraint(fields=["id", "academie"], name="membership_id_academie"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} – {self.academie.name}"

    @property
    def is_dane(self) -> bool:
        return self.role in DANE_ROLES

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An invitation to hold a role, sent by email as a single-use link valid a limited time.

    Only a hash of the token is stored: the link itself exists only in the email.
    """

    academie = models.ForeignKey(
        Academie, on_delete=models.CASCADE, related_name="invitations", verbose_name="académie"
    )
    email = models.EmailField("adresse électronique")
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    departements = models.ManyToManyField(
        Departement, verbose_name="départements", blank=True, related_name="+"
    )
    establishments = models.ManyToManyField(
        Establishment, verbose_name="établissements", blank=True, related_name="+"
    )
    school_year = models.ForeignKey(
        SchoolYear,
        verbose_name="année scolaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User,
        verbose_name="invitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name="acceptée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        verbose_name="annulée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    membership = models.OneToOneField(
        Membership,
        verbose_name="rôle créé",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    email_sent_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)
    email_error = models.TextField("erreur d’envoi", blank=True)

    objects = TenantManager.from_queryset(InvitationQuerySet)()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} – {self.get_role_display()}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class MfaAuthenticator(Authenticator):
    """allauth's authenticators (authenticator app, recovery codes), named in French in the
    admin: a proxy, so allauth's own table and code are unchanged."""

    class Meta:
        proxy = True
        verbose_name = "authentificateur (double authentification)"
        verbose_name_plural = "authentificateurs (double authentification)"
