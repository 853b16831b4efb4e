import re

import pytest

from cms.models import WinnerStoryPage
from learning import services
from tests.factories import PASSWORD, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_shortlist(make_student, assignment, make_user, jurors, campaign):
    moderator = make_user("moderator", group="Moderators")
    works = []
    for n, (first, surname) in enumerate([("Ира", "Соколова"), ("Лев", "Панов")]):
        kid = make_student(email=f"s{n}@example.org", first_name=first, surname=surname, age=15)
        work = services.submit_work(kid, assignment, title=f"Работа {first}", files=[image_upload()])
        works.append(services.shortlist_submission(services.approve_submission(work, moderator), moderator))
    criteria = list(assignment.criteria.all())
    for juror in jurors:
        for n, work in enumerate(works):
            points = {str(c.pk): c.max_points - n for c in criteria}
            services.score_submission(juror, work, points=points, comment="ок")
    return works


def test_mentor_confirms_winners_in_the_admin(client, scored_shortlist, assignment, mentor_seat, stories_index):
    client.force_login(mentor_seat.user)
    page = client.get(f"/admin/learning/results/{assignment.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Работа Ира") < html.index("Работа Лев"), "ranked by the jury"
    assert "Соколова" not in html
    first, second = scored_shortlist
    response = client.post(
        f"/admin/learning/results/{assignment.pk}/", {"winners": [first.pk], "finalists": [second.pk]}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "winner" and first.winner_story is not None
    assert WinnerStoryPage.objects.get().live is False
    assert "история" in client.get(f"/admin/learning/results/{assignment.pk}/").content.decode()


def test_editor_reads_the_results_but_cannot_confirm(client, scored_shortlist, assignment, make_user):
    make_user("editor", group="Editors")
    client.login(username="editor", password=PASSWORD)
    page = client.get(f"/admin/learning/results/{assignment.pk}/")
    assert page.status_code == 200
    assert "Утвердить итоги" not in page.content.decode()
    client.post(f"/admin/learning/results/{assignment.pk}/", {"winners": [scored_shortlist[0].pk]})
    scored_shortlist[0].refresh_from_db()
    assert scored_shortlist[0].status == "shortlisted"


def test_editors_manage_assignments_jury_and_reason_templates(client, make_user, assignment):
    make_user("editor", group="Editors")
    client.login(username="editor", password=PASSWORD)
    for url in [
        "/admin/snippets/learning/assignment/",
        f"/admin/snippets/learning/assignment/edit/{assignment.pk}/",
        "/admin/snippets/learning/jurymember/add/",
        "/admin/snippets/learning/rejectionreason/add/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/settings/learning/contestsettings/", follow=True).status_code == 200


def test_moderators_edit_reason_templates(client, make_user):
    make_user("moderator", group="Moderators")
    client.login(username="moderator", password=PASSWORD)
    response = client.post(
        "/admin/snippets/learning/rejectionreason/add/",
        {"title": "Нет работы", "text": "Файл пустой — приложите работу.", "sort_order": 1},
    )
    assert response.status_code == 302
    assert client.get("/admin/learning/moderation/").status_code == 200


def test_a_juror_scores_blind_in_the_admin(client, scored_shortlist, assignment, make_user, direction, season):
    from learning.models import JuryMember, Score

    juror = make_user("late.juror")
    JuryMember.objects.create(user=juror, direction=direction, season=season)
    client.login(username="late.juror", password=PASSWORD)
    listing = client.get("/admin/learning/jury/")
    assert listing.status_code == 200, "a jury seat opens the admin's jury screen"
    first, second = scored_shortlist
    assert "Нет конфликта интересов" in listing.content.decode()
    page = client.get(f"/admin/learning/jury/{first.jury_code}/").content.decode()
    assert "заявите" in page and "Сохранить оценку" not in page, "no scoring before the declaration"
    declared = client.post(f"/admin/learning/jury/declare/{assignment.pk}/", {"declaration": "none"})
    assert declared.status_code == 302
    page = client.get(f"/admin/learning/jury/{first.jury_code}/").content.decode()
    kid = first.student
    for identity in [kid.surname, kid.town, kid.region.name, kid.user.email, first.title, str(first.uid)]:
        assert identity not in page
    criteria = list(assignment.criteria.all())
    form = {f"criterion-{c.pk}": c.max_points for c in criteria} | {"comment": "Смело"}
    assert client.post(f"/admin/learning/jury/{first.jury_code}/", form).status_code == 302
    assert Score.objects.get(juror=juror, submission=first).total == sum(c.max_points for c in criteria)
    client.post(f"/admin/learning/jury/{second.jury_code}/", {"conflict": "1", "note": "Знаю семью"})
    assert f"/admin/learning/jury/{second.jury_code}/" not in client.get("/admin/learning/jury/").content.decode()
    assert client.get(f"/admin/learning/jury/{second.jury_code}/").status_code == 404


@pytest.fixture
def published_works(make_student, assignment, make_user, campaign):
    moderator = make_user("moderator", group="Moderators")
    works = []
    for n, first in enumerate(["Ира", "Лев"]):
        kid = make_student(email=f"p{n}@example.org", first_name=first, surname="Панова", age=15)
        works.append(
            services.approve_submission(
                services.submit_work(kid, assignment, title=f"Работа {first}", files=[image_upload()]), moderator
            )
        )
    return moderator, works


@pytest.mark.parametrize("who", ["moderator", "mentor"])
def test_moderator_and_mentor_shortlist_with_a_button(client, published_works, assignment, mentor_seat, who):
    moderator, (first, second) = published_works
    client.force_login(moderator if who == "moderator" else mentor_seat.user)
    assert "/admin/learning/shortlist/" in client.get("/admin/").content.decode(), "a menu item leads there"
    page = client.get(f"/admin/learning/shortlist/?assignment={assignment.pk}").content.decode()
    assert "Работа Ира" in page and "Работа Лев" in page
    assert f'action="/admin/learning/moderation/{first.pk}/shortlist/"' in page
    assert "Панова" not in page

    response = client.post(f"/admin/learning/moderation/{first.pk}/shortlist/", {"next": "/admin/learning/shortlist/"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "shortlisted" and first.jury_code
    page = client.get(f"/admin/learning/shortlist/?assignment={assignment.pk}").content.decode()
    assert f"/moderation/{first.pk}/shortlist/" not in page and f"/moderation/{second.pk}/shortlist/" in page


def test_a_juror_or_editor_has_no_shortlist_button(client, published_works, assignment, jurors, make_user):
    _, (first, _) = published_works
    editor = make_user("editor", group="Editors")
    for user in (jurors[0], editor):
        client.force_login(user)
        # Wagtail answers a refused admin view with a redirect to the dashboard.
        assert client.get("/admin/learning/shortlist/").url == "/admin/"
        assert client.post(f"/admin/learning/moderation/{first.pk}/shortlist/").url == "/admin/"
    first.refresh_from_db()
    assert first.status == "approved"


def tab_title(response):
    return re.search(r"<title>\s*(.*?)\s*</title>", response.content.decode(), re.S).group(1)


def test_the_project_admin_screens_name_themselves_in_the_browser_tab(client, scored_shortlist, assignment, jurors):
    from django.contrib.auth import get_user_model

    from learning.services import jury

    client.force_login(get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD))
    for path, title in [
        ("/admin/learning/moderation/", "Модерация работ"),
        ("/admin/learning/moderation/log/", "Журнал модерации"),
        ("/admin/learning/shortlist/", "Шорт-лист"),
        ("/admin/learning/suspicious/", "Подозрительная активность"),
        ("/admin/learning/appeals/", "Апелляции"),
        ("/admin/learning/results/", "Итоги конкурса"),
        (f"/admin/learning/results/{assignment.pk}/", f"Итоги: {assignment}"),
        ("/admin/certificates/batches/", "Выпуск сертификатов"),
        ("/admin/reports/season/", "Отчёт сезона"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert tab_title(response) == f"{title} - Wagtail", path
    client.force_login(jurors[0])
    work = scored_shortlist[0]
    assert tab_title(client.get("/admin/learning/jury/")) == "Оценка работ - Wagtail"
    assert tab_title(client.get(f"/admin/learning/jury/{work.jury_code}/")) == f"{jury.jury_label(work)} - Wagtail"


def test_the_jury_comment_is_marked_required_and_its_absence_explained(client, scored_shortlist, assignment, jurors):
    from learning.models import Score

    juror, work = jurors[0], scored_shortlist[0]
    client.force_login(juror)
    url = f"/admin/learning/jury/{work.jury_code}/"
    page = client.get(url).content.decode()
    assert '<label for="jury-comment">Комментарий<span class="w-required-mark">*</span></label>' in page
    form = {f"criterion-{c.pk}": 1 for c in assignment.criteria.all()} | {"comment": "  "}
    response = client.post(url, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Оценка не сохранена. Добавьте комментарий к оценке." in html
    assert 'aria-describedby="jury-comment-error"' in html and 'id="jury-comment-error" role="alert"' in html
    assert html.count('value="1" required') == assignment.criteria.count(), "the typed points are kept"
    assert Score.objects.get(juror=juror, submission=work).comment == "ок", "nothing saved"
    saved = client.post(url, form | {"comment": "Смело и чисто"})
    assert saved.status_code == 302
    assert Score.objects.get(juror=juror, submission=work).comment == "Смело и чисто"
