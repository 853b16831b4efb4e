"""Open judging: the juror's declaration before scoring, what a child sees after the results, the
public results table (HTML and JSON), appeals and the editors' queue."""

import importlib.util
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from config.errors import ServiceError
from learning import ranking, selectors, services
from learning.models import Appeal, Conflict, ConflictDeclaration, JuryMember, Submission
from notifications.models import Notification
from tests.factories import image_upload

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "verify_ledger.py"

# Totals per juror: a generous, a strict and a middling juror. The ranking is a > b (10–13) and c > d (14–18).
TOTALS = [
    {"a": (10, 5), "b": (2, 0), "c": (10, 5), "d": (9, 5)},
    {"a": (3, 1), "b": (4, 1), "c": (4, 1), "d": (2, 0)},
    {"a": (5, 2), "b": (6, 2), "c": (7, 3), "d": (5, 2)},
]
COMMENTS = ["Сильная подача", "Хорошо, но тише", "Есть своя идея"]


def load_verifier():
    spec = importlib.util.spec_from_file_location("verify_ledger", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def points(assignment, *values):
    return {str(c.pk): v for c, v in zip(assignment.criteria.all(), values, strict=True)}


@pytest.fixture
def contest(make_student, assignment, moderator, campaign, jurors):
    """Four shortlisted works (two 10–13, two 14–18), a rejected and a pending one, all scored."""
    people = {
        "a": ("ira@example.org", "Ира", "Соколова", 11, "52", "Выкса"),
        "b": ("oleg@example.org", "Олег", "Панов", 12, "66", "Ирбит"),
        "c": ("dina@example.org", "Дина", "Мухина", 15, "16", "Елабуга"),
        "d": ("gosha@example.org", "Гоша", "Рябов", 16, "77", "Москва"),
    }
    works = {}
    for key, (email, first, surname, age, region, town) in people.items():
        kid = make_student(email=email, first_name=first, surname=surname, age=age, region=region, town=town)
        work = services.submit_work(kid, assignment, title=f"Песня {first}", files=[image_upload()])
        services.approve_submission(work, moderator)
        works[key] = services.shortlist_submission(work, moderator)
    rejected_kid = make_student(email="rita@example.org", first_name="Рита", surname="Отказова", age=12)
    works["rejected"] = services.reject_submission(
        services.submit_work(rejected_kid, assignment, title="Отклонённая", files=[image_upload()]),
        moderator,
        "Не по заданию.",
    )
    pending_kid = make_student(email="petya@example.org", first_name="Петя", surname="Ждунов", age=12)
    works["pending"] = services.submit_work(pending_kid, assignment, title="Ждёт модерации", files=[image_upload()])
    for juror, totals, comment in zip(jurors, TOTALS, COMMENTS, strict=True):
        for key, values in totals.items():
            services.score_submission(juror, works[key], points=points(assignment, *values), comment=comment)
    return works


@pytest.fixture
def results(contest, assignment, mentor_seat, stories_index):
    services.confirm_winners(mentor_seat.user, assignment, winners=[contest["a"], contest["c"]], notify=False)
    for work in contest.values():
        work.refresh_from_db()
    return contest


def browser_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- conflicts of interest, declared before scoring -----------------------------------------------


def test_a_juror_declares_conflicts_before_scoring(contest, assignment, make_user, direction, season, client_for):
    juror = make_user("late.juror")
    JuryMember.objects.create(user=juror, direction=direction, season=season)
    api = client_for(juror)
    a, b = contest["a"], contest["b"]
    body = {"points": points(assignment, 5, 2), "comment": "Живо"}
    refused = api.post(f"/api/jury/works/{a.jury_code}/score/", body, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "declaration_required" and "конфликт" in refused.json()["detail"]

    unknown = api.post(f"/api/jury/assignments/{assignment.pk}/declaration/", {"conflicts": ["FFFF"]}, format="json")
    assert unknown.status_code == 400 and "не из шорт-листа" in unknown.json()["detail"]
    before = timezone.now()
    declared = api.post(
        f"/api/jury/assignments/{assignment.pk}/declaration/",
        {"conflicts": [a.jury_code.lower()], "note": "Моя ученица"},
        format="json",
    )
    assert declared.status_code == 201, declared.content
    kept = ConflictDeclaration.objects.get(juror=juror, assignment=assignment)
    assert kept.has_conflicts and kept.declared_at >= before
    assert Conflict.objects.get(juror=juror, submission=a).note == "Моя ученица"
    codes = [w["code"] for w in api.get("/api/jury/works/").json()["results"]]
    assert a.jury_code not in codes and b.jury_code in codes, "a declared conflict hides the work"
    again = api.post(f"/api/jury/assignments/{assignment.pk}/declaration/", {}, format="json")
    assert again.status_code == 409 and "уже заявили" in again.json()["detail"]
    assert api.post(f"/api/jury/works/{b.jury_code}/score/", body, format="json").status_code == 200


def test_the_admin_declaration_form_refuses_marked_works_with_no_conflict(
    contest, assignment, make_user, direction, season
):
    juror = make_user("admin.juror")
    JuryMember.objects.create(user=juror, direction=direction, season=season)
    browser = browser_for(juror)
    url = f"/admin/learning/jury/declare/{assignment.pk}/"
    mixed = browser.post(url, {"declaration": "none", "conflicts": [contest["a"].jury_code]}, follow=True)
    assert "снимите отметки" in mixed.content.decode()
    assert not ConflictDeclaration.objects.filter(juror=juror).exists()
    browser.post(url, {"declaration": "conflicts", "conflicts": [contest["b"].jury_code], "note": "Сосед"})
    listing = browser.get("/admin/learning/jury/").content.decode()
    assert contest["b"].jury_code not in listing and contest["a"].jury_code in listing
    assert "Нет конфликта интересов" not in listing, "declared once"
    stranger = make_user("no.seat")
    assert browser_for(stranger).post(url, {"declaration": "none"}).status_code in (302, 403)
    assert not ConflictDeclaration.objects.filter(juror=stranger).exists()


# --- the ranking rule: the project's and the verifier's agree -------------------------------------


def test_the_project_and_the_verifier_rank_by_the_same_rule():
    verifier = load_verifier()
    rng = random.Random(15)
    for _ in range(200):
        jurors, works = rng.randint(1, 6), rng.randint(1, 12)
        bands = {work: rng.choice(["6-9", "10-13", "14-18"]) for work in range(1, works + 1)}
        scores = [
            (juror, work, bands[work], rng.choice([rng.randint(0, 15), 7]))
            for juror in range(1, jurors + 1)
            for work in range(1, works + 1)
            if rng.random() < 0.8
        ]
        assert ranking.z_score_ranking(scores) == verifier.z_score_ranking(scores)
    assert verifier.RESULTS_RULE == ranking.RULE_VERSION


def test_the_public_table_ranks_as_the_mentors_screen(results, assignment):
    table = selectors.public_results(assignment)
    by_code = {row["code"]: row for row in table["works"]}
    for band, rows in selectors.jury_ranking(assignment).items():
        for row in rows:
            published = by_code[row["submission"].pk]
            assert (published["place"], published["score"], published["age_band"]) == (
                row["place"],
                row["score"],
                band,
            )
    recomputed = load_verifier().z_score_ranking(
        (s["juror"], row["code"], row["age_band"], s["total"]) for row in table["works"] for s in row["scores"]
    )
    assert {r["work"]: r["place"] for rows in recomputed.values() for r in rows} == {
        row["code"]: row["place"] for row in table["works"]
    }


# --- what a child sees ------------------------------------------------------------------------------


def test_the_child_sees_the_jury_scores_only_after_the_results(contest, assignment, mentor_seat, stories_index):
    ira = contest["a"]
    kid = browser_for(ira.student.user)
    before = kid.get(f"/cabinet/works/{ira.pk}/")
    assert before.status_code == 200
    html = before.content.decode()
    assert "появятся здесь, когда итоги" in html
    assert "Член жюри 1" not in html and "место" not in html.split("Оценки жюри появятся")[0]

    services.confirm_winners(mentor_seat.user, assignment, winners=[ira, contest["c"]], notify=False)
    html = kid.get(f"/cabinet/works/{ira.pk}/").content.decode()
    for number in (1, 2, 3):
        assert f"Член жюри {number}" in html
    for comment in COMMENTS:
        assert comment in html
    assert "Исполнение: 10 из 10" in html and "Артистизм: 5 из 5" in html, "per-criterion points"
    assert "1 место</strong> из 2 в группе 10–13 лет" in html  # an en dash, as the site writes ages
    results = selectors.work_results(ira)
    first = results["jurors"][0]
    # The generous juror: totals 15, 2, 15, 14 → mean 11.5, spread 5.5; Ira's 15 → z = 3.5 / 5.5 ≈ 0.64.
    assert (first["mean"], first["spread"], first["z"]) == (11.5, 5.5, 0.64)
    assert "в среднем ставил 11,50 (разброс 5,50)" in html
    assert "z-оценк" in html and f"{results['score']:.4f}".replace(".", ",").replace("-", "\u2212") in html
    for juror in JuryMember.objects.filter(role="juror"):
        for trace in (juror.user.username, juror.user.get_full_name(), juror.user.email):
            assert not trace or trace not in html, "jurors stay anonymous"

    guardian = browser_for(ira.student.guardian)
    assert "Член жюри 1" in guardian.get(f"/cabinet/works/{ira.pk}/").content.decode()
    assert f"/cabinet/works/{ira.pk}/" in guardian.get(f"/cabinet/children/{ira.student.pk}/").content.decode()


def test_nobody_else_sees_a_childs_own_results_page(results):
    ira, oleg = results["a"], results["b"]
    assert browser_for(oleg.student.user).get(f"/cabinet/works/{ira.pk}/").status_code == 404
    assert browser_for(oleg.student.guardian).get(f"/cabinet/works/{ira.pk}/").status_code == 404
    anonymous = browser_for().get(f"/cabinet/works/{ira.pk}/")
    assert anonymous.status_code == 302 and "/cabinet/login/" in anonymous["Location"]
    assert browser_for(oleg.student.user).get("/cabinet/works/999999/").status_code == 404


# --- the public results page -----------------------------------------------------------------------


def test_the_public_results_page_appears_only_after_the_results(contest, assignment, mentor_seat, stories_index):
    visitor = browser_for()
    assert visitor.get(f"/results/{assignment.pk}/").status_code == 404
    answer = visitor.get(f"/api/results/{assignment.pk}/")
    assert answer.status_code == 404 and answer.json()["detail"] == "Итоги этого задания ещё не подведены."
    assert visitor.get("/api/results/999999/").json()["detail"] == "Нет такого задания."
    assert visitor.get("/results/abc/").status_code == 404
    services.confirm_winners(mentor_seat.user, assignment, winners=[contest["a"]], notify=False)
    page = visitor.get(f"/results/{assignment.pk}/")
    assert page.status_code == 200
    # A VK card of the page names the assignment (og:title), as every public page does.
    assert f'<meta property="og:title" content="Итоги: {assignment.title} — Поколение М">' in page.content.decode()
    assert (
        '<meta property="og:title" content="Итоги конкурса — Поколение М">' in visitor.get("/results/").content.decode()
    )


def test_the_public_table_names_no_child_and_skips_unapproved_works(results, assignment):
    visitor = browser_for()
    html = visitor.get(f"/results/{assignment.pk}/").content.decode()
    table = visitor.get(f"/api/results/{assignment.pk}/").json()
    for body in (html, visitor.get(f"/api/results/{assignment.pk}/").content.decode("utf-8")):
        for key in ("a", "b", "c", "d"):
            kid = results[key].student
            assert kid.public_name in body
            for private in (kid.surname, kid.town, kid.user.email, kid.guardian_email):
                assert not private or private not in body, private
        for key in ("rejected", "pending"):
            assert results[key].title not in body and results[key].student.first_name not in body
    assert [row["code"] for row in table["works"]] == [results[k].pk for k in ("a", "b", "c", "d")]
    assert table["winners"] == [results["a"].pk, results["c"].pk]
    assert table["jurors"] == ["Член жюри 1", "Член жюри 2", "Член жюри 3"]
    first = table["works"][0]
    assert set(first) >= {"code", "title", "author", "age_band", "scores", "score", "place", "winner"}
    assert first["author"] == "Ира С." and first["place"] == 1
    assert [s["total"] for s in first["scores"]] == [15, 4, 7], "per juror, numbered by first score"
    assert "z-оценк" in html and f"--results {assignment.pk}" in html
    assert "Член жюри 1: <strong>15</strong> (10 + 5)" in html, "points in the criteria's order"
    assert "Группа 10–13 лет" in html and "10-13" not in html  # the API keeps the key "10-13"
    assert any(row["score"] < 0 for row in table["works"])
    assert "\u2212" in html and not re.search(r"[>\s]-\d", html), "a minus sign, not a hyphen"
    assert table["appeals"]["filed"] == 0


# --- appeals --------------------------------------------------------------------------------------


def test_appeals_open_with_the_results_and_close_after_the_window(contest, assignment, mentor_seat, stories_index):
    oleg = contest["b"]
    kid = browser_for(oleg.student.user)
    text = "Прошу пересмотреть: жюри не заметило вторую часть песни."
    early = kid.post(f"/cabinet/works/{oleg.pk}/", {"text": text})
    assert early.status_code == 409 and "ещё не подведены" in early.content.decode()

    services.confirm_winners(mentor_seat.user, assignment, winners=[contest["a"]], notify=False)
    short = kid.post(f"/cabinet/works/{oleg.pk}/", {"text": "Не согласен"})
    assert short.status_code == 400 and "не короче 20 символов" in short.content.decode()
    long = kid.post(f"/cabinet/works/{oleg.pk}/", {"text": "я" * 3001})
    assert long.status_code == 400 and "не длиннее 3000 символов" in long.content.decode()
    assert kid.post(f"/cabinet/works/{oleg.pk}/", {"text": text}).status_code == 302
    twice = kid.post(f"/cabinet/works/{oleg.pk}/", {"text": text + " Ещё раз."})
    assert twice.status_code == 409 and "уже есть апелляция на рассмотрении" in twice.content.decode()
    assert Appeal.objects.get().filed_by == oleg.student.user

    stranger = browser_for(contest["c"].student.user).post(f"/cabinet/works/{oleg.pk}/", {"text": text})
    assert stranger.status_code == 404
    with pytest.raises(ServiceError) as refused:
        services.file_appeal(contest["c"].student.user, oleg, text)
    assert "только автор работы или его родитель" in str(refused.value.message)

    window = selectors.appeal_window(assignment)
    assert window[1] - window[0] == timedelta(days=7), "by default a week from the results"
    assignment.appeals_close_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    late_work = contest["c"]
    late = browser_for(late_work.student.user).post(f"/cabinet/works/{late_work.pk}/", {"text": text})
    assert late.status_code == 409 and "Приём апелляций по этому заданию закрылся" in late.content.decode()
    assignment.appeals_open_at = timezone.now() + timedelta(days=1)
    assignment.appeals_close_at = timezone.now() + timedelta(days=3)
    assignment.save()
    soon = browser_for(late_work.student.user).post(f"/cabinet/works/{late_work.pk}/", {"text": text})
    assert soon.status_code == 409 and "откроется" in soon.content.decode()


def test_a_guardian_appeals_and_an_editor_decides_in_the_queue(results, assignment, editor, moderator):
    work_b = results["b"]  # Олег, 12: his guardian appeals
    guardian = browser_for(work_b.student.guardian)
    text = "Просим объяснить оценку по артистизму: в видео есть вторая часть."
    assert guardian.post(f"/cabinet/works/{work_b.pk}/", {"text": text}).status_code == 302
    ira = results["a"]
    services.file_appeal(ira.student.user, ira, "Хочу узнать, как считали баллы моей работы.")
    appeal = Appeal.objects.get(submission=work_b)

    assert browser_for(moderator).get("/admin/learning/appeals/").status_code in (302, 403)
    assert browser_for(work_b.student.user).get("/admin/learning/appeals/").status_code in (302, 403)
    refused = browser_for(moderator).post(
        f"/admin/learning/appeals/{appeal.pk}/decide/", {"decision": "upheld", "reason": "Да"}
    )
    assert refused.status_code in (302, 403) and Appeal.objects.get(pk=appeal.pk).status == "open"
    desk = browser_for(editor)
    queue = desk.get("/admin/learning/appeals/").content.decode()
    assert text in queue and "Хочу узнать" in queue
    no_reason = desk.post(f"/admin/learning/appeals/{appeal.pk}/decide/", {"decision": "upheld"}, follow=True)
    assert "Напишите причину решения" in no_reason.content.decode()
    reason = "Редакция пересмотрела оценку: вторая часть видео учтена, место не меняется."
    desk.post(f"/admin/learning/appeals/{appeal.pk}/decide/", {"decision": "upheld", "reason": reason})
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.decision_reason) == ("upheld", editor, reason)
    again = desk.post(f"/admin/learning/appeals/{appeal.pk}/decide/", {"decision": "rejected", "reason": "Нет"})
    assert again.status_code == 302 and Appeal.objects.get(pk=appeal.pk).status == "upheld"

    page = browser_for(work_b.student.user).get(f"/cabinet/works/{work_b.pk}/").content.decode()
    assert reason in page and "удовлетворена" in page
    told = Notification.objects.filter(recipient=work_b.student.user, kind="results", title__contains="удовлетворена")
    assert told.exists()
    public = browser_for().get(f"/api/results/{assignment.pk}/").json()["appeals"]
    assert (public["filed"], public["upheld"]) == (2, 1)
    html = browser_for().get(f"/results/{assignment.pk}/").content.decode()
    assert "2</strong> апелляции подано" in html and "1</strong> удовлетворено" in html
    assert Submission.objects.get(pk=work_b.pk).status == "shortlisted", "an appeal changes no result by itself"


def test_how_to_check_explains_the_jury_table_and_the_command(results, assignment):
    page = browser_for().get("/how-to-check/").content.decode()
    assert "Как проверить итоги конкурса" in page and "z-оценк" in page and "Член жюри 1, 2, 3" in page
    assert "verify_ledger.py http://testserver --results 12" in page
    index = browser_for().get("/results/").content.decode()
    assert f'href="/results/{assignment.pk}/"' in index
