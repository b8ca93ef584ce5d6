"""Builders of "Annuaire de l'éducation" CSV files in the real export's format.

The header is the one of `fr-en-annuaire-education` exported from data.education.gouv.fr:
72 columns, in "labels" spelling (`Identifiant_de_l_etablissement`; some columns are lower-case
even there) or "field names" spelling (all lower-case). Rows are keyed by the lower-case name.
"""

from __future__ import annotations

from establishments.uai import make_uai

HEADER_LABELS = [
    "Identifiant_de_l_etablissement",
    "Nom_etablissement",
    "Type_etablissement",
    "Statut_public_prive",
    "Adresse_1",
    "Adresse_2",
    "Adresse_3",
    "Code_postal",
    "Code_commune",
    "Nom_commune",
    "Code_departement",
    "Code_academie",
    "Code_region",
    "Ecole_maternelle",
    "Ecole_elementaire",
    "Voie_generale",
    "Voie_technologique",
    "Voie_professionnelle",
    "Telephone",
    "Fax",
    "Web",
    "Mail",
    "Restauration",
    "Hebergement",
    "ULIS",
    "Apprentissage",
    "Segpa",
    "Section_arts",
    "Section_cinema",
    "Section_theatre",
    "Section_sport",
    "Section_internationale",
    "Section_europeenne",
    "Lycee_Agricole",
    "Lycee_militaire",
    "Lycee_des_metiers",
    "Post_BAC",
    "Appartenance_Education_Prioritaire",
    "GRETA",
    "SIREN_SIRET",
    "Nombre_d_eleves",
    "Fiche_onisep",
    "position",
    "Type_contrat_prive",
    "Libelle_departement",
    "Libelle_academie",
    "Libelle_region",
    "coordX_origine",
    "coordY_origine",
    "epsg_origine",
    "nom_circonscription",
    "latitude",
    "longitude",
    "precision_localisation",
    "date_ouverture",
    "date_maj_ligne",
    "etat",
    "ministere_tutelle",
    "multi_uai",
    "rpi_concentre",
    "rpi_disperse",
    "code_nature",
    "libelle_nature",
    "Code_type_contrat_prive",
    "PIAL",
    "etablissement_mere",
    "type_rattachement_etablissement_mere",
    "code_circonscription",
    "code_zone_animation_pedagogique",
    "libelle_zone_animation_pedagogique",
    "code_bassin_formation",
    "libelle_bassin_formation",
]
HEADER_FIELDS = [name.lower() for name in HEADER_LABELS]

DEPARTEMENTS = {
    # code in the annuaire: (name, académie code, académie name, région, chef-lieu, postcode)
    "016": ("Charente", "13", "Poitiers", "Nouvelle-Aquitaine", "Angoulême", "16000"),
    "017": ("Charente-Maritime", "13", "Poitiers", "Nouvelle-Aquitaine", "La Rochelle", "17000"),
    "079": ("Deux-Sèvres", "13", "Poitiers", "Nouvelle-Aquitaine", "Niort", "79000"),
    "086": ("Vienne", "13", "Poitiers", "Nouvelle-Aquitaine", "Poitiers", "86000"),
    "033": ("Gironde", "04", "Bordeaux", "Nouvelle-Aquitaine", "Bordeaux", "33000"),
    "024": ("Dordogne", "04", "Bordeaux", "Nouvelle-Aquitaine", "Périgueux", "24000"),
}

NATURES = {
    "Collège": ("340", "COLLEGE"),
    "Lycée": ("300", "LYCEE D ENSEIGNEMENT GENERAL ET TECHNOLOGIQUE"),
    "EREA": ("370", "ETABLISSEMENT REGIONAL D'ENSEIGNEMENT ADAPTE"),
    "Ecole": ("151", "ECOLE DE NIVEAU ELEMENTAIRE"),
    "Information et orientation": ("810", "CENTRE D'INFORMATION ET D'ORIENTATION"),
    "Médico-social": ("451", "INSTITUT MEDICO-EDUCATIF"),
    "Service Administratif": ("850", "SERVICE ADMINISTRATIF"),
}


def uai_for(departement: str, serial: int) -> str:
    """A valid UAI of the département `016`/`033` (the annuaire's spelling)."""
    return make_uai(departement, serial)


