"""The season report's figures: one function per table, each built from a few aggregate queries.

Every function takes `ReportFilter` and returns a `Table`; the admin page, its charts and the
CSV/XLSX exports all read the same `Table`, so what is exported is what is on screen. Counting is
done by the database (COUNT/SUM ... GROUP BY); Python only lays the grouped rows out (at most one
per region, direction or month).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from cms.age_bands import AgeBand
from reports.services import TownSize, town_size_expression

JURY_STATUSES = ("shortlisted", "winner", "finalist")
PUBLIC_STATUSES = ("approved", *JURY_STATUSES)
MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int | text | money (roubles) | percent


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list
    total: dict | None = None
    note: str = ""
    highlights: list = field(default_factory=list)  # (label, value, kind) shown above the table

    @property
    def all_rows(self):
        """Rows with the total row last: what the exports write and the page shows."""
        return self.rows + ([self.total] if self.total else [])


@dataclass(eq=False)
class ReportFilter:
    """What the report is for. It also memoizes the few grouped queries ("cubes") the tables share,
    so the full report reads each big table once however many tables use it."""

    season: object  # cms.Season
    direction: object = None  # cms.DirectionPage or None

    @cached_property
    def campaign(self):
        from engagement.models import Campaign

        return Campaign.objects.filter(season=self.season).first()

    @cached_property
    def lesson_ids(self):
        return list(season_lessons(self).values_list("pk", flat=True))

    @cached_property
    def assignment_ids(self):
        from learning.models import Assignment

        assignments = Assignment.objects.filter(season=self.season)
        if self.direction is not None:
            assignments = assignments.filter(direction=self.direction)
        return list(assignments.values_list("pk", flat=True))

    @cached_property
    def offline_events(self):
        """Each offline event of the season with its figures (see _offline_rows)."""
        return _offline_rows(self)

    @cached_property
    def student_cube(self):
        """Active students counted by (region, town size position): those who watched a lesson,
        then those who only sent a work (see active_student_groups)."""
        cube = {}
        for students in active_student_groups(self):
            rows = (
                students.annotate(bucket=town_size_expression())
                .values("region_id", "bucket")
                .annotate(students=Count("pk"))
                .order_by()
            )
            for row in rows:
                key = (row["region_id"], row["bucket"])
                cube[key] = cube.get(key, 0) + row["students"]
        return [{"region_id": region, "bucket": bucket, "students": n} for (region, bucket), n in cube.items()]

    @cached_property
    def work_cube(self):
        """The season's works counted by (region, town size, direction, age band): all of them, and
        how many are public, won, were rejected or wait for a moderator (FILTERed counts keep the
        cube a fifth of the size a status dimension made it)."""
        return list(
            season_submissions(self)
            .annotate(bucket=town_size_expression("student__town_population"))
            .values("student__region_id", "bucket", "assignment__direction_id", "age_band")
            .annotate(
                works=Count("pk"),
                public=Count("pk", filter=Q(status__in=PUBLIC_STATUSES)),
                winners=Count("pk", filter=Q(status="winner")),
                rejected=Count("pk", filter=Q(status="rejected")),
                pending=Count("pk", filter=Q(status="pending")),
            )
            .order_by()
        )

    @cached_property
    def ledger_months(self):
        """The campaign's ledger by Moscow month: amount, net counted actions and net reposts (see
        engagement.services.ledger_by_month). Serves the reposts figure and the monthly table."""
        from engagement.services import ledger_by_month

        return ledger_by_month(self.campaign) if self.campaign is not None else []


def rollup(rows, key, *measures):
    """Sum grouped rows again by `key` (a function of a row): {key: {measure: total}}."""
    totals = {}
    for row in rows:
        bucket = totals.setdefault(key(row), dict.fromkeys(measures, 0))
        for measure in measures:
            bucket[measure] += row[measure] or 0
    return totals


def roubles(kopecks):
    return (Decimal(kopecks or 0) / 100).quantize(Decimal("0.01"))


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def season_bounds(season):
    """The season's first and last moment, Moscow time."""
    moscow = timezone.get_default_timezone()
    start = datetime.datetime.combine(season.starts_on, datetime.time.min, tzinfo=moscow)
    end = datetime.datetime.combine(season.ends_on, datetime.time.max, tzinfo=moscow)
    return start, end


