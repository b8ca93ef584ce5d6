from decimal import Decimal

import pytest
from django.template import Context, Template

from indemnities.templatetags.money import euros, imp_units, multiple, multiply_rate

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1250"), f"1{NNBSP}250,00{NBSP}€"),
        (Decimal("312.5"), f"312,50{NBSP}€"),
        (Decimal("3750.00"), f"3{NNBSP}750,00{NBSP}€"),
        (Decimal("0"), f"0,00{NBSP}€"),
        (Decimal("1234567.89"), f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (Decimal("-625"), f"-625,00{NBSP}€"),
        (Decimal("0.005"), f"0,01{NBSP}€"),  # half up, as in accounting
        (1250, f"1{NNBSP}250,00{NBSP}€"),
        ("2500.5", f"2{NNBSP}500,50{NBSP}€"),
        (None, "—"),
        ("", "—"),
        ("pas un nombre", "—"),
    ],
)
def test_euros(value, expected):
    assert euros(value) == expected


def test_euros_signed():
    assert euros(Decimal("625"), "signed") == f"+625,00{NBSP}€"
    assert euros(Decimal("-625"), "signed") == f"-625,00{NBSP}€"
    assert euros(Decimal("0"), "signed") == f"0,00{NBSP}€"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.5"), f"1,5{NBSP}IMP"),
        (Decimal("2.00"), f"2{NBSP}IMP"),
        (Decimal("0.25"), f"0,25{NBSP}IMP"),
        (Decimal("0"), f"0{NBSP}IMP"),
        (Decimal("10"), f"10{NBSP}IMP"),
        (None, "—"),
    ],
)
def test_imp_units(value, expected):
    assert imp_units(value) == expected


def test_multiple_and_rate():
    assert [multiple(Decimal(f)) for f in ("0.25", "0.50", "1.00", "2", "3")] == [
        "¼",
        "½",
        "1",
        "2",
        "3",
    ]
    assert multiply_rate(Decimal("0.25"), Decimal("1250.00")) == Decimal("312.50")
    assert multiply_rate(None, Decimal("1250")) is None


def test_filters_in_a_template():
    rendered = Template("{% load money %}{{ a|euros }} / {{ u|imp_units }} / {{ n|euros }}").render(
        Context({"a": Decimal("1250.00"), "u": Decimal("1.5"), "n": None})
    )
    assert rendered == f"1{NNBSP}250,00{NBSP}€ / 1,5{NBSP}IMP / —"
