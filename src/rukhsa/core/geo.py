"""Saudi Arabia's 13 administrative regions and their main cities.

One list for the whole product: the candidate's city of residence (accounts) and the catalogue's
Region and City rows (catalog) both come from here.
"""

from typing import NamedTuple


class Place(NamedTuple):
    code: str
    name_ar: str
    name_en: str


class Region(NamedTuple):
    code: str
    name_ar: str
    name_en: str
    cities: tuple[Place, ...]


REGIONS: tuple[Region, ...] = (
    Region("RYD", "منطقة الرياض", "Riyadh Region", (
        Place("riyadh", "الرياض", "Riyadh"),
        Place("kharj", "الخرج", "Al Kharj"),
        Place("dawadmi", "الدوادمي", "Ad Dawadimi"),
        Place("majmaah", "المجمعة", "Al Majmaah"),
        Place("wadi-dawasir", "وادي الدواسر", "Wadi ad-Dawasir"),
    )),
    Region("MKK", "منطقة مكة المكرمة", "Makkah Region", (
        Place("makkah", "مكة المكرمة", "Makkah"),
        Place("jeddah", "جدة", "Jeddah"),
        Place("taif", "الطائف", "Taif"),
        Place("qunfudhah", "القنفذة", "Al Qunfudhah"),
        Place("rabigh", "رابغ", "Rabigh"),
    )),
    Region("MDN", "منطقة المدينة المنورة", "Madinah Region", (
        Place("madinah", "المدينة المنورة", "Madinah"),
        Place("yanbu", "ينبع", "Yanbu"),
        Place("ula", "العلا", "AlUla"),
    )),
    Region("QSM", "منطقة القصيم", "Qassim Region", (
        Place("buraydah", "بريدة", "Buraydah"),
        Place("unaizah", "عنيزة", "Unaizah"),
        Place("rass", "الرس", "Ar Rass"),
    )),
    Region("EST", "المنطقة الشرقية", "Eastern Province", (
        Place("dammam", "الدمام", "Dammam"),
        Place("ahsa", "الأحساء", "Al Ahsa"),
        Place("khobar", "الخبر", "Al Khobar"),
        Place("jubail", "الجبيل", "Jubail"),
        Place("hafr-batin", "حفر الباطن", "Hafar Al-Batin"),
        Place("qatif", "القطيف", "Qatif"),
    )),
    Region("ASR", "منطقة عسير", "Asir Region", (
        Place("abha", "أبها", "Abha"),
        Place("khamis-mushait", "خميس مشيط", "Khamis Mushait"),
        Place("bisha", "بيشة", "Bisha"),
    )),
    Region("TBK", "منطقة تبوك", "Tabuk Region", (
        Place("tabuk", "تبوك", "Tabuk"),
        Place("umluj", "أملج", "Umluj"),
    )),
    Region("HAL", "منطقة حائل", "Hail Region", (
        Place("hail", "حائل", "Hail"),
        Place("baqaa", "بقعاء", "Baqaa"),
    )),
    Region("NBR", "منطقة الحدود الشمالية", "Northern Borders Region", (
        Place("arar", "عرعر", "Arar"),
        Place("rafha", "رفحاء", "Rafha"),
    )),
    Region("JZN", "منطقة جازان", "Jazan Region", (
        Place("jazan", "جازان", "Jazan"),
        Place("sabya", "صبيا", "Sabya"),
        Place("abu-arish", "أبو عريش", "Abu Arish"),
    )),
    Region("NJN", "منطقة نجران", "Najran Region", (
        Place("najran", "نجران", "Najran"),
        Place("sharurah", "شرورة", "Sharurah"),
    )),
    Region("BAH", "منطقة الباحة", "Al Bahah Region", (
        Place("bahah", "الباحة", "Al Bahah"),
        Place("baljurashi", "بلجرشي", "Baljurashi"),
    )),
    Region("JOF", "منطقة الجوف", "Al Jouf Region", (
        Place("sakaka", "سكاكا", "Sakaka"),
        Place("qurayyat", "القريات", "Al Qurayyat"),
    )),
)  # fmt: skip

CITIES: dict[str, Place] = {city.code: city for region in REGIONS for city in region.cities}


def city_name(code: str, language: str) -> str:
    place = CITIES.get(code)
    if place is None:
        return ""
    return place.name_ar if language.startswith("ar") else place.name_en


def city_choices(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Cities grouped by region, in the given language, for a <select> with <optgroup>s."""
    arabic = language.startswith("ar")
    return [
        (
            region.name_ar if arabic else region.name_en,
            [(city.code, city.name_ar if arabic else city.name_en) for city in region.cities],
        )
        for region in REGIONS
    ]