# --- the querysets every table starts from --------------------------------------------------------


def season_lessons(flt):
    """Lessons of the season's masterclasses (of the direction, if chosen): lessons sit under them."""
    from cms.models import LessonPage, MasterclassPage

    masterclasses = MasterclassPage.objects.filter(season=flt.season)
    if flt.direction is not None:
        masterclasses = masterclasses.descendant_of(flt.direction)
    paths = list(masterclasses.values_list("path", flat=True))
    if not paths:
        return LessonPage.objects.none()
    under_any = Q()
    for path in paths:
        under_any |= Q(path__startswith=path)
    return LessonPage.objects.filter(under_any)


def season_progress(flt):
    from learning.models import LessonProgress

    return LessonProgress.objects.filter(lesson_id__in=flt.lesson_ids)


def season_submissions(flt):
    from learning.models import Submission

    return Submission.objects.filter(assignment_id__in=flt.assignment_ids)


def active_student_groups(flt):
    """Students who watched a lesson of the season or sent it a work (of the direction, if chosen),
    as two disjoint querysets: watched a lesson; sent a work and watched none.

    Each is one (anti-)join that PostgreSQL runs as a hash join, which spills to disk if it must.
    `watched OR sent` in one WHERE cannot be a join: PostgreSQL then needs both id sets hashed in
    work_mem, and once they outgrow it (as 300,000 progress rows did on the benchmark) it
    rescans a set for every student, minutes instead of a third of a second."""
    from learning.models import Student

    watched = Exists(season_progress(flt).filter(student=OuterRef("pk")))
    sent = Exists(season_submissions(flt).filter(student=OuterRef("pk")))
    return [Student.objects.filter(watched), Student.objects.filter(sent).exclude(watched)]


def directions(flt):
    from cms.models import DirectionPage

    if flt.direction is not None:
        return [(flt.direction.pk, flt.direction.title)]
    return list(DirectionPage.objects.live().order_by("path").values_list("pk", "title"))


# --- participation --------------------------------------------------------------------------------


def participation(flt):
    from learning.models import Like, Student

    start, end = season_bounds(flt.season)
    registered = Student.objects.filter(deleted_at__isnull=True, created_at__range=(start, end)).count()
    active = sum(row["students"] for row in flt.student_cube)
    views = season_progress(flt).aggregate(
        views=Count("pk"), completions=Count("pk", filter=Q(completed_at__isnull=False))
    )
    works = {m: sum(row[m] for row in flt.work_cube) for m in ("works", "public", "rejected", "pending")}
    approval = percent(works["public"], works["public"] + works["rejected"])
    likes = Like.objects.filter(submission__assignment_id__in=flt.assignment_ids).count()
    rows = [
        {"figure": "Зарегистрировались за сезон", "value": registered},
        {"figure": "Активные ученики (смотрели уроки или прислали работу)", "value": active},
        {"figure": "Просмотры уроков (начатые уроки)", "value": views["views"]},
        {"figure": "Уроки, пройденные до конца", "value": views["completions"]},
        {"figure": "Прислано работ", "value": works["works"]},
        {"figure": "Ждут модерации", "value": works["pending"]},
        {"figure": "Опубликовано работ", "value": works["public"]},
        {"figure": "Отклонено работ", "value": works["rejected"]},
        {"figure": "Доля одобренных среди проверенных, %", "value": approval, "kind": "percent"},
        {"figure": "Лайки работ (сейчас стоят)", "value": likes},
    ]  # fmt: skip
    note = "«Зарегистрировались» считаются по датам сезона без учёта направления."
    if flt.direction is None and flt.campaign is not None:
        reposts = sum(row["reposts"] for row in flt.ledger_months)
        rows.append({"figure": "Репосты ВКонтакте (засчитанные)", "value": reposts})
    else:
        note += " Репосты не привязаны к направлению и показываются только по всему сезону с кампанией."
    return Table(
        key="participation",
        title="Участие",
        columns=[Column("figure", "Показатель", "text"), Column("value", "Значение")],
        rows=rows,
        note=note,
    )


