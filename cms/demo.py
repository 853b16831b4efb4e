"""Demo content: a believable season in Russian (all people and organisations are invented).

Two seasons (2025/26 past, 2026/27 current), nine directions with a mentor each (a Wagtail user
in the Mentors group), two masterclasses of three lessons per direction, six winner stories,
partners of all four kinds and four regional events. Covers are drawn with Pillow.
Idempotent: everything is found by a stable key (slug, username, title) and left as it is.
"""

import colorsys
import datetime
import hashlib
import io
import random
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.translation import ngettext
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Site
from wagtail.rich_text import RichText

from cms import models
from cms.models import (
    DirectionPage,
    EventPage,
    HomePage,
    LessonPage,
    MasterclassMaterial,
    MasterclassPage,
    MentorPage,
    MentorSocialLink,
    PartnerPage,
    Region,
    Season,
    WinnerStoryPage,
)
from cms.towns import town_size_bucket
from config.text import quoted
from learning.demo import DOMAIN, set_demo_password
from media_pipeline.demo import ready_lesson_videos

EDITOR = "redaktor.demo"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

SEASONS = [
    ("Сезон 2025/26", datetime.date(2025, 9, 1), datetime.date(2026, 5, 31)),
    ("Сезон 2026/27", datetime.date(2026, 9, 1), datetime.date(2027, 5, 31)),
]

SECTIONS = [
    ("DirectionIndexPage", "directions", "Направления", "Девять творческих направлений сезона: выбирайте своё."),
    ("MentorIndexPage", "mentors", "Наставники", "Артисты, режиссёры, художники и инженеры, которые учат бесплатно."),
    ("WinnerStoryIndexPage", "stories", "Истории победителей", "Как творческие лифты меняют жизнь ребят."),
    ("PartnerIndexPage", "partners", "Партнёры", "Те, кто делает проект возможным."),
    ("EventIndexPage", "events", "Мероприятия", "Встречи с наставниками в регионах."),
]

