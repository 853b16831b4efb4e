"""Every public page a person meets first, in Chromium at phone and desktop widths: nothing is
wider than the screen, the player fills its column, and axe-core finds no critical or serious
accessibility problem. Also what a shared link shows in a VKontakte card."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import DESKTOP, PHONE, add_child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "Telefon-2026-zima"


def png_upload(name="work.png", size=(800, 600)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 40, 160)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def site_pages(season_content, live_server):
    """The season of season_content with a 15-year-old's approved work (an image) and a foundation
    that passed the money on to a child whose story may be published."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cms.models import HomePage, PartnerIndexPage, PartnerPage
    from engagement.models import Beneficiary, Campaign, Transfer
    from engagement.services import save_transfer
    from learning import services as learning

    today = timezone.localdate()
    student = learning.register_student(
        email="sasha@example.ru",
        password=PASSWORD,
        first_name="Саша",
        surname="Телефонова",
        birth_date=today.replace(year=today.year - 15) - datetime.timedelta(days=10),
        region=season_content["region"],
        town="Вологда",
        consent=True,
        ip="127.0.0.1",
    )
    moderator = get_user_model().objects.create_user("moderator", "moderator@example.ru", PASSWORD)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    work = learning.submit_work(
        student,
        season_content["assignment"],
        title="Обложка к песне про очень длинную дорогу домой",
        description="Рисовала гуашью два вечера.",
        files=[png_upload()],
    )
    learning.approve_submission(work, moderator)

    partners = add_child(HomePage.objects.get(), PartnerIndexPage(title="Партнёры", slug="partners"))
    foundation = add_child(
        partners, PartnerPage(title="Фонд «Тёплые ладони»", slug="fund", kind="foundation", description="<p>Фонд.</p>")
    )
    child = Beneficiary.objects.create(
        foundation=foundation,
        first_name="Алиса",
        age=6,
        region=season_content["region"],
        diagnosis="врождённый порок сердца, нужна операция на открытом сердце в федеральном центре",
        amount_needed=45_000_000,
        verified_on=today,
        consent_to_publish=True,
    )
    save_transfer(
        Transfer(
            campaign=Campaign.objects.get(),
            foundation=foundation,
            beneficiary=child,
            amount=100,
            transferred_on=today,
            payment_reference="ПП-000123456789",
        )
    )
    return {"work": work, **season_content}