# --- equal access ---------------------------------------------------------------------------------


def regions(flt):
    """Every federal subject, those with nobody yet included (they are the point of this table)."""
    from cms.models import Region

    students = rollup(flt.student_cube, lambda row: row["region_id"], "students")
    works = rollup(flt.work_cube, lambda row: row["student__region_id"], "works", "winners")
    rows = []
    for region_id, code, name in Region.objects.order_by("name").values_list("pk", "code", "name"):
        region_works = works.get(region_id, {})
        rows.append(
            {
                "code": code,
                "region": name,
                "students": students.get(region_id, {}).get("students", 0),
                "works": region_works.get("works", 0),
                "winners": region_works.get("winners", 0),
            }
        )
    unknown = {"works": works.get(None, {}).get("works", 0), "winners": works.get(None, {}).get("winners", 0)}
    nowhere = students.get(None, {}).get("students", 0)
    if nowhere or unknown["works"]:
        rows.append({"code": "", "region": "Регион не указан", "students": nowhere, **unknown})
    reached = sum(1 for row in rows if row["code"] and row["students"])
    total = {
        "code": "",
        "region": "Итого",
        "students": sum(row["students"] for row in rows),
        "works": sum(row["works"] for row in rows),
        "winners": sum(row["winners"] for row in rows),
    }
    subjects = sum(1 for row in rows if row["code"])
    return Table(
        key="regions",
        title="Регионы",
        columns=[
            Column("code", "Код", "text"),
            Column("region", "Регион", "text"),
            Column("students", "Активные ученики"),
            Column("works", "Работы"),
            Column("winners", "Победители"),
        ],
        rows=rows,
        total=total,
        highlights=[("Регионов с участниками", f"{reached} из {subjects}", "text")],
    )


def town_sizes(flt):
    """Students, works and winners by the size of the student's town; and the small-town winners' share."""
    students = rollup(flt.student_cube, lambda row: row["bucket"], "students")
    works = rollup(flt.work_cube, lambda row: row["bucket"], "works", "winners")
    rows = []
    for position, bucket in enumerate(TownSize.ORDER):
        rows.append(
            {
                "size": TownSize.LABELS[bucket],
                "students": students.get(position, {}).get("students", 0),
                "works": works.get(position, {}).get("works", 0),
                "winners": works.get(position, {}).get("winners", 0),
            }
        )
    small = rows[0]["winners"] + rows[1]["winners"]
    known = sum(row["winners"] for row in rows[:4])
    share = percent(small, known)
    total = {"size": "Итого", **{key: sum(row[key] for row in rows) for key in ("students", "works", "winners")}}
    return Table(
        key="town_sizes",
        title="Размер населённого пункта",
        columns=[
            Column("size", "Население пункта", "text"),
            Column("students", "Активные ученики"),
            Column("works", "Работы"),
            Column("winners", "Победители"),
        ],
        rows=rows,
        total=total,
        note="Доля считается среди победителей, чей населённый пункт известен.",
        highlights=[("Победители из пунктов меньше 100 тыс. жителей, %", share, "percent")],
    )


# --- contest --------------------------------------------------------------------------------------


