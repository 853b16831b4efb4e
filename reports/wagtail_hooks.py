"""Admin registration: the season report under "Отчёты", its URLs, and a panel on the admin home."""

from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from cms.models import Season
from engagement import selectors as engagement
from reports import admin_views, figures


@hooks.register("register_admin_urls")
def reports_admin_urls():
    return [
        path("reports/season/", admin_views.SeasonReportView.as_view(), name="reports_season"),
        path("reports/season/<slug:table_key>/", admin_views.TableExportView.as_view(), name="reports_export"),
    ]


class SeasonReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_report(request.user)


@hooks.register("register_reports_menu_item")
def season_report_menu_item():
    return SeasonReportMenuItem("Отчёт сезона", reverse("reports_season"), icon_name="table", order=100)


@hooks.register("register_permissions")
def season_report_permission():
    return Permission.objects.filter(content_type__app_label="reports", codename="view_season_report")


class SeasonSummaryPanel(Component):
    """The current season's headline figures for editors, on the admin home."""

    name = "season_report"
    order = 90

    def __init__(self, flt):
        self.flt = flt

    def render_html(self, parent_context=None):
        flt = self.flt
        raised = None
        if flt.campaign is not None:
            raised = figures.roubles(engagement.campaign_totals(flt.campaign)[0])
        rows = [
            ("Активные ученики", sum(row["students"] for row in flt.student_cube), "int"),
            ("Регионов с участниками", len({row["region_id"] for row in flt.student_cube} - {None}), "int"),
            ("Прислано работ", flt.work_totals["all"]["works"], "int"),
            ("Собрано", raised, "money"),
        ]
        return render_to_string(
            "reports/home_panel.html",
            {"heading": f"Цифры сезона: {flt.season}", "figures": rows, "report_url": reverse("reports_season")},
        )


@hooks.register("construct_homepage_panels")
def season_summary_panel(request, panels):
    if not admin_views.can_view_report(request.user):
        return
    season = Season.current()
    if season is not None:
        panels.append(SeasonSummaryPanel(figures.ReportFilter(season=season)))
