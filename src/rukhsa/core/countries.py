"""Nationalities a passport holder can choose: ISO 3166-1 codes with names from CLDR (Babel).

The list keeps the places that issue passports of their own and leaves out the rest (the rule
and every exclusion are in docs/rules-accounts.md). Arabic names are sorted in Arabic alphabet
order by `arabic_sort_key` (Babel has no collator); English names in English order.
Stored values are ISO alpha-2 codes; `country_name` names any code, also one no longer offered.
"""

import re
import unicodedata
from functools import cache

import pycountry
from babel import Locale

# Places without a permanent population (and so without passports of their own).
UNINHABITED = ("AQ", "BV", "HM", "GS", "TF", "UM", "IO", "EH")
# Dependent territories whose people hold their sovereign's passport, and that sovereign.
DEPENDENT = {
    **dict.fromkeys(("GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"), "FR"),
    **dict.fromkeys(("PR", "GU", "VI", "AS", "MP"), "US"),
    **dict.fromkeys(("AW", "CW", "SX", "BQ"), "NL"),
    **dict.fromkeys(("GL", "FO"), "DK"),
    "SJ": "NO",
    "AX": "FI",
    **dict.fromkeys(
        ("BM", "KY", "VG", "AI", "MS", "TC", "GI", "FK", "SH", "PN", "GG", "JE", "IM"), "GB"
    ),
    **dict.fromkeys(("CX", "CC", "NF"), "AU"),
    **dict.fromkeys(("CK", "NU", "TK"), "NZ"),
}
# Issues passports of its own but has no ISO 3166-1 code; XK is the code in common use.
EXTRA = ("XK",)
# CLDR's short names (alt="short"), which Babel does not expose: the names people look for.
SHORT_NAMES = {
    "ar": {"PS": "فلسطين", "HK": "هونغ كونغ", "MO": "ماكاو"},
    "en": {"PS": "Palestine", "HK": "Hong Kong", "MO": "Macao"},
}

_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ت", "ى": "ي"})
_ALEFS_HAMZA = str.maketrans({"ؤ": "و", "ئ": "ي"})
# The Arabic alphabet in its usual (hijāʾī) order; the hamza on its own comes first.
_ARABIC_ORDER = {
    letter: rank for rank, letter in enumerate("ءابتثجحخدذرزسشصضطظعغفقكلمنهوي", start=1)
}


def strip_tashkeel(text: str) -> str:
    """The name without harakat, shadda, sukun, dagger alef or tatweel."""
    return _TASHKEEL.sub("", text)


def arabic_sort_key(name: str) -> tuple[tuple[int, ...], str]:
    """Compare Arabic names letter by letter in alphabet order, ignoring tashkeel and the forms
    of alef (أ إ آ → ا), taa marbuta (ة → ت) and alef maqsura (ى → ي); ties keep a fixed order."""
    plain = strip_tashkeel(name).translate(_ALEFS).translate(_ALEFS_HAMZA)
    ranks = tuple(0 if char == " " else _ARABIC_ORDER.get(char, 100 + ord(char)) for char in plain)
    return ranks, name


def english_sort_key(name: str) -> tuple[str, str]:
    """Case- and accent-insensitive ("Côte d’Ivoire" sorts with "Cote")."""
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(char for char in decomposed if not unicodedata.combining(char))
    return base.casefold(), name


@cache
def _names(language: str) -> dict[str, str]:
    return dict(Locale.parse("ar" if language.startswith("ar") else "en").territories)


def country_name(code: str, language: str) -> str:
    """The country's name in the language (any ISO code; the code itself when unknown)."""
    lang = "ar" if language.startswith("ar") else "en"
    name = SHORT_NAMES[lang].get(code) or _names(lang).get(code)
    if not name:
        return code
    return strip_tashkeel(name) if lang == "ar" else name


@cache
def passport_countries() -> frozenset[str]:
    """The ISO codes of the places that issue passports of their own."""
    iso = {country.alpha_2 for country in pycountry.countries}
    return frozenset(iso - set(UNINHABITED) - set(DEPENDENT)) | frozenset(EXTRA)


@cache
def country_choices(language: str, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(code, name) pairs of the passport nationalities, sorted by name in the language."""
    lang = "ar" if language.startswith("ar") else "en"
    pairs = [
        (code, country_name(code, lang)) for code in passport_countries() if code not in exclude
    ]
    if lang == "ar":
        return sorted(pairs, key=lambda pair: arabic_sort_key(pair[1]))
    return sorted(pairs, key=lambda pair: english_sort_key(pair[1]))


def is_country(code: str) -> bool:
    """Whether `code` may be chosen as a passport nationality today."""
    return code in passport_countries()