def contest_works(flt):
    """Works per direction and age band, with how many were published and won."""
    counts = rollup(
        flt.work_cube, lambda row: (row["assignment__direction_id"], row["age_band"]), "works", "public", "winners"
    )
    rows = []
    for direction_id, title in directions(flt):
        row = {"direction": title}
        for band, _ in AgeBand.choices:
            row[band] = counts.get((direction_id, band), {}).get("works", 0)
        cells = [counts.get((direction_id, band), {}) for band, _ in AgeBand.choices]
        row["works"] = sum(cell.get("works", 0) for cell in cells)
        row["public"] = sum(cell.get("public", 0) for cell in cells)
        row["winners"] = sum(cell.get("winners", 0) for cell in cells)
        rows.append(row)
    keys = [band for band, _ in AgeBand.choices] + ["works", "public", "winners"]
    return Table(
        key="contest_works",
        title="Работы по направлениям и возрастам",
        columns=[Column("direction", "Направление", "text")]
        + [Column(band, label) for band, label in AgeBand.choices]
        + [Column("works", "Всего работ"), Column("public", "Опубликовано"), Column("winners", "Победители")],
        rows=rows,
        total={"direction": "Итого", **{key: sum(row[key] for row in rows) for key in keys}},
    )


def jury_progress(flt):
    """Per direction: works in the jury's hands, scores given against scores due, fully judged works."""
    from learning.models import Score

    judged = season_submissions(flt).filter(status__in=JURY_STATUSES)
    score_count = (
        Score.objects.filter(submission=OuterRef("pk")).values("submission").annotate(n=Count("pk")).values("n")
    )
    works = {
        row["assignment__direction_id"]: row
        for row in judged.annotate(score_total=Coalesce(Subquery(score_count, output_field=IntegerField()), Value(0)))
        .values("assignment__direction_id")
        .annotate(
            works=Count("pk"),
            due=Sum("assignment__jurors_per_work"),
            scored=Count("pk", filter=Q(score_total__gte=F("assignment__jurors_per_work"))),
            winners=Count("pk", filter=Q(status="winner")),
            finalists=Count("pk", filter=Q(status="finalist")),
        )
    }
    given = dict(
        Score.objects.filter(submission__in=judged.values("pk"))
        .values("submission__assignment__direction_id")
        .annotate(n=Count("pk"))
        .values_list("submission__assignment__direction_id", "n")
    )
    rows = []
    for direction_id, title in directions(flt):
        row = works.get(direction_id, {})
        due = row.get("due") or 0
        rows.append(
            {
                "direction": title,
                "works": row.get("works", 0),
                "scores": given.get(direction_id, 0),
                "due": due,
                "progress": percent(min(given.get(direction_id, 0), due), due),
                "scored": row.get("scored", 0),
                "winners": row.get("winners", 0),
                "finalists": row.get("finalists", 0),
            }
        )
    sums = {key: sum(row[key] for row in rows) for key in ("works", "scores", "due", "scored", "winners", "finalists")}
    return Table(
        key="jury_progress",
        title="Работа жюри и победители",
        columns=[
            Column("direction", "Направление", "text"),
            Column("works", "Работ у жюри"),
            Column("scores", "Оценок выставлено"),
            Column("due", "Оценок нужно"),
            Column("progress", "Готовность, %", "percent"),
            Column("scored", "Работ оценено полностью"),
            Column("winners", "Победители"),
            Column("finalists", "Финалисты"),
        ],
        rows=rows,
        total={"direction": "Итого", **sums, "progress": percent(min(sums["scores"], sums["due"]), sums["due"])},
    )


# --- charity --------------------------------------------------------------------------------------


