"""French typography: dates, elision, no-break spaces, amounts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.template import Context, Template

from rupn.formatting import (
    NARROW_NBSP,
    NBSP,
    format_date,
    format_euros,
    format_integer,
    format_spreadsheet_amount,
    french_punctuation,
    of,
    the,
)


def test_first_day_of_a_month_is_1er() -> None:
    assert format_date(datetime.date(2026, 12, 1)) == f"1er{NBSP}décembre 2026"
    assert format_date(datetime.date(2026, 12, 2)) == f"2{NBSP}décembre 2026"
    assert format_date(None) == "—"


def test_datetime_is_shown_in_local_time_with_french_hours() -> None:
    moment = datetime.datetime(2027, 6, 30, 12, 5, tzinfo=datetime.UTC)  # 14 h 05 in Paris
    assert format_date(moment, time=True) == f"30{NBSP}juin 2027 à 14{NBSP}h{NBSP}05"


def test_elision_before_a_vowel_or_h() -> None:
    assert of("Amandine") == "d’Amandine"
    assert of("Julien") == "de Julien"
    assert of("Hélène") == "d’Hélène"
    assert of("Aix-Marseille") == "d’Aix-Marseille"
    assert the("académie de Poitiers") == "l’académie de Poitiers"
    assert the("délégation") == "la délégation"
    assert the("rectorat", feminine=False) == "le rectorat"


def test_academie_phrases_keep_the_name_capitalised() -> None:
    html = Template("{% load french %}{{ name|of_academie }}|{{ other|the_academie }}").render(
        Context({"name": "Poitiers", "other": "Amiens"})
    )
    assert html == "de l’académie de Poitiers|l’académie d’Amiens"


def test_amounts_use_no_break_spaces_on_screen_and_none_in_spreadsheets() -> None:
    assert format_euros(Decimal("1250")) == f"1{NARROW_NBSP}250,00{NBSP}€"
    assert format_spreadsheet_amount(Decimal("1250")) == "1250,00"
    assert format_integer(1300) == f"1{NARROW_NBSP}300"


def test_punctuation_gets_no_break_spaces() -> None:
    assert french_punctuation("Année : 2026 ; suite ? oui !") == (
        f"Année{NBSP}: 2026{NARROW_NBSP}; suite{NARROW_NBSP}? oui{NARROW_NBSP}!"
    )


def test_academie_names_elide() -> None:
    from establishments.models import Academie

    assert str(Academie(name="Poitiers")) == "Académie de Poitiers"
    assert str(Academie(name="Amiens")) == "Académie d’Amiens"
    assert str(Academie(name="Orléans-Tours")) == "Académie d’Orléans-Tours"


def test_messages_written_in_python_get_no_break_spaces() -> None:
    html = Template("{% load french %}{{ text|punctuation }}").render(
        Context({"text": "Vous agissez maintenant en tant que : RUPN <b>"})
    )
    assert html == f"Vous agissez maintenant en tant que{NBSP}: RUPN &lt;b&gt;"


def test_one_formatting_module_for_templates_services_and_exports() -> None:
    from indemnities import exports
    from indemnities.templatetags import money
    from rupn import formatting

    assert money.format_euros is formatting.format_euros
    assert money.format_number is formatting.format_number
    assert exports.format_spreadsheet_amount is formatting.format_spreadsheet_amount
