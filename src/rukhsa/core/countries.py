"""ISO 3166 countries with Arabic and English names (from pycountry's own translations)."""

import gettext
from functools import cache

import pycountry


@cache
def _arabic() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"], fallback=True)


def country_name(code: str, language: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    if language.startswith("ar"):
        return _arabic().gettext(country.name)
    return name


@cache
def country_choices(language: str, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the given language."""
    pairs = [
        (country.alpha_2, country_name(country.alpha_2, language))
        for country in pycountry.countries
        if country.alpha_2 not in exclude
    ]
    return sorted(pairs, key=lambda pair: pair[1])


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None