# slug, name, description, mentor (username, first, last, role, bio, achievements), masterclasses
DIRECTIONS = [
    (
        "vocal",
        "Вокал",
        "Пение с нуля и для тех, кто уже выступает: дыхание, опора, распевки, работа с микрофоном и сценой.",
        (
            "alina.solovyova",
            "Алина",
            "Соловьёва",
            "певица, солистка музыкального театра",
            "Пятнадцать лет на сцене музыкального театра, вела вокальную студию для подростков в Самаре.",
            "Лауреат всероссийского конкурса исполнителей эстрадной песни; сорок ролей в мюзиклах.",
        ),
        [
            (
                "vocal-first-steps",
                "Первый голос",
                "6-9",
                "Поём играя: слушаем себя, дышим животом, учим песенки-распевки.",
                [
                    ("breathing-game", "Дыхание-игра"),
                    ("echo-songs", "Песни-эхо"),
                    ("my-first-stage", "Моя первая сцена"),
                ],
            ),
            (
                "vocal-stage-voice",
                "Голос для сцены",
                "14-18",
                "Опора, диапазон, микрофон и волнение: всё, что нужно перед первым концертом.",
                [
                    ("support", "Опора и дыхание"),
                    ("range", "Расширяем диапазон"),
                    ("microphone", "Работа с микрофоном"),
                ],
            ),
        ],
    ),
    (
        "acting",
        "Актёрское мастерство",
        "Этюды, сценическая речь и импровизация: учимся существовать на сцене и в кадре.",
        (
            "kirill.vorontsov",
            "Кирилл",
            "Воронцов",
            "актёр театра и кино",
            "Служит в драматическом театре, снялся в двадцати фильмах и сериалах, ведёт театральную лабораторию.",
            "Премия зрительских симпатий регионального театрального фестиваля.",
        ),
        [
            (
                "acting-etudes",
                "Театр начинается с этюда",
                "10-13",
                "Наблюдаем, придумываем и показываем: этюды на память физических действий.",
                [("observation", "Наблюдение"), ("objects", "Этюд с предметом"), ("pair-etude", "Парный этюд")],
            ),
            (
                "acting-speech",
                "Сценическая речь",
                "14-18",
                "Дикция, голос и смысл: как читать стихи и прозу со сцены.",
                [("diction", "Дикция без скороговорок"), ("poetry", "Как читать стихи"), ("monologue", "Монолог")],
            ),
        ],
    ),
    (
        "cinema",
        "Кино",
        "Снимаем короткий фильм на телефон: сценарий, раскадровка, свет, монтаж.",
        (
            "darya.melnikova",
            "Дарья",
            "Мельникова",
            "режиссёр документального кино",
            "Сняла шесть документальных фильмов о малых городах России, преподаёт режиссуру.",
            "Победитель фестиваля документального кино «Северный экран».",
        ),
        [
            (
                "cinema-phone-film",
                "Фильм на телефон",
                "10-13",
                "От идеи до готового ролика за три урока.",
                [("idea", "Идея и история"), ("storyboard", "Раскадровка"), ("editing", "Монтаж на телефоне")],
            ),
            (
                "cinema-documentary",
                "Документальное кино",
                "14-18",
                "Как снимать реальных людей и не потерять правду.",
                [("hero", "Герой фильма"), ("interview", "Интервью"), ("light", "Свет и звук на натуре")],
            ),
        ],
    ),
    (
        "fashion-design",
        "Дизайн одежды",
        "От эскиза до первой вещи: силуэт, ткань, цвет и устойчивая мода.",
        (
            "timur.galiev",
            "Тимур",
            "Галиев",
            "дизайнер одежды, основатель бренда",
            "Основал бренд одежды из переработанных тканей, показывал коллекции в Москве и Казани.",
            "Финалист конкурса молодых дизайнеров; коллекция из вторичного денима.",
        ),
        [
            (
                "fashion-sketch",
                "Эскиз и силуэт",
                "10-13",
                "Рисуем фигуру и одежду, придумываем свой образ.",
                [("figure", "Фигура для эскиза"), ("silhouette", "Силуэт"), ("color", "Цвет и принт")],
            ),
            (
                "fashion-upcycle",
                "Вторая жизнь вещей",
                "14-18",
                "Переделываем старую одежду в новую коллекцию.",
                [
                    ("fabric", "Ткани и их свойства"),
                    ("deconstruction", "Разбираем вещь"),
                    ("capsule", "Капсульная коллекция"),
                ],
            ),
        ],
    ),
    (
        "painting",
        "Живопись",
        "Рисование акварелью, гуашью и маслом: видеть цвет, строить композицию, писать с натуры.",
        (
            "vera.lapteva",
            "Вера",
            "Лаптева",
            "художница-пейзажистка",
            "Пишет пейзажи русского Севера, двадцать персональных выставок, ведёт пленэры для детей.",
            "Работы в собраниях трёх региональных музеев.",
        ),
        [
            (
                "painting-watercolor",
                "Акварельные чудеса",
                "6-9",
                "Заливки, растяжки и смелые пятна цвета.",
                [("wet", "По-мокрому"), ("sky", "Небо и облака"), ("autumn", "Осенний лист")],
            ),
            (
                "painting-plein-air",
                "Пленэр",
                "14-18",
                "Пишем с натуры: свет, воздух, перспектива.",
                [
                    ("sketchbook", "Этюдник и материалы"),
                    ("perspective", "Воздушная перспектива"),
                    ("light", "Свет и тень"),
                ],
            ),
        ],
    ),
    (
        "photography",
        "Фотография",
        "Композиция, свет и история в одном кадре: снимаем на то, что есть под рукой.",
        (
            "maksim.ershov",
            "Максим",
            "Ершов",
            "фотограф, автор выставок о Русском Севере",
            "Снимает людей и деревни Архангельской области, публикуется в журналах о путешествиях.",
            "Гран-при фотоконкурса «Моя малая родина».",
        ),
        [
            (
                "photo-frame",
                "Кадр и композиция",
                "10-13",
                "Правило третей, линии и точка съёмки.",
                [("composition", "Композиция кадра"), ("lines", "Линии и ритм"), ("viewpoint", "Точка съёмки")],
            ),
            (
                "photo-portrait",
                "Портрет при свете окна",
                "14-18",
                "Снимаем людей красиво и честно.",
                [("window-light", "Свет из окна"), ("emotion", "Эмоция в портрете"), ("series", "Фотосерия")],
            ),
        ],
    ),
    (
        "illustration",
        "Иллюстрация",
        "Рисуем персонажей и истории: для книг, комиксов и открыток.",
        (
            "polina.snegireva",
            "Полина",
            "Снегирёва",
            "иллюстратор детских книг",
            "Проиллюстрировала тридцать детских книг, рисует комиксы и афиши.",
            "Диплом книжной выставки-ярмарки за лучшие иллюстрации к сказкам.",
        ),
        [
            (
                "illustration-character",
                "Мой персонаж",
                "6-9",
                "Придумываем героя и рисуем его в разных позах.",
                [("shapes", "Персонаж из фигур"), ("emotions", "Эмоции героя"), ("story", "Маленькая история")],
            ),
            (
                "illustration-comics",
                "Комикс за три урока",
                "10-13",
                "Кадры, реплики и ритм страницы.",
                [
                    ("script", "Сценарий комикса"),
                    ("panels", "Раскадровка страницы"),
                    ("lettering", "Реплики и леттеринг"),
                ],
            ),
        ],
    ),
    (
        "robotics",
        "Робототехника",
        "Собираем и программируем роботов: от первой схемы до соревнования.",
        (
            "artem.kulagin",
            "Артём",
            "Кулагин",
            "инженер-робототехник",
            "Разрабатывает промышленных роботов, тренирует школьные команды к соревнованиям.",
            "Его команды трижды выходили в финал всероссийской олимпиады по робототехнике.",
        ),
        [
            (
                "robotics-first-robot",
                "Первый робот",
                "10-13",
                "Моторы, датчики и простая программа.",
                [("motors", "Моторы и колёса"), ("sensors", "Датчики"), ("line", "Робот едет по линии")],
            ),
            (
                "robotics-arduino",
                "Arduino для начинающих",
                "14-18",
                "Схемы, код и свой проект.",
                [("circuit", "Первая схема"), ("code", "Программируем плату"), ("project", "Собственный проект")],
            ),
        ],
    ),
    (
        "blogging",
        "Блогинг",
        "Рассказывать о своём творчестве честно и интересно: текст, видео, безопасность в сети.",
        (
            "eva.rudneva",
            "Ева",
            "Руднева",
            "видеоблогер и журналист",
            "Ведёт научно-популярный видеоблог, работала корреспондентом региональной газеты.",
            "Премия за просветительский проект в интернете.",
        ),
        [
            (
                "blogging-story",
                "Расскажи свою историю",
                "10-13",
                "Как найти тему и рассказать о ней в коротком видео.",
                [("topic", "Выбираем тему"), ("script", "Пишем сценарий"), ("safety", "Безопасность в сети")],
            ),
            (
                "blogging-media",
                "Свой медиапроект",
                "14-18",
                "Формат, регулярность и уважение к аудитории.",
                [("format", "Формат и рубрики"), ("text", "Текст, который читают"), ("ethics", "Этика автора")],
            ),
        ],
    ),
]