def annuaire_row(
    *,
    uai: str,
    name: str,
    type: str = "Collège",
    departement: str = "016",
    sector: str = "Public",
    pupils: str = "420",
    commune: str | None = None,
    mail: str | None = None,
    voies: tuple[str, str, str] = ("", "", ""),
    **extra: str,
) -> dict[str, str]:
    """One row with every column filled as the annuaire does; `extra` overrides by field name."""
    dep_name, academie_code, academie_name, region, chef_lieu, postcode = DEPARTEMENTS.get(
        departement, ("Inconnu", "13", "Poitiers", "Nouvelle-Aquitaine", "Inconnue", "00000")
    )
    code_nature, libelle_nature = NATURES.get(type, ("999", type.upper()))
    is_ecole = type == "Ecole"
    row = {
        "identifiant_de_l_etablissement": uai,
        "nom_etablissement": name,
        "type_etablissement": type,
        "statut_public_prive": sector,
        "adresse_1": "12 rue des Écoles",
        "adresse_2": "",
        "adresse_3": f"{postcode} {(commune or chef_lieu).upper()}",
        "code_postal": postcode,
        "code_commune": f"{departement[1:]}{uai[3:6]}",
        "nom_commune": commune if commune is not None else chef_lieu,
        "code_departement": departement,
        "code_academie": academie_code,
        "code_region": "75",
        "ecole_maternelle": "1" if is_ecole else "",
        "ecole_elementaire": "1" if is_ecole else "",
        "voie_generale": voies[0],
        "voie_technologique": voies[1],
        "voie_professionnelle": voies[2],
        "telephone": "05 45 95 00 00",
        "fax": "",
        "web": "",
        "mail": mail if mail is not None else f"ce.{uai.lower()}@ac-{academie_name.lower()}.fr",
        "restauration": "1",
        "hebergement": "0",
        "ulis": "0",
        "apprentissage": "",
        "segpa": "0",
        "section_arts": "",
        "section_cinema": "",
        "section_theatre": "",
        "section_sport": "",
        "section_internationale": "",
        "section_europeenne": "0",
        "lycee_agricole": "",
        "lycee_militaire": "",
        "lycee_des_metiers": "",
        "post_bac": "",
        "appartenance_education_prioritaire": "",
        "greta": "",
        "siren_siret": "19" + uai[:7] + "00014",
        "nombre_d_eleves": pupils,
        "fiche_onisep": "https://www.onisep.fr/http/redirection/etablissement/slug/ENS.1234",
        "position": "45.648, 0.156",
        "type_contrat_prive": "SANS OBJET" if sector == "Public" else "CONTRAT D'ASSOCIATION",
        "libelle_departement": dep_name,
        "libelle_academie": academie_name,
        "libelle_region": region,
        "coordx_origine": "475123.4",
        "coordy_origine": "6509876.5",
        "epsg_origine": "EPSG:2154",
        "nom_circonscription": "",
        "latitude": "45.648",
        "longitude": "0.156",
        "precision_localisation": "Numéro de rue",
        "date_ouverture": "1965-09-01",
        "date_maj_ligne": "2025-09-15",
        "etat": "OUVERT",
        "ministere_tutelle": "MINISTERE DE L'EDUCATION NATIONALE",
        "multi_uai": "0",
        "rpi_concentre": "",
        "rpi_disperse": "",
        "code_nature": code_nature,
        "libelle_nature": libelle_nature,
        "code_type_contrat_prive": "99" if sector == "Public" else "30",
        "pial": "",
        "etablissement_mere": "",
        "type_rattachement_etablissement_mere": "",
        "code_circonscription": "",
        "code_zone_animation_pedagogique": "",
        "libelle_zone_animation_pedagogique": "",
        "code_bassin_formation": f"{departement[1:]}001",
        "libelle_bassin_formation": chef_lieu.upper(),
    }
    row.update(extra)
    return row


