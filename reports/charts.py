"""Server-drawn SVG bar charts for the report: no JavaScript, nothing fetched from other hosts."""

from dataclasses import replace

from django.utils.html import format_html, format_html_join

from cms.age_bands import AgeBand

COLOURS = ["#2e7d6b", "#e0803a", "#5b6bbf"]
ROW_HEIGHT = 22
LABEL_WIDTH = 230
BAR_WIDTH = 420


def bar_chart(table, label_key, series, title=""):
    """Horizontal bars, one group per row of `table`, one bar per (key, label) in `series`.

    Returns None when every value is zero or missing (an empty chart says nothing).
    """
    rows = [row for row in table.rows if any(row.get(key) for key, _ in series)]
    if not rows:
        return None
    peak = max(float(row.get(key) or 0) for row in rows for key, _ in series) or 1
    group_height = ROW_HEIGHT * len(series) + 6
    legend_height = 20 if len(series) > 1 else 0
    height = legend_height + group_height * len(rows)
    width = LABEL_WIDTH + BAR_WIDTH + 90
    parts = []
    for index, (_, label) in enumerate(series if len(series) > 1 else []):
        x = LABEL_WIDTH + index * 160
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="15">{}</text>',
                x,
                COLOURS[index % len(COLOURS)],
                x + 16,
                label,
            )
        )
    for position, row in enumerate(rows):
        top = legend_height + position * group_height
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                LABEL_WIDTH - 8,
                top + ROW_HEIGHT * len(series) / 2 + 5,
                str(row.get(label_key, ""))[:34],
            )
        )
        for index, (key, label) in enumerate(series):
            value = row.get(key) or 0
            y = top + index * ROW_HEIGHT
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
                    '<text x="{}" y="{}">{}</text>',
                    LABEL_WIDTH,
                    y + 2,
                    round(BAR_WIDTH * float(value) / peak, 1),
                    ROW_HEIGHT - 4,
                    COLOURS[index % len(COLOURS)],
                    label,
                    value,
                    LABEL_WIDTH + round(BAR_WIDTH * float(value) / peak, 1) + 4,
                    y + ROW_HEIGHT - 7,
                    value,
                )
            )
    return format_html(
        '<svg class="report-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'style="max-width:{}px;font-size:12px" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        title or table.title,
        width,
        height,
        width,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


# Which tables get a chart, and of what.
CHARTS = {
    "regions": ("region", [("students", "Активные ученики")], "top"),
    "town_sizes": ("size", [("students", "Ученики"), ("works", "Работы"), ("winners", "Победители")], "all"),
    "contest_works": ("direction", [(band.value, band.short_label) for band in AgeBand], "all"),
    "jury_progress": ("direction", [("progress", "Готовность, %")], "all"),
    "charity_by_month": ("month", [("raised", "Собрано, ₽"), ("transferred", "Передано, ₽")], "all"),
    "partners": ("kind", [("partners", "Партнёров")], "all"),
}
TOP_REGIONS = 15


def chart_for(table):
    """The chart of a table, if it has one. The regions chart shows the busiest regions only;
    the table under it lists all of them."""
    if table.key not in CHARTS:
        return None
    label_key, series, scope = CHARTS[table.key]
    if scope == "top":
        busiest = sorted(table.rows, key=lambda row: row[series[0][0]], reverse=True)[:TOP_REGIONS]
        table = replace(table, rows=busiest)
        return bar_chart(table, label_key, series, title=f"{table.title}: {TOP_REGIONS} самых активных")
    return bar_chart(table, label_key, series)
