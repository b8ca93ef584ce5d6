import pytest
from django.core.exceptions import ValidationError

from establishments.uai import departement_of_uai, make_uai, uai_problem, validate_uai


@pytest.mark.parametrize(
    "uai",
    ["0750654D", "0750655E", "0330021U", "0750654d", " 0860001j ", "6200001G", "7200001N"],
)
def test_valid_uais(uai):
    validate_uai(uai)


def test_real_examples_have_the_published_check_letter():
    # Lycée Henri-IV, Lycée Louis-le-Grand, a Gironde establishment (DOMAIN.md).
    assert make_uai("075", 654) == "0750654D"
    assert make_uai("075", 655) == "0750655E"
    assert make_uai("033", 21) == "0330021U"


@pytest.mark.parametrize(
    ("uai", "message"),
    [
        ("0750654E", "lettre de contrôle"),
        ("0750654", "8 caractères"),
        ("07506540D", "8 caractères"),
        ("075065AD", "7 chiffres"),
        ("07506541", "7 chiffres"),
        ("", "vide"),
        ("2A00001X", "7 chiffres"),
    ],
)
def test_invalid_uais_have_a_french_reason(uai, message):
    problem = uai_problem(uai)
    assert problem is not None and message in problem
    with pytest.raises(ValidationError):
        validate_uai(uai)


def test_check_letters_skip_i_o_q():
    letters = {make_uai("016", serial)[-1] for serial in range(200)}
    assert letters.isdisjoint({"I", "O", "Q"})
    assert len(letters) == 23


@pytest.mark.parametrize(
    ("uai", "departement"),
    [
        ("0330021U", "33"),
        ("0160001P", "16"),
        ("6200001G", "2A"),
        ("7200001N", "2B"),
        ("9710001Z", "971"),
    ],
)
def test_departement_of_uai(uai, departement):
    assert departement_of_uai(uai) == departement


def test_corsica_check_letters():
    assert uai_problem(make_uai("620", 1)) is None
    assert uai_problem(make_uai("720", 1)) is None
