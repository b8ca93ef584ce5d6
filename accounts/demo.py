"""Demonstration data: two académies, their establishments and one account for every role.

Used by `manage.py load_demo` (and so by `python3 dev.py run` on an empty database) and by the
tests. Building twice adds nothing: académies, départements, establishments, pupil counts,
accounts and roles that already exist are left as they are.

Académies and establishments are created directly here: there is no service for them yet (a
platform administrator creates académies in the Django admin, a DANE imports its
establishments). Roles go through `membership_grant`, as a DANE administrator would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from accounts.models import Membership, Role, User
from accounts.services import membership_grant
from establishments.models import (
    Academie,
    Departement,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
    Sector,
)
from establishments.national_list import national_academie
from establishments.uai import make_uai
from tenancy.scope import Scope

# Shared by every demo account; printed by `load_demo`. Never use it outside a demonstration.
DEMO_PASSWORD = "demo-rupn-2025"
DEMO_SUPERUSER_EMAIL = "admin@rupn-demo.example"
PUPIL_SOURCE = "démonstration"

C, LGT, LP, LPO, EREA = (
    EstablishmentType.COLLEGE,
    EstablishmentType.LGT,
    EstablishmentType.LP,
    EstablishmentType.LPO,
    EstablishmentType.EREA,
)
PUB, PRIV = Sector.PUBLIC, Sector.PRIVATE
ECLORE = "Réseau ECLORE"


@dataclass(frozen=True)
class EstablishmentSpec:
    key: str  # a short name the accounts below refer to
    departement: str
    type: str
    sector: str
    name: str
    commune: str
    pupils: int | None  # current school year; None shows the "effectif manquant" case
    pupils_previous: int | None
    bassin: str = ""


@dataclass(frozen=True)
class AccountSpec:
    email_local: str
    first_name: str
    last_name: str
    civility: str
    # (role, establishment keys, département codes) for each role the person holds
    roles: tuple[tuple[Role, tuple[str, ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class AcademieSpec:
    name: str
    slug: str
    code: str
    departements: dict[str, str]
    establishments: tuple[EstablishmentSpec, ...]
    accounts: tuple[AccountSpec, ...]

    @property
    def email_domain(self) -> str:
        return f"{self.slug}.rupn-demo.example"


E = EstablishmentSpec
LYCEE_PRO = "Lycée professionnel"

# Pupil counts sit on both sides of the IMP thresholds (collège 200, lycée 500, EREA ~100).
# Columns: key, département, type, sector, name, commune, pupils now, pupils last year[, bassin]
POITIERS_ESTABLISHMENTS = (
    E("guez", "16", LGT, PUB, "Lycée Guez de Balzac", "Angoulême", 900, 880),
    E("vinet", "16", LPO, PUB, "Lycée Élie Vinet", "Barbezieux-Saint-Hilaire", 500, 512),
    E("gregoire", "16", LP, PUB, f"{LYCEE_PRO} Jean-Albert Grégoire", "Soyaux", 480, 471),
    E("noel", "16", C, PUB, "Collège Noël-Noël", "Confolens", 150, 158),
    E("michelet", "16", C, PUB, "Collège Jules Michelet", "Angoulême", 200, 205),
    E("stpaul", "16", C, PRIV, "Collège Saint-Paul", "Angoulême", 420, 409),
    E("fromentin", "17", C, PUB, "Collège Fromentin", "La Rochelle", 201, 199),
    E("quinet", "17", C, PUB, "Collège Edgar Quinet", "Saintes", 550, 561),
    E("dautet", "17", LGT, PUB, "Lycée Jean Dautet", "La Rochelle", 1200, 1185),
    E("doriole", "17", LP, PUB, f"{LYCEE_PRO} Doriole", "La Rochelle", 350, 366),
    E("fenelon", "17", LPO, PRIV, "Lycée Fénelon Notre-Dame", "La Rochelle", 501, 495),
    E("erea17", "17", EREA, PUB, "EREA Pierre Loti", "Rochefort", 100, 96),
    E("zay", "79", C, PUB, "Collège Jean Zay", "Niort", 199, 210),
    E("stjoseph", "79", C, PRIV, "Collège Saint-Joseph", "Bressuire", 280, 275),
    E("mace", "79", LGT, PUB, "Lycée Jean Macé", "Niort", 501, 520),
    E("barre", "79", LP, PUB, f"{LYCEE_PRO} Gaston Barré", "Niort", None, 415),
    E("henri4", "86", C, PUB, "Collège Henri IV", "Poitiers", 600, 590),
    E("verne", "86", C, PUB, "Collège Jules Verne", "Buxerolles", 310, 302),
    E("hugo", "86", LGT, PUB, "Lycée Victor Hugo", "Poitiers", 1300, 1290),
    E("isaac", "86", LP, PRIV, f"{LYCEE_PRO} Isaac de l’Étoile", "Poitiers", 230, 241),
    E("berthelot", "86", LPO, PUB, "Lycée Marcelin Berthelot", "Châtellerault", 480, 488),
    E("erea86", "86", EREA, PUB, "EREA de Poitiers", "Poitiers", 101, 104),
)

BORDEAUX_ESTABLISHMENTS = (
    E("montaigne24", "24", C, PUB, "Collège Michel de Montaigne", "Périgueux", 450, 441),
    E("ferry", "24", C, PUB, "Collège Jules Ferry", "Terrasson-Lavilledieu", 150, 162),
    E("born", "24", LGT, PUB, "Lycée Bertran de Born", "Périgueux", 1100, 1080),
    E("claveille", "24", LP, PUB, f"{LYCEE_PRO} Albert Claveille", "Périgueux", 500, 490),
    E("ellul", "33", C, PUB, "Collège Jacques Ellul", "Bordeaux", 200, 190, ECLORE),
    E("lebrun", "33", C, PRIV, "Collège Grand Lebrun", "Bordeaux", 700, 688, ECLORE),
    E("mauriac", "33", C, PUB, "Collège François Mauriac", "Saint-Médard", 201, 202, ECLORE),
    E("montaigne33", "33", LGT, PUB, "Lycée Montaigne", "Bordeaux", 1500, 1480, ECLORE),
    E("eiffel", "33", LPO, PUB, "Lycée Gustave Eiffel", "Bordeaux", 2000, 1990, ECLORE),
    E("monnet", "33", LP, PUB, f"{LYCEE_PRO} Jean Monnet", "Blanquefort", 480, 475),
    E("erea33", "33", EREA, PUB, "EREA d’Eysines", "Eysines", 110, 105, ECLORE),
    E("rostand", "40", C, PUB, "Collège Jean Rostand", "Mont-de-Marsan", 350, 362),
    E("duruy", "40", LGT, PUB, "Lycée Victor Duruy", "Mont-de-Marsan", 501, 498),
    E("stjacques", "40", LP, PRIV, f"{LYCEE_PRO} Saint-Jacques", "Dax", None, 248),
    E("chaumie", "47", C, PUB, "Collège Joseph Chaumié", "Agen", 199, 207),
    E("palissy", "47", LGT, PUB, "Lycée Bernard Palissy", "Agen", 900, 912),
    E("catherine", "47", LPO, PRIV, "Lycée Sainte-Catherine", "Villeneuve-sur-Lot", 500, 505),
    E("erea47", "47", EREA, PUB, "EREA de Villeneuve-sur-Lot", "Villeneuve-sur-Lot", 95, 99),
    E("navarre", "64", C, PUB, "Collège Marguerite de Navarre", "Pau", 380, 371),
    E("stbernard", "64", C, PRIV, "Collège Saint-Bernard", "Bayonne", 480, 470),
    E("barthou", "64", LGT, PUB, "Lycée Louis Barthou", "Pau", 1400, 1390),
    E("bert", "64", LP, PUB, f"{LYCEE_PRO} Paul Bert", "Bayonne", 480, None),
)


POITIERS_ACCOUNTS = (
    AccountSpec("dane", "Sophie", "Garnier", "mme", ((Role.DANE_ADMIN, (), ()),)),
    AccountSpec(
        "coordination", "Thomas", "Renaud", "m", ((Role.DANE_COORDINATOR, (), ("16", "17")),)
    ),
    AccountSpec(
        "principal.deux-etablissements",
        "Hélène",
        "Moreau",
        "mme",
        ((Role.PRINCIPAL, ("guez", "michelet"), ()),),
    ),
    AccountSpec("principal", "Marc", "Lefebvre", "m", ((Role.PRINCIPAL, ("fromentin",), ()),)),
    AccountSpec("adjointe", "Claire", "Dubois", "mme", ((Role.DEPUTY, ("guez",), ()),)),
    AccountSpec("rupn", "Julien", "Bernard", "m", ((Role.RUPN, ("guez",), ()),)),
    AccountSpec("rupn.bis", "Nadia", "Benali", "mme", ((Role.RUPN, ("guez",), ()),)),
    AccountSpec("rupn.college", "Pierre", "Fontaine", "m", ((Role.RUPN, ("fromentin",), ()),)),
    AccountSpec("rupn.erea", "Amandine", "Roux", "mme", ((Role.RUPN, ("erea17",), ()),)),
    AccountSpec(
        "principal.rupn",
        "Laurent",
        "Girard",
        "m",
        ((Role.PRINCIPAL, ("zay",), ()), (Role.RUPN, ("hugo",), ())),
    ),
)

BORDEAUX_ACCOUNTS = (
    AccountSpec("dane", "Isabelle", "Lacoste", "mme", ((Role.DANE_ADMIN, (), ()),)),
    AccountSpec(
        "coordination", "Olivier", "Darrieux", "m", ((Role.DANE_COORDINATOR, (), ("33",)),)
    ),
    AccountSpec(
        "principal.deux-etablissements",
        "Catherine",
        "Etcheverry",
        "mme",
        ((Role.PRINCIPAL, ("montaigne33", "ellul"), ()),),
    ),
    AccountSpec("principal", "François", "Duprat", "m", ((Role.PRINCIPAL, ("born",), ()),)),
    AccountSpec("adjoint", "Nicolas", "Labarthe", "m", ((Role.DEPUTY, ("montaigne33",), ()),)),
    AccountSpec("rupn", "Émilie", "Castaing", "mme", ((Role.RUPN, ("montaigne33",), ()),)),
    AccountSpec("rupn.bis", "Karim", "Haddad", "m", ((Role.RUPN, ("montaigne33",), ()),)),
    AccountSpec("rupn.college", "Léa", "Bordes", "mme", ((Role.RUPN, ("born",), ()),)),
    AccountSpec("rupn.lp", "Yannick", "Mendiboure", "m", ((Role.RUPN, ("bert",), ()),)),
    AccountSpec(
        "principal.rupn",
        "Sandrine",
        "Lafargue",
        "mme",
        ((Role.PRINCIPAL, ("rostand",), ()), (Role.RUPN, ("eiffel",), ())),
    ),
)

ACADEMIES = (
    AcademieSpec(
        name="Poitiers",
        slug="poitiers",
        code="13",
        departements={
            "16": "Charente",
            "17": "Charente-Maritime",
            "79": "Deux-Sèvres",
            "86": "Vienne",
        },
        establishments=POITIERS_ESTABLISHMENTS,
        accounts=POITIERS_ACCOUNTS,
    ),
    AcademieSpec(
        name="Bordeaux",
        slug="bordeaux",
        code="04",
        departements={
            "24": "Dordogne",
            "33": "Gironde",
            "40": "Landes",
            "47": "Lot-et-Garonne",
            "64": "Pyrénées-Atlantiques",
        },
        establishments=BORDEAUX_ESTABLISHMENTS,
        accounts=BORDEAUX_ACCOUNTS,
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str  # French label, or several joined
    academie: str
    email: str
    scope: str


@dataclass
class DemoReport:
    academies_created: int = 0
    establishments_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.academies_created
            or self.establishments_created
            or self.users_created
            or self.memberships_created
        )


def demo_emails() -> list[str]:
    emails = [DEMO_SUPERUSER_EMAIL]
    for spec in ACADEMIES:
        emails += [f"{a.email_local}@{spec.email_domain}" for a in spec.accounts]
    return emails


def establishment_uai(spec: EstablishmentSpec, index: int) -> str:
    """A valid UAI in the establishment's département, stable from one run to the next."""
    return make_uai(f"{int(spec.departement):03d}", 9000 + index)


