"""Demo: make sure the settlement list is loaded, give demo students' towns their population, and
print the demo season's headline figures (they come from the other apps' demo data)."""

from cms.models import Season
from config.text import quoted
from reports import figures
from reports.models import Settlement
from reports.services import fill_town_populations, load_settlements


def load(stdout):
    if not Settlement.objects.exists():
        load_settlements()
    filled = fill_town_populations()
    stdout.write(f"Населённые пункты: {Settlement.objects.count()}; учеников с найденным населением: {filled}")
    season = Season.current()
    if season is None:
        stdout.write("Отчёт сезона: сезонов нет.")
        return
    flt = figures.ReportFilter(season=season)
    active = sum(row["students"] for row in flt.student_cube)
    works = flt.work_totals["all"]["works"]
    stdout.write(f"Отчёт сезона {quoted(season)}: активных учеников {active}, работ {works} — /admin/reports/season/")