# slug, first name, surname initial, age, region code, town's population, direction, opportunity, quote, story
# (no town name anywhere, the slug included: no guardian consented to naming it)
STORIES = [
    (
        "anya-k-vocal",
        "Аня",
        "К",
        12,
        "35",
        9000,
        "vocal",
        "сольный номер на гала-концерте сезона в Москве",
        "Я пела в хоре школы, а теперь знаю, как петь одной, и не боюсь.",
        "Аня записала первое видео на кухне, пока младший брат держал телефон. Наставник заметила её чистую интонацию.",
    ),
    (
        "timur-kh-robotics",
        "Тимур",
        "Х",
        15,
        "16",
        1300000,
        "robotics",
        "стажировка в инженерном центре",
        "Мой робот-сортировщик теперь помогает в школьной столовой.",
        "Тимур собрал робота, который сортирует крышки для переработки, и защитил проект перед жюри.",
    ),
    (
        "liza-m-photography",
        "Лиза",
        "М",
        9,
        "14",
        35000,
        "photography",
        "персональная выставка в городском музее",
        "Я фотографирую свой город зимой, когда минус пятьдесят и всё светится.",
        "Лиза снимала на старый телефон мамы. Её зимняя серия собрала больше всего лайков сезона.",
    ),
    (
        "egor-s-cinema",
        "Егор",
        "С",
        16,
        "22",
        3000,
        "cinema",
        "съёмки короткометражки с профессиональной группой",
        "В нашем селе три тысячи человек, и у каждого есть история для кино.",
        "Егор снял документальный фильм о сельском ветеринаре. Теперь он учится у съёмочной группы.",
    ),
    (
        "sofia-l-fashion",
        "Софья",
        "Л",
        13,
        "39",
        38000,
        "fashion-design",
        "показ коллекции на неделе моды",
        "Я перешила бабушкины платья в коллекцию, и она вышла на подиум.",
        "Софья придумала капсулу из старых платьев и показала её на неделе моды рядом со взрослыми дизайнерами.",
    ),
    (
        "arseny-b-illustration",
        "Арсений",
        "Б",
        11,
        "51",
        26000,
        "illustration",
        "иллюстрации к книге сказок народов Севера",
        "Я рисую горы, которые вижу из окна, и в них живут мои герои.",
        "Арсений придумал комикс о саамском мальчике; издательство пригласило его проиллюстрировать сборник сказок.",
    ),
]