def _quote(value: str, separator: str) -> str:
    if any(c in value for c in (separator, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def annuaire_csv(
    rows: list[dict[str, str]],
    *,
    header_style: str = "labels",
    bom: bool = True,
    separator: str = ";",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> bytes:
    """The bytes of a file like the export (CRLF line ends, as opendatasoft writes them)."""
    names = header or (HEADER_LABELS if header_style == "labels" else HEADER_FIELDS)
    lines = [separator.join(names)]
    for row in rows:
        lines.append(separator.join(_quote(row.get(n.lower(), ""), separator) for n in names))
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    return data


def poitiers_sample_rows() -> list[dict[str, str]]:
    """The rows of `tests/data/annuaire/poitiers_libelles.csv`: Poitiers with neighbours."""
    return [
        annuaire_row(uai=uai_for("016", 1001), name="Collège Jean Moulin", commune="Angoulême"),
        annuaire_row(
            uai=uai_for("016", 1002),
            name="Collège Sainte-Marthe Chavagnes",
            sector="Privé",
            commune="Angoulême",
            pupils="612",
        ),
        annuaire_row(
            uai=uai_for("016", 1003),
            name="Lycée Guez de Balzac",
            type="Lycée",
            voies=("1", "1", "0"),
            pupils="1 245",
        ),
        annuaire_row(
            uai=uai_for("017", 1004),
            name="Lycée professionnel Marcel Dassault",
            type="Lycée",
            departement="017",
            commune="Rochefort",
            voies=("0", "0", "1"),
            pupils="380",
            libelle_nature="LYCEE PROFESSIONNEL",
            code_nature="320",
        ),
        annuaire_row(
            uai=uai_for("079", 1005),
            name="Lycée polyvalent Paul Guérin",
            type="Lycée",
            departement="079",
            voies=("1", "1", "1"),
            pupils="1530",
            libelle_nature="LYCEE POLYVALENT",
            code_nature="306",
        ),
        annuaire_row(
            uai=uai_for("086", 1006),
            name="EREA Jean-Louis Ballandras",
            type="EREA",
            departement="086",
            commune="Poitiers",
            pupils="145",
        ),
        # A collège whose count the annuaire does not give (frequent for recent openings).
        annuaire_row(
            uai=uai_for("086", 1007),
            name="Collège François Rabelais",
            departement="086",
            commune="Poitiers",
            pupils="",
        ),
        annuaire_row(
            uai=uai_for("017", 1008),
            name='Collège "Les Salines"',
            departement="017",
            commune="Saint-Pierre-d’Oléron",
            pupils="233",
        ),
        # Types the RUPN do not concern: ignored, not errors.
        annuaire_row(
            uai=uai_for("016", 1101),
            name="École élémentaire Jules Ferry",
            type="Ecole",
            pupils="180",
        ),
        annuaire_row(
            uai=uai_for("086", 1102),
            name="CIO de Poitiers",
            type="Information et orientation",
            departement="086",
            pupils="",
        ),
        annuaire_row(
            uai=uai_for("079", 1103),
            name="IME Les Sources",
            type="Médico-social",
            departement="079",
            pupils="",
        ),
        annuaire_row(
            uai=uai_for("086", 1104),
            name="Direction des services départementaux de la Vienne",
            type="Service Administratif",
            departement="086",
            pupils="",
        ),
        # Another académie's rows in the same national file: ignored.
        annuaire_row(
            uai=uai_for("033", 1201),
            name="Lycée Montaigne",
            type="Lycée",
            departement="033",
            voies=("1", "1", "0"),
            pupils="2010",
        ),
        annuaire_row(
            uai=uai_for("024", 1202),
            name="Collège Michel de Montaigne",
            departement="024",
            pupils="540",
        ),
    ]


# Names of real-looking establishments of the académie, by département (for the export below).
_EXPORT_COLLEGES = {
    "016": ["Collège Jules Verne", "Collège Pierre Mendès France", "Collège Marguerite de Valois"],
    "017": [
        "Collège Fromentin",
        "Collège Émile Zola",
        "Collège Joliot-Curie",
        "Collège Beauregard",
    ],
    "079": ["Collège Jean Zay", "Collège Fontanes", "Collège Gérard Philipe"],
    "086": ["Collège Henri IV", "Collège Jules Ferry", "Collège Camille Guérin", "Collège Ronsard"],
}
_EXPORT_ECOLES = ["Jean Jaurès", "Les Tilleuls", "Paul Bert", "Victor Hugo"]
_EXPORT_COMMUNES = {
    "016": ["Angoulême", "Cognac", "Ruffec", "Confolens"],
    "017": ["La Rochelle", "Saintes", "Rochefort", "Royan"],
    "079": ["Niort", "Bressuire", "Parthenay", "Thouars"],
    "086": ["Poitiers", "Châtellerault", "Loudun", "Montmorillon"],
}


def poitiers_export_rows() -> list[dict[str, str]]:
    """The rows of `tests/data/annuaire/poitiers_export.csv`: one académie as the portal exports
    it, with what the importer used to reject in a real file.

    - a majority of écoles, with CIO, IME and services (ignored types);
    - lines with an empty `Type_etablissement` (private training bodies, CFA): ignored;
    - a main site and its annexe under one UAI, the annexe line first; a lycée with two "sites"
      under one UAI; two lines of one UAI where neither name says "annexe" (the first is kept);
    - collèges, lycées (LGT, LP, LPO) and an EREA, public and private, some without pupil count.
    """
    rows: list[dict[str, str]] = []
    serial = 3000
    for departement, communes in _EXPORT_COMMUNES.items():
        for i, name in enumerate(_EXPORT_COLLEGES[departement]):
            serial += 1
            rows.append(
                annuaire_row(
                    uai=uai_for(departement, serial),
                    name=name,
                    departement=departement,
                    commune=communes[i % len(communes)],
                    sector="Privé" if i == 2 else "Public",
                    pupils="" if i == 1 and departement in {"017", "086"} else str(180 + 47 * i),
                )
            )
        for i, commune in enumerate(communes):
            serial += 1
            rows.append(
                annuaire_row(
                    uai=uai_for(departement, serial),
                    name=f"École primaire publique {_EXPORT_ECOLES[i]}",
                    type="Ecole",
                    departement=departement,
                    commune=commune,
                    pupils=str(90 + 13 * i),
                )
            )
    lycees = [
        ("016", "Lycée Guez de Balzac", ("1", "1", "0"), "1 412", "Angoulême"),
        ("017", "Lycée professionnel Doriole", ("0", "0", "1"), "402", "La Rochelle"),
        ("079", "Lycée polyvalent Jean Macé", ("1", "1", "1"), "1 108", "Niort"),
        ("086", "Lycée Victor Hugo", ("1", "1", "0"), "", "Poitiers"),
    ]
    for departement, name, voies, pupils, commune in lycees:
        serial += 1
        rows.append(
            annuaire_row(
                uai=uai_for(departement, serial),
                name=name,
                type="Lycée",
                departement=departement,
                voies=voies,
                pupils=pupils,
                commune=commune,
            )
        )
    rows.append(
        annuaire_row(
            uai=uai_for("086", 3101), name="EREA de Poitiers", type="EREA", departement="086"
        )
    )
    # A main site and its annexe: one UAI, two addresses; the annexe comes first in the file.
    lp_uai = uai_for("017", 3102)
    rows.append(
        annuaire_row(
            uai=lp_uai,
            name="Lycée professionnel Blaise Pascal - Annexe de Marennes",
            type="Lycée",
            departement="017",
            commune="Marennes-Hiers-Brouage",
            voies=("0", "0", "1"),
            pupils="",
            adresse_1="2 avenue du Port",
        )
    )
    rows.append(
        annuaire_row(
            uai=lp_uai,
            name="Lycée professionnel Blaise Pascal",
            type="Lycée",
            departement="017",
            commune="Saintes",
            voies=("0", "0", "1"),
            pupils="512",
        )
    )
    # Two sites of one lycée: "Site de …" for the second.
    lpo_uai = uai_for("079", 3103)
    rows.append(
        annuaire_row(
            uai=lpo_uai,
            name="Lycée polyvalent du Haut Val de Sèvre",
            type="Lycée",
            departement="079",
            commune="Saint-Maixent-l’École",
            voies=("1", "1", "1"),
            pupils="890",
        )
    )
    rows.append(
        annuaire_row(
            uai=lpo_uai,
            name="Lycée polyvalent du Haut Val de Sèvre - Site de la Mothe",
            type="Lycée",
            departement="079",
            commune="La Mothe-Saint-Héray",
            voies=("1", "1", "1"),
            pupils="",
        )
    )
    # One UAI twice, neither name mentions an annexe: the first line is kept.
    college_uai = uai_for("086", 3104)
    rows.append(
        annuaire_row(
            uai=college_uai, name="Collège Jean Moulin", departement="086", commune="Poitiers"
        )
    )
    rows.append(
        annuaire_row(
            uai=college_uai,
            name="Collège Jean Moulin (bâtiment Gaston Bachelard)",
            departement="086",
            commune="Poitiers",
            pupils="",
        )
    )
    # Private training bodies: no establishment type at all.
    for departement, name, commune in [
        ("016", "CFA du bâtiment de la Charente", "Angoulême"),
        ("017", "Organisme de formation Atlantique Compétences", "La Rochelle"),
        ("086", "Institut de formation aux métiers du sport", "Poitiers"),
    ]:
        serial += 1
        rows.append(
            annuaire_row(
                uai=uai_for(departement, serial),
                name=name,
                type="",
                sector="Privé",
                departement=departement,
                commune=commune,
                pupils="",
                code_nature="",
                libelle_nature="",
            )
        )
    for departement, name, type_ in [
        ("086", "CIO de Châtellerault", "Information et orientation"),
        ("079", "IME La Roussille", "Médico-social"),
        ("017", "Service départemental à la jeunesse", "Service Administratif"),
    ]:
        serial += 1
        rows.append(
            annuaire_row(
                uai=uai_for(departement, serial),
                name=name,
                type=type_,
                departement=departement,
                pupils="",
            )
        )
    return rows