@transaction.atomic
def demo_build() -> DemoReport:
    """Create whatever part of the demonstration is missing; returns what was created."""
    report = DemoReport()
    current = SchoolYear.objects.current()
    previous, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    # One hash for all accounts: hashing is deliberately slow and the password is shared.
    password_hash = make_password(DEMO_PASSWORD)

    superuser = User.objects.filter(email=DEMO_SUPERUSER_EMAIL).first()
    if superuser is None:
        superuser = User.objects.create_superuser(
            email=DEMO_SUPERUSER_EMAIL, first_name="Admin", last_name="Plateforme"
        )
        superuser.password = password_hash
        superuser.save(update_fields=["password"])
        report.users_created += 1
    _verify_email(superuser)
    report.accounts.append(
        DemoAccount(
            "Administrateur de la plateforme", "toutes", DEMO_SUPERUSER_EMAIL, "administration"
        )
    )

    for spec in ACADEMIES:
        _build_academie(spec, current, previous, password_hash, superuser, report)
    return report


def _build_academie(
    spec: AcademieSpec,
    current: SchoolYear,
    previous: SchoolYear,
    password_hash: str,
    superuser: User,
    report: DemoReport,
) -> None:
    # An académie with the same code, slug or name is the one to complete (unique fields).
    academie = Academie.objects.filter(
        Q(code=spec.code) | Q(slug=spec.slug) | Q(name=spec.name)
    ).first()
    if academie is None:
        academie = Academie.objects.create(
            name=spec.name,
            slug=spec.slug,
            code=spec.code,
            region_academique=getattr(national_academie(spec.code), "region_academique", ""),
            mfa_required_for_dane=False,
            contact_email=f"dane@{spec.email_domain}",
        )
        report.academies_created += 1
    departements: dict[str, Departement] = {}
    for code, name in spec.departements.items():
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            departement = Departement.objects.create(academie=academie, code=code, name=name)
        if departement.academie_id == academie.pk:
            departements[code] = departement

    establishments: dict[str, Establishment] = {}
    for index, e in enumerate(spec.establishments, start=1):
        departement = departements.get(e.departement)
        if departement is None:  # the département belongs to another académie here
            continue
        uai = establishment_uai(e, index)
        establishment = Establishment.objects.filter(uai=uai).first()
        if establishment is None:
            establishment = Establishment.objects.create(
                academie=academie,
                uai=uai,
                name=e.name,
                type=e.type,
                sector=e.sector,
                departement=departement,
                commune=e.commune,
                email=f"ce.{uai.lower()}@{spec.email_domain}",
                bassin=e.bassin,
            )
            report.establishments_created += 1
        if establishment.academie_id != academie.pk:
            continue
        establishments[e.key] = establishment
        for year, pupils in ((current, e.pupils), (previous, e.pupils_previous)):
            if pupils is not None:
                PupilCount.objects.get_or_create(
                    establishment=establishment,
                    school_year=year,
                    defaults={"academie": academie, "pupils": pupils, "source": PUPIL_SOURCE},
                )

    for account in spec.accounts:
        email = f"{account.email_local}@{spec.email_domain}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                first_name=account.first_name,
                last_name=account.last_name,
                civility=account.civility,
            )
            user.password = password_hash
            user.save(update_fields=["password"])
            report.users_created += 1
        _verify_email(user)
        labels, scopes = [], []
        for role, establishment_keys, departement_codes in account.roles:
            if any(k not in establishments for k in establishment_keys) or any(
                c not in departements for c in departement_codes
            ):
                continue  # part of its scope was skipped above: grant nothing rather than less
            scope_establishments = [establishments[k] for k in establishment_keys]
            scope_departements = [departements[c] for c in departement_codes]
            if not Membership.objects.filter(user=user, academie=academie, role=role).exists():
                membership_grant(
                    academie=academie,
                    user=user,
                    role=role,
                    actor=Scope.platform(academie.pk, user_id=superuser.pk),
                    establishments=scope_establishments,
                    departements=scope_departements,
                    school_year=current if role == Role.RUPN else None,
                )
                report.memberships_created += 1
            labels.append(role.label)
            scopes.append(
                ", ".join(e.name for e in scope_establishments)
                or ", ".join(d.name for d in scope_departements)
                or "toute l’académie"
            )
        report.accounts.append(
            DemoAccount(
                role=" + ".join(str(label) for label in labels),
                academie=spec.name,
                email=email,
                scope=" / ".join(scopes),
            )
        )


def _verify_email(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def demo_accounts_present() -> list[DemoAccount]:
    """The demo accounts found in the database, for printing without creating anything."""
    rows: list[DemoAccount] = []
    if User.objects.filter(email=DEMO_SUPERUSER_EMAIL, is_superuser=True).exists():
        rows.append(
            DemoAccount(
                "Administrateur de la plateforme", "toutes", DEMO_SUPERUSER_EMAIL, "administration"
            )
        )
    users = {u.email: u for u in User.objects.filter(email__in=demo_emails())}
    for spec in ACADEMIES:
        for account in spec.accounts:
            user = users.get(f"{account.email_local}@{spec.email_domain}")
            if user is None:
                continue
            roles: list[str] = []
            for m in (
                Membership.objects.active()
                .filter(user=user, academie__code=spec.code)
                .order_by("pk")
            ):
                label = str(Role(m.role).label)
                if label not in roles:  # a RUPN has one membership per school year
                    roles.append(label)
            if roles:
                rows.append(DemoAccount(" + ".join(roles), spec.name, user.email, ""))
    return rows