RETIRED_STORY_SLUGS = ["anya-totma", "timur-kazan", "liza-mirny", "egor-charysh", "sofia-sovetsk", "arseny-kirovsk"]

# slug, name, kind, website, description
PARTNERS = [
    (
        "new-stage-theatre",
        "Театр-студия «Новая сцена»",
        "creative",
        "https://new-stage.example",
        "Предоставляет сцену для выступлений победителей и репетиционные залы.",
    ),
    (
        "north-light-studio",
        "Киностудия «Северный свет»",
        "creative",
        "https://north-light.example",
        "Принимает на стажировку юных режиссёров и операторов.",
    ),
    (
        "warm-hands-foundation",
        "Благотворительный фонд «Тёплые ладони»",
        "foundation",
        "https://warm-hands.example",
        "Оплачивает лечение детей с тяжёлыми заболеваниями; отчитывается о каждом переводе.",
    ),
    (
        "tomorrow-foundation",
        "Фонд помощи детям «Завтра будет»",
        "foundation",
        "https://tomorrow.example",
        "Помогает детям после сложных операций пройти реабилитацию.",
    ),
    (
        "youth-initiatives-agency",
        "Агентство творческих инициатив молодёжи",
        "authority",
        "https://youth-agency.example",
        "Поддерживает проект в регионах и помогает проводить встречи с наставниками.",
    ),
    (
        "sfera-telecom",
        "Компания «Сфера-Телеком»",
        "business",
        "https://sfera-telecom.example",
        "Генеральный спонсор: платит рубль за каждое действие участников и зрителей.",
    ),
]

# slug, title, start (Moscow), hours, region, town, venue, mentor slugs, description, attendance, volunteers
EVENTS = [
    (
        "kazan-festival-2026",
        "Фестиваль «Поколение М» в Казани",
        (2026, 10, 10, 11),
        7,
        "16",
        "Казань",
        "Дворец молодёжи, ул. Творческая, 1",
        ["robotics", "fashion-design"],
        "Открытые мастер-классы наставников и выставка работ участников Поволжья.",
        640,
        45,
    ),
    (
        "vologda-masterclass-2026",
        "Мастер-класс по вокалу в Вологде",
        (2026, 11, 7, 14),
        3,
        "35",
        "Вологда",
        "Областная филармония, малый зал",
        ["vocal"],
        "Алина Соловьёва проводит открытый урок и слушает участников сезона.",
        210,
        18,
    ),
    (
        "novosibirsk-winter-2026",
        "Зимняя встреча в Новосибирске",
        (2026, 12, 12, 12),
        6,
        "54",
        "Новосибирск",
        "Библиотека искусств, конференц-зал",
        ["cinema", "photography", "blogging"],
        "Кино, фотография и блогинг: три наставника, разбор работ и съёмка на улицах зимнего города.",
        None,
        None,
    ),
    (
        "kaliningrad-open-lesson-2027",
        "Открытый урок в Калининграде",
        (2027, 2, 20, 13),
        4,
        "39",
        "Калининград",
        "Дом искусств, большой зал",
        ["painting", "illustration"],
        "Живопись и иллюстрация: рисуем море и придумываем персонажей.",
        None,
        None,
    ),
]


