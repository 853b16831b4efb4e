"""Every table's CSV and XLSX hold exactly what the page shows (the same function feeds all three)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from reports.figures import TABLES
from tests.reports.html_tables import ReportPage

pytestmark = pytest.mark.django_db


def as_text(value):
    return "" if value is None else str(value)


def download(client, key, fmt, **params):
    response = client.get(reverse("reports_export", args=[key]), {**params, "export": fmt})
    assert response.status_code == 200, response
    return b"".join(response.streaming_content) if response.streaming else response.content


def without_trailing_zeros(rows):
    """XLSX keeps 5.00 as the number 5.0: compare numbers, not their printed zeros."""
    return [[cell.rstrip("0").rstrip(".") if "." in cell else cell for cell in row] for row in rows]


def test_csv_and_xlsx_of_every_table_match_the_table_on_screen(editor_client, world):
    params = {"season": world.season.pk}
    page = ReportPage(editor_client.get(reverse("reports_season"), params).content.decode())
    assert set(page.tables) == set(TABLES)
    for key in TABLES:
        on_screen = page.tables[key]
        assert on_screen["rows"], f"{key} is empty on screen: the comparison would prove nothing"

        rows = list(csv.reader(io.StringIO(download(editor_client, key, "csv", **params).decode("utf-8"))))
        assert rows[0] == on_screen["headings"], key
        assert rows[1:] == on_screen["rows"], key

        sheet = openpyxl.load_workbook(io.BytesIO(download(editor_client, key, "xlsx", **params))).active
        cells = [[as_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        assert cells[0] == on_screen["headings"], key
        assert without_trailing_zeros(cells[1:]) == without_trailing_zeros(on_screen["rows"]), key


def test_xlsx_keeps_numbers_as_numbers(editor_client, world):
    content = download(editor_client, "regions", "xlsx", season=world.season.pk)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    moscow = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "Москва")
    assert moscow[2:] == (1, 2, 1)


def test_export_of_a_filtered_report_follows_the_filter(editor_client, world):
    content = download(editor_client, "contest_works", "csv", season=world.season.pk, direction=world.vocal.pk)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert [row[0] for row in rows[1:]] == ["Вокал", "Итого"]


def test_export_needs_a_known_format_and_table(editor_client, world):
    response = editor_client.get(reverse("reports_export", args=["regions"]), {"export": "pdf"})
    assert response.status_code == 400
    assert "export=csv или export=xlsx" in response.content.decode()
    response = editor_client.get(reverse("reports_export", args=["salaries"]), {"export": "csv"})
    assert response.status_code == 404
    assert "Такой таблицы в отчёте нет." in response.content.decode()
    response = editor_client.get(reverse("reports_export", args=["regions"]), {"export": "csv", "direction": 999999})
    assert response.status_code == 400
    assert "Такого направления нет" in response.content.decode()
