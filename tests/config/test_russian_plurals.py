"""Russian plurals come from gettext (the committed `ru` catalogue), never from hand-written endings:
1 лайк, 2 лайка, 5 лайков, 21 лайк, 11 лайков."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import ngettext, override

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"


@pytest.mark.parametrize(
    ("singular", "plural", "forms"),
    [
        ("like", "likes", ["лайк", "лайка", "лайков", "лайк", "лайков"]),
        ("child helped", "children helped", ["ребёнок получил помощь", "ребёнка получили помощь",
            "детей получили помощь", "ребёнок получил помощь", "детей получили помощь"]),
        ("work sent", "works sent", ["работа отправлена", "работы отправлены", "работ отправлено",
            "работа отправлена", "работ отправлено"]),
        ("year", "years", ["год", "года", "лет", "год", "лет"]),
    ],
)  # fmt: skip
def test_counted_words_take_the_russian_form_for_1_2_5_21_11(singular, plural, forms):
    with override("ru"):
        assert [ngettext(singular, plural, n) for n in (1, 2, 5, 21, 11)] == forms


def test_results_and_demo_counter_messages_agree_with_their_number():
    results = "Results confirmed: %(count)s work. Winner story drafts await the editors."
    results_plural = "Results confirmed: %(count)s works. Winner story drafts await the editors."
    counter = "Counter: %(roubles)s ₽ for %(count)s action; new ledger hashes published: %(published)s"
    counter_plural = "Counter: %(roubles)s ₽ for %(count)s actions; new ledger hashes published: %(published)s"
    with override("ru"):
        said = [ngettext(results, results_plural, n) % {"count": n} for n in (1, 2, 5, 21, 11)]
        assert [text.split(".")[0] for text in said] == [
            "Итоги утверждены: 1 работа",
            "Итоги утверждены: 2 работы",
            "Итоги утверждены: 5 работ",
            "Итоги утверждены: 21 работа",
            "Итоги утверждены: 11 работ",
        ]
        line = ngettext(counter, counter_plural, 73) % {"roubles": 73, "count": 73, "published": 0}
        assert line.startswith("Счётчик: 73 ₽ за 73 действия;")
        assert (ngettext(counter, counter_plural, 1) % {"roubles": 1, "count": 1, "published": 0}).startswith(
            "Счётчик: 1 ₽ за 1 действие;"
        )


def test_load_demo_summaries_count_in_russian():
    jury = ("a jury of %(count)s person", "a jury of %(count)s people")
    lessons = ("%(count)s master class", "%(count)s master classes")
    with override("ru"):
        assert [ngettext(*jury, n) % {"count": n} for n in (1, 2, 5, 21)] == [
            "жюри из 1 человека",
            "жюри из 2 человек",
            "жюри из 5 человек",
            "жюри из 21 человека",
        ]
        assert [ngettext(*lessons, n) % {"count": n} for n in (1, 2, 5, 21)] == [
            "1 мастер-класс",
            "2 мастер-класса",
            "5 мастер-классов",
            "21 мастер-класс",
        ]


def test_the_language_is_russian_and_the_project_catalogue_is_found():
    assert settings.LANGUAGE_CODE == "ru"
    assert CATALOGUE.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="msgfmt (Debian gettext) is not installed")
def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    subprocess.run(["msgfmt", "--check-format", "-o", tmp_path / "django.mo", CATALOGUE / "django.po"], check=True)
    assert (tmp_path / "django.mo").read_bytes() == (CATALOGUE / "django.mo").read_bytes()