def charity(flt):
    """Raised against the sponsor's cap, transferred through foundations, children helped."""
    from engagement.models import CounterSlot, Transfer

    campaign = flt.campaign
    columns = [Column("figure", "Показатель", "text"), Column("value", "Значение", "money")]
    if campaign is None:
        return Table("charity", "Благотворительность", columns, [], note="У сезона нет кампании: собирать не на что.")
    raised = CounterSlot.objects.filter(campaign=campaign).aggregate(amount=Sum("amount"), actions=Sum("actions"))
    transfers = Transfer.objects.filter(campaign=campaign).aggregate(
        amount=Sum("amount"), children=Count("beneficiary", distinct=True)
    )
    balance = (raised["amount"] or 0) - (transfers["amount"] or 0)
    rows = [
        {"figure": "Бюджет спонсора (предел), ₽", "value": roubles(campaign.cap), "kind": "money"},
        {"figure": "Собрано, ₽", "value": roubles(raised["amount"]), "kind": "money"},
        {"figure": "Собрано от предела, %", "value": percent(raised["amount"] or 0, campaign.cap), "kind": "percent"},
        {"figure": "Засчитано действий", "value": raised["actions"] or 0, "kind": "int"},
        {"figure": "Передано фондам, ₽", "value": roubles(transfers["amount"]), "kind": "money"},
        {"figure": "Ещё не передано, ₽", "value": roubles(balance), "kind": "money"},
        {"figure": "Детей получили помощь", "value": transfers["children"], "kind": "int"},
    ]  # fmt: skip
    note = f"Кампания «{campaign}»."
    if flt.direction is not None:
        note += " Деньги считаются по всей кампании: направление на них не влияет."
    return Table("charity", "Благотворительность", columns, rows, note=note)


def charity_by_month(flt):
    """Per month (Moscow time): raised and counted actions from the ledger, transfers and children."""
    from engagement.models import Transfer

    columns = [
        Column("month", "Месяц", "text"),
        Column("actions", "Действий"),
        Column("raised", "Собрано, ₽", "money"),
        Column("transferred", "Передано, ₽", "money"),
        Column("children", "Детей получили помощь"),
    ]
    campaign = flt.campaign
    if campaign is None:
        return Table("charity_by_month", "Благотворительность по месяцам", columns, [], note="У сезона нет кампании.")
    ledger = {row["month"]: row for row in flt.ledger_months}
    transfers = {
        row["month"]: row
        for row in Transfer.objects.filter(campaign=campaign)
        .annotate(month=TruncMonth("transferred_on"))
        .values("month")
        .annotate(amount=Sum("amount"), children=Count("beneficiary", distinct=True))
    }
    rows = []
    for month in sorted(set(ledger) | set(transfers)):
        rows.append(
            {
                "month": f"{MONTHS[month.month - 1]} {month.year}",
                "actions": ledger.get(month, {}).get("actions", 0),
                "raised": roubles(ledger.get(month, {}).get("amount", 0)),
                "transferred": roubles(transfers.get(month, {}).get("amount", 0)),
                "children": transfers.get(month, {}).get("children", 0),
            }
        )
    total = {
        "month": "Итого",
        "actions": sum(row["actions"] for row in rows),
        "raised": sum((row["raised"] for row in rows), Decimal("0.00")),
        "transferred": sum((row["transferred"] for row in rows), Decimal("0.00")),
        "children": Transfer.objects.filter(campaign=campaign).values("beneficiary").distinct().count(),
    }
    return Table(
        "charity_by_month",
        "Благотворительность по месяцам",
        columns,
        rows,
        total=total,
        note="Ребёнок, получивший помощь в нескольких месяцах, в итоге считается один раз.",
    )


# --- offline --------------------------------------------------------------------------------------


def _offline_rows(flt):
    """Each event's offline figures from the events app (its records, or typed-in numbers for events
    run outside the platform), with the town's size bucket."""
    from cms.towns import town_size_bucket
    from events import selectors as events_selectors
    from reports.services import town_population_for

    start, end = season_bounds(flt.season)
    rows = events_selectors.season_offline(start, end)
    populations = {}
    for row in rows:
        key = (row["town"], row["region_id"])
        if key not in populations:
            populations[key] = town_population_for(row["town"], row["region_id"])
        row["town_size"] = town_size_bucket(populations[key])
    return rows


OFFLINE_KEYS = ("events", "hand_typed", "registered", "attendance", "volunteers", "hours", "unreported")


