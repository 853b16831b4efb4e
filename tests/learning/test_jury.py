import json

import pytest
from wagtail.models import Page

from cms.models import WinnerStoryPage
from learning import services
from learning.models import Submission
from tests.factories import image_upload, make_season

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlist(make_student, assignment, moderator, campaign):
    """Four shortlisted works: two 10–13, two 14–18."""
    people = [
        ("ira@example.org", "Ира", "Соколова", 11, "52", "Выкса"),
        ("oleg@example.org", "Олег", "Панов", 12, "66", "Ирбит"),
        ("dina@example.org", "Дина", "Мухина", 15, "16", "Елабуга"),
        ("gosha@example.org", "Гоша", "Рябов", 16, "77", "Москва"),
    ]
    works = []
    for email, first, surname, age, region, town in people:
        kid = make_student(email=email, first_name=first, surname=surname, age=age, region=region, town=town)
        work = services.submit_work(kid, assignment, title=f"Песня {first}", files=[image_upload()])
        services.approve_submission(work, moderator)
        works.append(services.shortlist_submission(work, moderator))
    return works


def points(assignment, *values):
    return {str(c.pk): v for c, v in zip(assignment.criteria.all(), values, strict=True)}


def keys_in(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def test_blind_view_shows_no_identity(shortlist, jurors, client_for):
    response = client_for(jurors[0]).get("/api/jury/works/")
    assert response.status_code == 200
    assert response.json()["count"] == 4
    # Titles here name the child on purpose ("Песня Ира"); everything else must not.
    body = response.content.decode()
    for work in shortlist:
        body = body.replace(work.title, "")
    for work in shortlist:
        kid = work.student
        for identity in [kid.first_name, kid.surname, kid.town, kid.region.name, kid.user.email, kid.guardian_email]:
            assert not identity or identity not in body, identity
    identity_fields = {"author", "age", "age_band", "region", "town", "first_name", "surname", "student", "email"}
    assert not keys_in(response.json()) & identity_fields
    detail = client_for(jurors[0]).get(f"/api/jury/works/{shortlist[0].jury_code}/").json()
    assert set(detail) == {"code", "assignment", "title", "description", "text", "files", "criteria", "my_score"}


def test_the_jury_sees_works_under_codes_that_lead_nowhere_in_the_gallery(shortlist, jurors, client_for):
    juror = client_for(jurors[0])
    body = juror.get("/api/jury/works/").content.decode()
    gallery = client_for().get("/api/gallery/").content.decode()
    listed = json.loads(body)
    listed = listed["results"] if isinstance(listed, dict) else listed
    # No work carries its id (a criterion's id may be any number, a work's among them).
    assert len(listed) == len(shortlist) and all("id" not in work for work in listed)
    for work in shortlist:
        item = work.files.get()
        # Nothing the juror gets names the work as the gallery does: no id, uid, file uid or title.
        assert work.jury_code and work.jury_code != str(work.pk) and work.jury_code.lower() not in work.uid.hex
        for trace in (str(work.uid), str(item.uid), work.title, f'"size":{item.size}'):
            assert trace not in body.replace(" ", "") and trace not in body, trace
        assert work.jury_code not in gallery
        # The files come by the code and their place in the work.
        answer = juror.get(f"/api/jury/works/{work.jury_code}/files/1/")
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == item.file.open("rb").read()
    assert juror.get(f"/api/jury/works/{shortlist[0].jury_code}/files/2/").status_code == 404
    assert juror.get(f"/api/jury/works/{shortlist[0].pk}/").status_code == 404


def test_the_gallery_names_no_author_of_a_work_under_judging_until_the_results(
    shortlist, jurors, assignment, mentor_seat, client_for, stories_index
):
    visitor = client_for()
    ira = shortlist[0]
    detail = visitor.get(f"/api/gallery/{ira.pk}/").json()
    assert detail["author"] is None and detail["age_band"] is None
    assert ira.pk not in [w["id"] for w in visitor.get("/api/gallery/?region=52").json()["results"]]
    assert ira.pk not in [w["id"] for w in visitor.get("/api/gallery/?age_band=10-13").json()["results"]]
    for url in ("/gallery/", f"/gallery/{ira.pk}/", "/gallery/?region=52"):
        html = visitor.get(url).content.decode()
        assert "Ира С." not in html and "Ира" not in html.replace(ira.title, ""), url
    assert "после итогов" in visitor.get(f"/gallery/{ira.pk}/").content.decode()

    for juror in jurors:
        for work in shortlist:
            services.score_submission(juror, work, points=points(assignment, 7, 3), comment="ок")
    services.confirm_winners(mentor_seat.user, assignment, winners=[shortlist[2]], notify=False)

    detail = visitor.get(f"/api/gallery/{ira.pk}/").json()  # not a winner, but judged
    assert detail["author"] == {
        "first_name": "Ира",
        "surname_initial": "С",
        "age": 11,
        "region": "Нижегородская область",
    }
    assert ira.pk in [w["id"] for w in visitor.get("/api/gallery/?region=52").json()["results"]]
    assert "Ира С." in visitor.get(f"/gallery/{ira.pk}/").content.decode()


def test_conflict_of_interest_hides_the_work(shortlist, jurors, client_for):
    client = client_for(jurors[0])
    code = shortlist[0].jury_code
    assert client.post(f"/api/jury/works/{code}/conflict/", {"note": "Моя ученица"}).status_code == 201
    codes = [w["code"] for w in client.get("/api/jury/works/").json()["results"]]
    assert code not in codes and len(codes) == 3
    assert client.post(f"/api/jury/works/{code}/score/", {}, format="json").status_code == 404
    assert client.get(f"/api/jury/works/{code}/files/1/").status_code == 404
    assert client.get(f"/api/works/files/{shortlist[0].files.get().uid}/").status_code == 200, "public anyway"


def test_scores_follow_the_rubric(shortlist, jurors, client_for, assignment):
    client = client_for(jurors[0])
    url = f"/api/jury/works/{shortlist[0].jury_code}/score/"
    too_high = client.post(url, {"points": points(assignment, 11, 5), "comment": "Сильно"}, format="json")
    assert too_high.status_code == 400
    assert "от 0 до 10" in too_high.json()["detail"]
    missing = client.post(url, {"points": points(assignment, 9, 4), "comment": ""}, format="json")
    assert missing.status_code == 400
    ok = client.post(url, {"points": points(assignment, 9, 4), "comment": "Чисто и смело"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["total"] == 13
    mine = client.get(f"/api/jury/works/{shortlist[0].jury_code}/").json()["my_score"]
    assert mine["comment"] == "Чисто и смело"


def test_ranking_normalises_each_juror_and_keeps_likes_apart(
    shortlist, jurors, assignment, mentor_seat, client_for, make_user
):
    a, b, c, d = shortlist
    # Juror 1 is generous, juror 2 strict, juror 3 in between; all prefer a over b and c over d,
    # but the generous juror's huge gap must not outweigh the other two.
    totals = {
        jurors[0]: {a: (10, 5), b: (2, 0), c: (10, 5), d: (9, 5)},
        jurors[1]: {a: (3, 1), b: (4, 1), c: (4, 1), d: (2, 0)},
        jurors[2]: {a: (5, 2), b: (6, 2), c: (7, 3), d: (5, 2)},
    }
    for juror, works in totals.items():
        for work, values in works.items():
            services.score_submission(juror, work, points=points(assignment, *values), comment="ок")
    for n in range(3):
        services.set_like(make_user(f"fan{n}"), d, True)
    response = client_for(mentor_seat.user).get(f"/api/jury/assignments/{assignment.pk}/ranking/")
    assert response.status_code == 200, response.content
    bands = {row["age_band"]: row for row in response.json()}
    younger = [r["submission"] for r in bands["10-13"]["jury"]]
    assert younger == [a.pk, b.pk]
    older = [r["submission"] for r in bands["14-18"]["jury"]]
    assert older == [c.pk, d.pk]
    assert all(r["enough_scores"] for r in bands["14-18"]["jury"])
    assert bands["14-18"]["audience"][0]["submission"] == d.pk, "the audience award is separate"


def test_z_scores_make_a_strict_and_a_generous_juror_weigh_the_same(shortlist, jurors, assignment):
    a, b, c, d = shortlist
    # One juror with a wide scale loves a; two jurors with a narrow scale both prefer b. Raw sums
    # favour a (19 against 9); normalised per juror, two out of three preferences win.
    scores = {
        jurors[0]: {a: 15, b: 1, c: 15, d: 14},
        jurors[1]: {a: 2, b: 4, c: 2, d: 3},
        jurors[2]: {a: 2, b: 4, c: 2, d: 3},
    }
    for juror, works in scores.items():
        for work, total in works.items():
            values = (min(total, 10), total - min(total, 10))
            services.score_submission(juror, work, points=points(assignment, *values), comment="ок")
    ranking = services.jury_ranking(assignment)
    younger = ranking["10-13"]
    assert [row["submission"].pk for row in younger] == [b.pk, a.pk]


def test_mentor_confirms_winners_and_story_drafts_appear(
    shortlist, jurors, assignment, mentor_seat, client_for, stories_index, mailoutbox
):
    for juror in jurors:
        for work in shortlist:
            services.score_submission(juror, work, points=points(assignment, 7, 3), comment="ок")
    winner, finalist = shortlist[0], shortlist[2]
    response = client_for(mentor_seat.user).post(
        f"/api/jury/assignments/{assignment.pk}/winners/",
        {"winners": [winner.pk], "finalists": [finalist.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    winner.refresh_from_db()
    finalist.refresh_from_db()
    assert (winner.status, finalist.status) == ("winner", "finalist")
    story = WinnerStoryPage.objects.get()
    assert story.live is False and story.has_unpublished_changes
    assert story.get_parent().pk == stories_index.pk
    assert (story.first_name, story.surname_initial, story.age) == ("Ира", "С", 11)
    assert story.region.code == "52"
    assert "Соколова" not in str(Page.objects.get(pk=story.pk).title)
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert "ira@example.org" in recipients and "parent.ira@example.org" in recipients
    assert any("победитель" in mail.subject for mail in mailoutbox)


def test_winners_need_enough_jury_scores(shortlist, jurors, assignment, mentor_seat, client_for, stories_index):
    services.score_submission(jurors[0], shortlist[0], points=points(assignment, 7, 3), comment="ок")
    response = client_for(mentor_seat.user).post(
        f"/api/jury/assignments/{assignment.pk}/winners/", {"winners": [shortlist[0].pk]}, format="json"
    )
    assert response.status_code == 400
    assert "не меньше 3 оценок" in response.json()["detail"]
    assert Submission.objects.get(pk=shortlist[0].pk).status == "shortlisted"


def test_only_the_directions_mentor_confirms_winners(shortlist, jurors, assignment, client_for, stories_index):
    response = client_for(jurors[0]).post(
        f"/api/jury/assignments/{assignment.pk}/winners/", {"winners": [shortlist[0].pk]}, format="json"
    )
    assert response.status_code == 403


def test_a_seat_opens_the_jury_screen_and_the_last_seat_removed_closes_it(make_user, direction, season):
    from learning.models import JURY_GROUP, JuryMember

    juror = make_user("juror.temp")
    first = JuryMember.objects.create(user=juror, direction=direction, season=season)
    other_season = make_season(name="Следующий сезон", days_before=-200, days_after=400)
    JuryMember.objects.create(user=juror, direction=direction, season=other_season)
    assert juror.groups.filter(name=JURY_GROUP).exists()

    first.delete()
    assert juror.groups.filter(name=JURY_GROUP).exists()  # still on the other season's jury
    JuryMember.objects.filter(user=juror).delete()  # as the admin's bulk delete does
    assert not juror.groups.filter(name=JURY_GROUP).exists()


def test_a_winner_story_names_the_town_only_once_the_guardian_consents(
    shortlist, jurors, assignment, mentor_seat, client_for, stories_index, mailoutbox
):
    import re

    from learning.models import Consent

    for juror in jurors:
        for work in shortlist:
            services.score_submission(juror, work, points=points(assignment, 7, 3), comment="ок")
    ira = shortlist[0]  # Выкса, 52 000 people
    services.confirm_winners(mentor_seat.user, assignment, winners=[ira])
    story = WinnerStoryPage.objects.get()
    assert (story.town, story.town_size) == ("", "10k_100k")
    story.save_revision().publish()
    visitor = client_for()
    page = visitor.get(story.url).content.decode()
    data = visitor.get(f"/api/v2/pages/{story.pk}/").json()
    assert "Выкса" not in page and "52 тыс" not in page and "52000" not in page
    assert "город от 10 до 100 тысяч жителей" in page
    assert (data["town"], data["where_from"]) == ("", "город от 10 до 100 тысяч жителей")
    assert "Выкса" not in str(data) and "52000" not in str(data)

    letter = next(mail for mail in mailoutbox if mail.to == ["parent.ira@example.org"] and "победител" in mail.subject)
    link = re.search(r"http://\S+(/api/consent/town/\S+/)", letter.body).group(1)
    assert "Даю согласие" in visitor.get(link).content.decode()
    assert not Consent.objects.filter(kind="town_in_story").exists(), "opening the link consents to nothing"
    assert visitor.post(link, REMOTE_ADDR="10.9.9.9").status_code == 200
    consent = Consent.objects.get(kind="town_in_story")
    assert (consent.email, consent.ip, consent.student_id) == ("parent.ira@example.org", "10.9.9.9", ira.student_id)
    assert consent.text_version == services.TOWN_CONSENT_TEXT_VERSION

    story.refresh_from_db()
    assert story.town == "Выкса" and story.get_latest_revision().content["town"] == "Выкса"
    assert "Выкса" in visitor.get(story.url).content.decode()