def load(stdout):

    seasons = {name: ensure_season(name, starts, ends) for name, starts, ends in SEASONS}
    past, current = seasons["Сезон 2025/26"], seasons["Сезон 2026/27"]
    home = HomePage.objects.get()
    if not home.intro:
        home.intro = (
            "<p>Бесплатные видеомастер-классы известных артистов для ребят 6–18 лет из всех регионов России. "
            "Каждое действие на сайте — рубль на лечение тяжелобольных детей.</p>"
        )
        home.save_revision().publish()
    ensure_site_address()
    ensure_editor()
    sections = {slug: ensure_section(home, model, slug, title, intro) for model, slug, title, intro in SECTIONS}

    directions, mentors = {}, {}
    for slug, name, description, _, _ in DIRECTIONS:
        directions[slug] = ensure_direction(sections["directions"], slug, name, description)
    for slug, _, _, mentor_data, _ in DIRECTIONS:
        mentors[slug] = ensure_mentor(sections["mentors"], directions[slug], *mentor_data)
    for slug, _, _, _, masterclasses in DIRECTIONS:
        direction, mentor = directions[slug], mentors[slug]
        if direction.curator_id is None:
            direction.curator = mentor
            direction.save_revision().publish()
        for mc_slug, title, age_band, description, lessons in masterclasses:
            ensure_masterclass(direction, mentor, current, mc_slug, title, age_band, description, lessons)

    # Earlier demos put the child's town in the story's address; a demo loaded before keeps no such page.
    WinnerStoryPage.objects.child_of(sections["stories"]).filter(slug__in=RETIRED_STORY_SLUGS).delete()
    for story in STORIES:
        ensure_story(sections["stories"], directions, past, *story)
    for partner in PARTNERS:
        ensure_partner(sections["partners"], *partner)
    for event in EVENTS:
        ensure_event(sections["events"], mentors, *event)

    lessons = sum(len(d[4]) for d in DIRECTIONS)
    counted = [
        ngettext("%(count)s season", "%(count)s seasons", len(SEASONS)) % {"count": len(SEASONS)},
        ngettext("%(count)s direction with mentors", "%(count)s directions with mentors", len(directions))
        % {"count": len(directions)},
        ngettext("%(count)s master class", "%(count)s master classes", lessons) % {"count": lessons},
        ngettext("%(count)s story", "%(count)s stories", len(STORIES)) % {"count": len(STORIES)},
        ngettext("%(count)s partner", "%(count)s partners", len(PARTNERS)) % {"count": len(PARTNERS)},
        ngettext("%(count)s event", "%(count)s events", len(EVENTS)) % {"count": len(EVENTS)},
    ]
    stdout.write(f"Контент: {', '.join(counted)}.")


# --- Builders: each finds its object by a stable key and creates it only when missing -------------


