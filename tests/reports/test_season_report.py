"""An editor opens the season report and sees the season's real figures, table by table."""

import pytest
from django.urls import reverse

from tests.reports.html_tables import ReportPage

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def open_report(client, **params):
    response = client.get(reverse("reports_season"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return ReportPage(response.content.decode())


def shown(page, table, first_cell):
    return page.row(table, first_cell)


def test_participation_counts_students_lessons_works_and_likes(editor_client, world):
    page = open_report(editor_client)
    figures = {row[0]: row[1] for row in page.tables["participation"]["shown"]}
    assert figures["Зарегистрировались за сезон"] == "5"
    assert figures["Активные ученики (смотрели уроки или прислали работу)"] == "4"
    assert figures["Просмотры уроков (начатые уроки)"] == "3"
    assert figures["Уроки, пройденные до конца"] == "2"
    assert figures["Прислано работ"] == "7"
    assert figures["Ждут модерации"] == "1"
    assert figures["Опубликовано работ"] == "5"
    assert figures["Отклонено работ"] == "1"
    assert figures["Доля одобренных среди проверенных, %"] == f"83,3{NBSP}%"
    assert figures["Лайки работ (сейчас стоят)"] == "4"
    assert figures["Репосты ВКонтакте (засчитанные)"] == "0"


def test_every_federal_subject_is_listed_even_without_students(editor_client, world):
    from cms.models import Region

    page = open_report(editor_client)
    table = page.tables["regions"]
    assert len(table["rows"]) == Region.objects.count() + 1  # every subject and the total row
    assert shown(page, "regions", "Тверская область")[2:] == ["1", "1", "1"]
    assert shown(page, "regions", "Республика Татарстан")[2:] == ["1", "2", "0"]
    assert shown(page, "regions", "Москва")[2:] == ["1", "2", "1"]
    assert shown(page, "regions", "Республика Саха (Якутия)")[2:] == ["1", "2", "0"]
    assert shown(page, "regions", "Чукотский автономный округ")[2:] == ["0", "0", "0"]
    assert shown(page, "regions", "Итого")[2:] == ["4", "7", "2"]
    assert page.highlights["Регионов с участниками"] == f"4 из {Region.objects.count()}"


def test_town_sizes_and_the_share_of_small_town_winners(editor_client, world):
    page = open_report(editor_client)
    assert shown(page, "town_sizes", "до 10 тыс.")[1:] == ["0", "0", "0"]
    assert shown(page, "town_sizes", "10–100 тыс.")[1:] == ["1", "1", "1"]  # Udomlya, 32 thousand
    assert shown(page, "town_sizes", "100 тыс. – 1 млн")[1:] == ["0", "0", "0"]
    assert shown(page, "town_sizes", "больше 1 млн")[1:] == ["2", "4", "1"]  # Kazan and Moscow
    assert shown(page, "town_sizes", "неизвестно")[1:] == ["1", "2", "0"]  # a hamlet not in the list
    # Two winners with a known town: one from Udomlya, one from Moscow.
    assert page.highlights["Победители из пунктов меньше 100 тыс. жителей, %"] == f"50,0{NBSP}%"


def test_contest_works_by_direction_and_age_and_jury_progress(editor_client, world):
    page = open_report(editor_client)
    assert page.tables["contest_works"]["headings"] == [
        "Направление", "6–9 лет", "10–13 лет", "14–18 лет", "Всего работ", "Опубликовано", "Победители",
    ]  # fmt: skip
    assert shown(page, "contest_works", "Вокал")[1:] == ["1", "2", "1", "4", "3", "1"]
    assert shown(page, "contest_works", "Живопись")[1:] == ["1", "1", "1", "3", "2", "1"]
    assert shown(page, "jury_progress", "Вокал")[1:] == ["3", "3", "6", f"50,0{NBSP}%", "1", "1", "1"]
    assert shown(page, "jury_progress", "Живопись")[1:] == ["1", "2", "2", f"100,0{NBSP}%", "1", "1", "0"]
    assert shown(page, "jury_progress", "Итого")[1:] == ["4", "5", "8", f"62,5{NBSP}%", "2", "2", "1"]


def test_charity_raised_against_cap_transferred_and_children_helped(editor_client, world):
    page = open_report(editor_client)
    figures = {row[0]: row[1] for row in page.tables["charity"]["shown"]}
    assert figures["Бюджет спонсора (предел), ₽"] == f"10{NBSP}000,00{NBSP}₽"
    # Four standing likes and one approved work, a rouble each; the withdrawn like gave its rouble back.
    assert figures["Собрано, ₽"] == f"5,00{NBSP}₽"
    assert figures["Собрано от предела, %"] == f"0,1{NBSP}%"
    assert figures["Передано фондам, ₽"] == f"3,00{NBSP}₽"
    assert figures["Ещё не передано, ₽"] == f"2,00{NBSP}₽"
    assert figures["Детей получили помощь"] == "1"
    months = page.tables["charity_by_month"]["shown"]
    assert len(months) == 2  # this month and the total
    assert months[0][1:] == ["5", f"5,00{NBSP}₽", f"3,00{NBSP}₽", "1"]


def test_offline_events_attendance_volunteers_and_partners(editor_client, world):
    page = open_report(editor_client)
    # All three were run outside the platform: their typed-in figures count, marked as such.
    assert shown(page, "events", "Тверская область")[1:] == ["2", "2", "0", "120", "8", "0", "1"]
    assert shown(page, "events", "Москва")[1:] == ["1", "1", "0", "300", "15", "0", "0"]
    assert shown(page, "events", "Итого")[1:] == ["3", "3", "0", "420", "23", "0", "1"]
    assert shown(page, "partners", "благотворительный фонд")[1] == "1"
    assert shown(page, "partners", "творческий партнёр")[1] == "2"
    assert shown(page, "partners", "орган власти")[1] == "0"


def test_charts_are_drawn_on_the_page_without_scripts(editor_client, world):
    response = editor_client.get(reverse("reports_season"))
    html = response.content.decode()
    assert html.count('<svg class="report-chart"') >= 5
    assert "<title>Собрано, ₽: 5.00</title>" in html
    assert "cdn" not in html.lower()


def test_direction_filter_narrows_students_and_works(editor_client, world):
    page = open_report(editor_client, season=world.season.pk, direction=world.painting.pk)
    figures = {row[0]: row[1] for row in page.tables["participation"]["shown"]}
    assert figures["Прислано работ"] == "3"
    assert figures["Активные ученики (смотрели уроки или прислали работу)"] == "3"
    assert figures["Просмотры уроков (начатые уроки)"] == "1"
    assert [row[0] for row in page.tables["contest_works"]["shown"]] == ["Живопись", "Итого"]
    assert shown(page, "regions", "Тверская область")[2:] == ["0", "0", "0"]


def test_another_season_shows_its_own_empty_figures(editor_client, world):
    from cms.models import Season

    old = Season.objects.create(name="Сезон 2024/25", starts_on="2024-09-01", ends_on="2025-05-31")
    page = open_report(editor_client, season=old.pk)
    figures = {row[0]: row[1] for row in page.tables["participation"]["shown"]}
    assert figures["Прислано работ"] == "0"
    assert "charity" not in page.tables  # no campaign that season: a note instead of a table


def test_unknown_season_is_a_clear_400(editor_client, world):
    response = editor_client.get(reverse("reports_season"), {"season": 999999})
    assert response.status_code == 400
    assert "Такого сезона нет. Выберите сезон из списка." in response.content.decode()


def test_report_reads_the_database_a_fixed_number_of_times_however_many_students(world, add_student, add_work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learning.models import Assignment
    from reports.figures import ReportFilter, full_report

    with CaptureQueriesContext(connection) as before:
        full_report(ReportFilter(season=world.season))
    task = Assignment.objects.get(direction=world.painting)
    for number in range(5):
        student = add_student(first_name=f"Ученик{number}", region_code="10", town="Кемь", birth_year_age=9)
        add_work(student, task, "approved", "6-9")
    with CaptureQueriesContext(connection) as after:
        report = dict(full_report(ReportFilter(season=world.season)))
    assert len(after) == len(before) <= 30
    participation = {row["figure"]: row["value"] for row in report["Участие"][0].rows}
    assert participation["Прислано работ"] == 12


def test_months_closed_by_the_nightly_digest_show_the_same_money_and_reposts(editor_client, world):
    import datetime

    from django.utils import timezone

    from engagement.services import VkActor, publish_digests, record_action, reverse_action
    from learning.models import Submission

    work = Submission.objects.filter(status="winner").first()
    for days_ago, actor in [(20, VkActor(1)), (20, VkActor(2)), (10, VkActor(3)), (3, VkActor(4))]:
        moment = timezone.now() - datetime.timedelta(days=days_ago)
        record_action("repost", actor, work, f"repost:{days_ago}:{actor.vk_id}", occurred_at=moment)
    reverse_action("repost:20:2", "удалён репост")

    def figures():
        page = open_report(editor_client)
        reposts = dict(row[:2] for row in page.tables["participation"]["shown"])["Репосты ВКонтакте (засчитанные)"]
        return reposts, page.tables["charity_by_month"]["shown"]

    before = figures()
    assert before[0] == "3"
    assert before[1][-1][:3] == ["Итого", "8", f"8,00{NBSP}₽"]  # five actions of the world and three reposts
    assert publish_digests()
    assert figures() == before