def sign_in(page):
    page.goto("/cabinet/login/")
    page.get_by_label("Email").fill("sasha@example.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name="Привет, Саша!").wait_for()


def page_urls(site_pages):
    return {
        "home": "/",
        "lesson": site_pages["lesson"].url,
        "gallery": "/gallery/",
        "work": f"/gallery/{site_pages['work'].pk}/",
        "register": "/cabinet/register/",
        "transparency": "/transparency/",
        "widget": "/widget/",
        "widget-counter": "/widget/counter/",
        "cabinet": "/cabinet/",
    }


def serious_violations(page):
    """axe-core's critical and serious findings on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    found = []
    for violation in json.loads(result)["violations"]:
        if violation["impact"] in ("critical", "serious"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_first_page_fits_the_screen_and_passes_axe(new_page, site_pages, screenshot, viewport):
    page = new_page(viewport, bypass_csp=True)  # axe runs as an inline script
    problems = {}
    for name, url in page_urls(site_pages).items():
        if name == "cabinet":
            sign_in(page)
        page.goto(url)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            problems[f"{name}: ширина"] = f"{width} px > {viewport['width']} px"
        found = serious_violations(page)
        if found:
            problems[f"{name}: axe"] = found
        if viewport is PHONE:
            screenshot(page, f"fits-{name}-phone")
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_on_a_phone_the_player_and_the_widget_code_fill_the_column(new_page, site_pages):
    page = new_page(PHONE)
    page.goto(site_pages["lesson"].url)
    column = page.locator("[data-player]").evaluate(
        "el => { const s = getComputedStyle(el.parentElement);"
        " return el.parentElement.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"
    )
    player = page.locator("[data-player]").bounding_box()
    video = page.locator("[data-player] video").bounding_box()
    assert column > 300
    assert player["width"] == pytest.approx(column, abs=1)
    assert video["width"] == pytest.approx(column, abs=1)

    page.goto("/widget/")
    for box in page.get_by_role("textbox").all():
        assert box.bounding_box()["width"] >= column - 1
        assert box.bounding_box()["height"] >= 60
        assert box.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_wide_tables_scroll_inside_a_focusable_region(new_page, site_pages):
    page = new_page(PHONE)
    page.goto("/transparency/")
    region = page.get_by_role("region", name="Кому помогли в сезоне Сезон проверки")
    region.focus()
    assert region.evaluate("el => document.activeElement === el")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sign_in(page)
    works = page.locator(".table-scroll").and_(page.get_by_role("region", name="Мои работы"))
    assert works.get_attribute("tabindex") == "0"


def test_on_a_phone_a_childs_works_read_as_cards_without_words_broken(new_page, site_pages):
    """Four columns in 390 px broke the title and the status badge mid-word («опуб|лико|вана»)."""
    page = new_page(PHONE)
    sign_in(page)
    row = page.locator(".works-table tbody tr").first
    title, status = row.locator("td").first, row.locator(".status")
    assert title.bounding_box()["width"] >= row.bounding_box()["width"] - 1  # the title has the whole width
    line = status.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert status.bounding_box()["height"] < 2 * line  # one line
    assert row.locator("td[data-label='Статус']").evaluate("el => getComputedStyle(el, '::before').content") == (
        '"Статус: "'
    )
    page.set_viewport_size(DESKTOP)
    assert page.locator(".works-table thead").is_visible()  # a table again where it fits


BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.table-scroll td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code')) continue;  // hashes may break
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


def test_on_a_phone_the_transparency_tables_scroll_with_whole_words(new_page, site_pages):
    """Squeezed to 390 px, the cells broke «Благотворительный» and «450 000 ₽» mid-word."""
    page = new_page(PHONE)
    page.goto("/transparency/")
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_shared_page_shows_a_card_with_a_picture(new_page, site_pages, live_server):
    page = new_page(DESKTOP)
    for url in page_urls(site_pages).values():
        if url.startswith(("/cabinet/", "/widget/counter/")):  # private, or framed on partners' pages
            continue
        page.goto(url)
        meta = page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')]
                 .map(m => [m.getAttribute('property'), m.content]))"""
        )
        for key in ("og:title", "og:description", "og:image", "og:url", "og:type"):
            assert meta.get(key), (url, key, meta)
        assert meta["og:url"].startswith(live_server.url), meta
        assert meta["og:image"].startswith(live_server.url), meta
        image = page.request.get(meta["og:image"])
        assert image.ok and image.headers["content-type"] in ("image/png", "image/jpeg"), meta["og:image"]
        picture = Image.open(io.BytesIO(image.body()))
        # A VKontakte link card is 537×240 (2.24:1) at the least; the image fills it uncropped.
        assert picture.width >= 537 and picture.height >= 240, picture.size
        assert int(meta["og:image:width"]) == picture.width and int(meta["og:image:height"]) == picture.height
        assert "Поколение М" in meta["og:title"] or meta.get("og:site_name") == "Поколение М"


def test_the_work_page_says_truthfully_what_earns_a_rouble(new_page, site_pages):
    page = new_page(PHONE)
    page.goto(f"/gallery/{site_pages['work'].pk}/")
    share = page.locator("[data-share-section]")
    text = share.inner_text()
    assert "рубль" not in text.split("Что приносит рубль")[0]
    earns = page.locator("[data-earns]").inner_text()
    assert "одобренная модератором конкурсная работа" in earns
    assert "лайк работе на сайте" in earns
    assert "лайк или репост записи сообщества" in earns
    assert "Ссылка на эту страницу сама по себе рублей не приносит" in text


def test_a_secondary_button_looks_the_same_whether_it_is_a_link_or_a_button(new_page, site_pages):
    """«Выйти» is a <button>, «Скачать мои данные» a link; both are the outlined secondary kind, so the
    one filled button on the page stays the main action."""
    page = new_page(PHONE)
    sign_in(page)
    look = "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color, s.borderTopColor]; }"
    link = page.get_by_role("link", name="Скачать мои данные").evaluate(look)
    button = page.get_by_role("button", name="Выйти").evaluate(look)
    assert button == link
    assert link[0] == "rgba(0, 0, 0, 0)", link