def ensure_site_address():
    """The default Wagtail site answers at SITE_URL's host and port (`make run PORT=…` sets it), so
    the admin's links and the content API's `html_url` point where the site really runs."""

    address = urlsplit(settings.SITE_URL)
    port = address.port or (443 if address.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site and (site.hostname, site.port) != (address.hostname, port):
        site.hostname, site.port = address.hostname, port
        site.save()
    return site


def ensure_editor():
    """The demo editor: a member of Editors, who edits and publishes pages in the admin."""
    user, created = get_user_model().objects.get_or_create(
        username=EDITOR,
        defaults={"first_name": "Елена", "last_name": "Редакторова", "email": f"{EDITOR}@{DOMAIN}"},
    )
    if created:
        set_demo_password(user)
        user.groups.add(Group.objects.get(name="Editors"))
    return user


def ensure_season(name, starts_on, ends_on):

    season, _ = Season.objects.get_or_create(name=name, defaults={"starts_on": starts_on, "ends_on": ends_on})
    return season


def ensure_page(parent, model, slug, **fields):
    """The child of `parent` with this slug, created and published if missing."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision(user=fields.get("owner")).publish()
    return page


def ensure_section(home, model_name, slug, title, intro):

    return ensure_page(home, getattr(models, model_name), slug, title=title, intro=f"<p>{intro}</p>")


def ensure_direction(parent, slug, name, description):

    return ensure_page(
        parent,
        DirectionPage,
        slug,
        title=name,
        description=f"<p>{description}</p>",
        cover=ensure_image(f"Обложка: {name}", slug),
        icon=ensure_image(f"Иконка: {name}", slug, size=(96, 96)),
    )


def ensure_mentor(parent, direction, username, first_name, last_name, role, bio, achievements):

    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@mentors.example"},
    )
    if created:
        set_demo_password(user)  # development only: without DEBUG an admin sets one (manage.py changepassword)
        user.groups.add(Group.objects.get(name="Mentors"))
    name = f"{first_name} {last_name}"
    page = MentorPage.objects.child_of(parent).filter(slug=username.replace(".", "-")).first()
    if page:
        return page
    page = MentorPage(
        title=name,
        slug=username.replace(".", "-"),
        user=user,
        owner=user,
        role=role,
        bio=f"<p>{bio}</p>",
        achievements=f"<p>{achievements}</p>",
        photo=ensure_image(f"Фото: {name}", username, size=(600, 600), portrait=True),
        directions=[direction],
    )
    page.social_links.add(MentorSocialLink(network="vk", url=f"https://vk.com/{username.replace('.', '_')}"))
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_masterclass(direction, mentor, season, slug, title, age_band, description, lessons):

    masterclass = ensure_page(
        direction,
        MasterclassPage,
        slug,
        title=title,
        mentor=mentor,
        season=season,
        age_band=age_band,
        description=f"<p>{description}</p>",
        cover=ensure_image(f"Обложка: {title}", slug),
        owner=mentor.user,
        materials=[MasterclassMaterial(document=ensure_memo(title, description, lessons), title="Памятка курса")],
    )
    videos = ready_lesson_videos()
    for number, (lesson_slug, lesson_title) in enumerate(lessons, start=1):
        video = videos[(number - 1) % len(videos)] if videos else None  # lesson N plays demo clip N
        lesson = ensure_page(
            masterclass,
            LessonPage,
            lesson_slug,
            title=lesson_title,
            summary=f"Урок {number} из {len(lessons)} курса {quoted(title)}.",
            text=(
                f"<p>{lesson_title}: смотрите видео, повторяйте за наставником и присылайте свою работу. "
                f"Понадобится только то, что есть дома.</p>"
            ),
            owner=mentor.user,
            video=video,
        )
        if video and lesson.video_id is None:  # loaded before the demo had videos
            lesson.video = video
            lesson.save_revision(user=mentor.user).publish()
    return masterclass


def ensure_story(parent, directions, season, slug, first_name, initial, age, region_code, population,
                 direction_slug, opportunity, quote, story):  # fmt: skip

    return ensure_page(
        parent,
        WinnerStoryPage,
        slug,
        title=f"{first_name} {initial}.: {opportunity}",
        first_name=first_name,
        surname_initial=initial,
        age=age,
        region=Region.objects.get(code=region_code),
        town_size=town_size_bucket(population),  # no guardian consented to naming the town
        direction=directions[direction_slug],
        season=season,
        opportunity=opportunity,
        quote=quote,
        photo=ensure_image(f"Работа победителя: {first_name} {initial}.", slug),
        body=[("paragraph", RichText(f"<p>{story}</p>"))],
    )


def ensure_partner(parent, slug, name, kind, website, description):

    return ensure_page(
        parent,
        PartnerPage,
        slug,
        title=name,
        kind=kind,
        website=website,
        description=f"<p>{description}</p>",
        logo=ensure_image(f"Логотип: {name}", slug, size=(320, 160)),
    )


def ensure_event(parent, mentors, slug, title, start, hours, region_code, town, venue, mentor_slugs, description,
                 attendance, volunteers):  # fmt: skip

    starts_at = datetime.datetime(*start, tzinfo=timezone.get_default_timezone())
    return ensure_page(
        parent,
        EventPage,
        slug,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        region=Region.objects.get(code=region_code),
        town=town,
        venue=venue,
        mentors=[mentors[mentor_slug] for mentor_slug in mentor_slugs],
        description=f"<p>{description}</p>",
        cover=ensure_image(f"Обложка: {title}", slug),
        attendance=attendance,
        volunteers=volunteers,
    )


# --- Generated pictures -------------------------------------------------------------------------


def ensure_image(title, seed, size=(1200, 675), portrait=False):
    """A Wagtail image with this title, drawn once from `seed` (same seed, same picture)."""
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    buffer = io.BytesIO()
    draw_picture(seed, size, portrait, caption=None if portrait or size[0] < 300 else title.split(": ", 1)[-1]).save(
        buffer, "PNG"
    )
    name = hashlib.sha1(title.encode()).hexdigest()[:12] + ".png"  # noqa: S324 - a file name, not security
    return Image.objects.create(title=title, file=ImageFile(buffer, name=name))


def draw_picture(seed, size, portrait, caption=None):
    rng = random.Random(seed)  # noqa: S311 - deterministic art, not security
    hue = rng.random()
    width, height = size

    def colour(h_shift, lightness, saturation=0.65):
        r, g, b = colorsys.hls_to_rgb((hue + h_shift) % 1, lightness, saturation)
        return int(r * 255), int(g * 255), int(b * 255)

    picture = PILImage.new("RGB", size, colour(0, 0.45))
    draw = ImageDraw.Draw(picture)
    for _ in range(7):
        radius = rng.randint(min(size) // 6, min(size) // 2)
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius), fill=colour(rng.uniform(-0.1, 0.1), rng.uniform(0.5, 0.8))
        )
    if portrait:
        head = min(size) // 5
        cx, cy = width // 2, height // 2 - head // 2
        draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=colour(0.5, 0.85, 0.3))
        draw.ellipse((cx - 2 * head, cy + head, cx + 2 * head, cy + 5 * head), fill=colour(0.5, 0.3))
    if caption and FONT.exists():
        # The site crops pictures from 4:5 (a winner's photo) to 2.24:1 (a VK link card) around the
        # centre: the caption goes where every one of those crops keeps it, on a dark band.
        safe_width, safe_height = min(width, height * 4 // 5), min(height, width * 10 // 22)
        left, top = (width - safe_width) // 2, (height - safe_height) // 2
        margin = safe_width // 12
        size = max(24, height // 12)
        while True:
            font = ImageFont.truetype(str(FONT), size=size)
            lines = []
            for word in caption.split():
                if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= safe_width - 2 * margin:
                    lines[-1] = f"{lines[-1]} {word}"
                else:
                    lines.append(word)
            if size <= 16 or all(draw.textlength(line, font=font) <= safe_width - 2 * margin for line in lines):
                break
            size -= 2
        line_height = int(size * 1.25)
        block = line_height * len(lines)
        y = top + safe_height - margin - block
        overlay = PILImage.new("RGBA", picture.size, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).rectangle(
            (left + margin // 2, y - margin // 3, left + safe_width - margin // 2, y + block + margin // 3),
            fill=(0, 0, 0, 120),
        )
        picture = PILImage.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
        draw = ImageDraw.Draw(picture)
        for number, line in enumerate(lines):
            draw.text((width // 2, y + number * line_height), line, font=font, fill=(255, 255, 255), anchor="ma")
    return picture


def ensure_memo(title, description, lessons):
    """A one-page PDF memo for a masterclass (drawn with Pillow), as a Wagtail document."""
    doc_title = f"Памятка: {title}"
    existing = Document.objects.filter(title=doc_title).first()
    if existing:
        return existing
    page = PILImage.new("RGB", (1240, 1754), (255, 255, 255))
    if FONT.exists():
        draw = ImageDraw.Draw(page)
        heading, body = ImageFont.truetype(str(FONT), 56), ImageFont.truetype(str(FONT), 32)
        draw.text((100, 120), title, font=heading, fill=(20, 20, 20))
        draw.text((100, 240), description, font=body, fill=(60, 60, 60))
        for number, (_, lesson_title) in enumerate(lessons, start=1):
            draw.text((100, 300 + 60 * number), f"{number}. {lesson_title}", font=body, fill=(20, 20, 20))
    buffer = io.BytesIO()
    page.save(buffer, "PDF")
    name = hashlib.sha1(doc_title.encode()).hexdigest()[:12] + ".pdf"  # noqa: S324 - a file name
    return Document.objects.create(title=doc_title, file=ContentFile(buffer.getvalue(), name=name))
