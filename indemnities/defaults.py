"""The rule tables académies start from (seeds 000/002 for Poitiers). They are loaded as data
rows for a given year; nothing reads these constants to compute an envelope."""

from decimal import Decimal

from establishments.models import EstablishmentCategory as C

# (category, min pupils, max pupils or None, IMP units)
BandRow = tuple[str, int, int | None, Decimal]

POITIERS_BANDS: list[BandRow] = [
    (C.COLLEGE, 0, 200, Decimal("1")),
    (C.COLLEGE, 201, None, Decimal("2")),
    (C.LYCEE, 0, 500, Decimal("2")),
    (C.LYCEE, 501, None, Decimal("3")),
    (C.EREA, 0, None, Decimal("2")),
]

# Bordeaux shares its envelopes more finely, with half units for mid-sized collèges.
BORDEAUX_BANDS: list[BandRow] = [
    (C.COLLEGE, 0, 300, Decimal("1")),
    (C.COLLEGE, 301, 600, Decimal("1.5")),
    (C.COLLEGE, 601, None, Decimal("2")),
    (C.LYCEE, 0, 800, Decimal("2")),
    (C.LYCEE, 801, None, Decimal("3")),
    (C.EREA, 0, None, Decimal("1")),
]
