"""PRODUCT §2 identity rules as pure functions: IDs, passports, mobiles, names, ages."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from rukhsa.accounts import identity
from rukhsa.accounts.models import IdentityType
from rukhsa.core.hijri import from_hijri
from tests.conftest import national_number

VALID_ID = "1000000008"  # the demo candidate
VALID_IQAMA = national_number("2", 12345)


def test_demo_national_id_is_valid():
    assert identity.clean_national_number(VALID_ID, IdentityType.CITIZEN) == VALID_ID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1000000009", "checksum"),
        ("100000000", "length"),
        ("10000000080", "length"),
        (VALID_IQAMA, "first_digit"),
        ("abcdefghij", "length"),
        ("", "length"),
        ("1000000٠٠8", None),  # Arabic-Indic digits are fine
    ],
)
def test_national_id_rules(raw, code):
    if code is None:
        assert identity.clean_national_number(raw, IdentityType.CITIZEN) == "1000000008"
        return
    with pytest.raises(ValidationError) as exc:
        identity.clean_national_number(raw, IdentityType.CITIZEN)
    assert exc.value.code == code


def test_iqama_rules():
    assert identity.clean_national_number(VALID_IQAMA, IdentityType.RESIDENT) == VALID_IQAMA
    arabic = VALID_IQAMA.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert identity.clean_national_number(arabic, IdentityType.RESIDENT) == VALID_IQAMA
    with pytest.raises(ValidationError) as exc:
        identity.clean_national_number(VALID_ID, IdentityType.RESIDENT)
    assert exc.value.code == "first_digit"
    broken = VALID_IQAMA[:-1] + str((int(VALID_IQAMA[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        identity.clean_national_number(broken, IdentityType.RESIDENT)
    assert exc.value.code == "checksum"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("a12 34567", "A1234567"), (" p-998877 ", "P998877"), ("ab٣٤٥٦٧", "AB34567")],
)
def test_passport_normalised(raw, expected):
    assert identity.clean_passport(raw) == expected


@pytest.mark.parametrize("raw", ["abcd", "A" * 21, "AB#12345", "جواز12345", ""])
def test_passport_refused(raw):
    with pytest.raises(ValidationError):
        identity.clean_passport(raw)


def test_visitor_nationality_cannot_be_saudi_and_must_exist():
    assert identity.clean_visitor_nationality("eg") == "EG"
    with pytest.raises(ValidationError):
        identity.clean_visitor_nationality("SA")
    with pytest.raises(ValidationError):
        identity.clean_visitor_nationality("XX")


@pytest.mark.parametrize(
    "raw",
    [
        "0551234567",
        "551234567",
        "966551234567",
        "+966551234567",
        "00966551234567",
        "055 123 4567",
        "٠٥٥١٢٣٤٥٦٧",
        "+966 55-123-4567",
    ],
)
def test_saudi_mobile_forms_normalise_to_e164(raw):
    assert identity.clean_saudi_mobile(raw) == "+966551234567"


@pytest.mark.parametrize("raw", ["0112345678", "05512345", "+201001234567", "0551234567890", "x"])
def test_saudi_mobile_refused(raw):
    with pytest.raises(ValidationError):
        identity.clean_saudi_mobile(raw)


def test_visitor_mobile_is_international():
    assert identity.clean_mobile("+20 100 123 4567", IdentityType.VISITOR) == "+201001234567"
    assert identity.clean_mobile("00201001234567", IdentityType.VISITOR) == "+201001234567"
    with pytest.raises(ValidationError):
        identity.clean_mobile("01001234567", IdentityType.VISITOR)


def test_names():
    assert identity.clean_arabic_name("  عبد   الله ") == "عبد الله"
    assert identity.clean_english_name("abdullah") == "Abdullah"
    for bad in ("Ahmed", "محمد1"):
        with pytest.raises(ValidationError):
            identity.clean_arabic_name(bad)
    for bad in ("محمد", "John3", "-x"):
        with pytest.raises(ValidationError):
            identity.clean_english_name(bad)


@time_machine.travel("2026-11-25 09:00 +0300", tick=False)
def test_age_bounds_edges():
    assert identity.clean_birth_date(date(2008, 11, 25)) == date(2008, 11, 25)  # 18 today
    with pytest.raises(ValidationError) as exc:
        identity.clean_birth_date(date(2008, 11, 26))
    assert exc.value.code == "too_young"
    assert identity.clean_birth_date(date(1946, 11, 26))  # 79, turns 80 tomorrow
    assert identity.clean_birth_date(date(1945, 11, 26))  # 80 until tomorrow
    with pytest.raises(ValidationError) as exc:
        identity.clean_birth_date(date(1945, 11, 25))  # 81 today
    assert exc.value.code == "too_old"
    with pytest.raises(ValidationError) as exc:
        identity.clean_birth_date(date(2027, 1, 1))
    assert exc.value.code == "future"


def test_hijri_birth_date_converts_umm_al_qura():
    assert from_hijri(1410, 10, 21) == date(1990, 5, 16)
    with pytest.raises(ValueError):
        from_hijri(1410, 13, 1)
    with pytest.raises(ValueError):
        from_hijri(1410, 1, 31)


@pytest.mark.parametrize(
    ("identifier", "nationality", "key"),
    [
        ("1000000008", "", "1000000008"),
        ("١٠٠٠٠٠٠٠٠٨", "", "1000000008"),
        ("Someone@Example.COM", "", "someone@example.com"),
        ("a12 34567", "eg", "P:EG:A1234567"),
        ("A1234567", "", None),
        ("12", "", None),
    ],
)
def test_login_key(identifier, nationality, key):
    assert identity.login_key(identifier, nationality) == key