def _offline_group(rows):
    return {
        "events": len(rows),
        "hand_typed": sum(1 for r in rows if r["hand_typed"]),
        "registered": sum(r["registered"] or 0 for r in rows),
        "attendance": sum(r["came"] or 0 for r in rows),
        "volunteers": sum(r["volunteers"] or 0 for r in rows),
        "hours": round(sum(r["hours"] for r in rows)),
        "unreported": sum(1 for r in rows if not r["reported"]),
    }


def _offline_columns(first):
    return [
        first,
        Column("events", "Мероприятий"),
        Column("hand_typed", "Из них вне платформы (цифры введены вручную)"),
        Column("registered", "Записалось"),
        Column("attendance", "Пришло участников"),
        Column("volunteers", "Волонтёров"),
        Column("hours", "Часов волонтёров"),
        Column("unreported", "Без итогов посещаемости"),
    ]


OFFLINE_NOTE = (
    "Мероприятия сезона по дате начала; направление на них не влияет. Для мероприятий с регистрацией "
    "на платформе цифры взяты из записей: записавшиеся (места), пришедшие (отметки на входе, "
    "включая гостей без регистрации), волонтёры с подтверждёнными часами. Мероприятия вне платформы "
    "учтены по цифрам, введённым редактором, и посчитаны в отдельной колонке."
)


def events(flt):
    """Offline events of the season by region: how many, registered against came, volunteers and hours."""
    rows_by_region = {}
    for row in flt.offline_events:
        rows_by_region.setdefault(row["region"], []).append(row)
    rows = [{"region": region, **_offline_group(group)} for region, group in sorted(rows_by_region.items())]
    return Table(
        key="events",
        title="Мероприятия",
        columns=_offline_columns(Column("region", "Регион", "text")),
        rows=rows,
        total={"region": "Итого", **{key: sum(row[key] for row in rows) for key in OFFLINE_KEYS}},
        note=OFFLINE_NOTE,
    )


def events_by_town_size(flt):
    """The same figures by the size of the town the event took place in."""
    from cms.towns import TownSize

    groups = {}
    for row in flt.offline_events:
        groups.setdefault(row["town_size"], []).append(row)
    rows = [
        {"town_size": TownSize.LABELS[size], **_offline_group(groups[size])}
        for size in TownSize.ORDER
        if size in groups
    ]
    return Table(
        key="events_by_town_size",
        title="Мероприятия по размеру населённого пункта",
        columns=_offline_columns(Column("town_size", "Население пункта", "text")),
        rows=rows,
        total={"town_size": "Итого", **{key: sum(row[key] for row in rows) for key in OFFLINE_KEYS}},
        note="Размер пункта — по справочнику населённых пунктов (GeoNames), по названию города и региону.",
    )


def partners(flt):
    """Published partners of each kind (every kind listed, none included). Pages come ordered by
    tree path, which would split the GROUP BY: hence the empty order_by()."""
    from cms.models import PartnerPage

    counts = dict(PartnerPage.objects.live().order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    rows = [{"kind": label, "partners": counts.get(kind, 0)} for kind, label in PartnerPage.Kind.choices]
    return Table(
        key="partners",
        title="Партнёры по видам",
        columns=[Column("kind", "Вид партнёра", "text"), Column("partners", "Партнёров")],
        rows=rows,
        total={"kind": "Итого", "partners": sum(row["partners"] for row in rows)},
    )


SECTIONS = [
    ("Участие", [participation]),
    ("Равный доступ", [regions, town_sizes]),
    ("Конкурс", [contest_works, jury_progress]),
    ("Благотворительность", [charity, charity_by_month]),
    ("Офлайн", [events, events_by_town_size, partners]),
]
TABLES = {function.__name__: function for _, functions in SECTIONS for function in functions}


def full_report(flt):
    """All sections: [(section title, [Table, ...]), ...]."""
    return [(title, [function(flt) for function in functions]) for title, functions in SECTIONS]
