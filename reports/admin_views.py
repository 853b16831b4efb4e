"""The season report in the Wagtail admin: the page with every table and chart, and table exports."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from cms.models import DirectionPage, Season
from reports import figures
from reports.charts import chart_for

REPORT_PERMISSION = "reports.view_season_report"


def can_view_report(user):
    return user.is_active and user.has_perm(REPORT_PERMISSION)


def plain_response(message, status):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class ReportFilterForm(forms.Form):
    season = forms.ModelChoiceField(
        queryset=None,
        label="Сезон",
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": "Такого сезона нет. Выберите сезон из списка."},
    )
    direction = forms.ModelChoiceField(
        queryset=None,
        label="Направление",
        required=False,
        empty_label="Все направления",
        error_messages={"invalid_choice": "Такого направления нет. Выберите направление из списка."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].queryset = Season.objects.all()
        self.fields["direction"].queryset = DirectionPage.objects.live().order_by("path")

    def report_filter(self):
        """The filter of a valid form; the current season when none was chosen. None if there is no season."""
        season = self.cleaned_data.get("season") or Season.current() or Season.objects.first()
        if season is None:
            return None
        return figures.ReportFilter(season=season, direction=self.cleaned_data.get("direction"))


class ReportAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_report(request.user):
            raise PermissionDenied("Отчёт сезона доступен только редакторам.")
        return super().dispatch(request, *args, **kwargs)


class SeasonReportView(ReportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "reports/season_report.html"
    page_title = "Отчёт сезона"
    header_icon = "table"

    def get(self, request, *args, **kwargs):
        form = ReportFilterForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, sections=None), status=400)
        flt = form.report_filter()
        if flt is not None and not form.cleaned_data.get("season"):
            # Show the season the figures are for (the current one) as the one chosen in the filter.
            form = ReportFilterForm({**request.GET.dict(), "season": flt.season.pk})
            form.is_valid()
        sections = None
        if flt is not None:
            query = urlencode({"season": flt.season.pk, **({"direction": flt.direction.pk} if flt.direction else {})})
            sections = [
                (
                    title,
                    [
                        {
                            "table": table,
                            "chart": chart_for(table),
                            "csv_url": f"{reverse('reports_export', args=[table.key])}?{query}&export=csv",
                            "xlsx_url": f"{reverse('reports_export', args=[table.key])}?{query}&export=xlsx",
                        }
                        for table in tables
                    ],
                )
                for title, tables in figures.full_report(flt)
            ]
        return self.render_to_response(self.get_context_data(form=form, sections=sections, filter=flt))

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]


class TableExportView(ReportAccessMixin, SpreadsheetExportMixin, View):
    """One table of the report as CSV or XLSX (Wagtail's spreadsheet export), same rows as on the page."""

    def get(self, request, table_key):
        if table_key not in figures.TABLES:
            return plain_response("Такой таблицы в отчёте нет.", status=404)
        if request.GET.get("export") not in self.FORMATS:
            return plain_response("Укажите формат выгрузки: export=csv или export=xlsx.", status=400)
        form = ReportFilterForm(request.GET)
        if not form.is_valid():
            message = " ".join(error for errors in form.errors.values() for error in errors)
            return plain_response(message, status=400)
        flt = form.report_filter()
        if flt is None:
            return HttpResponse(
                "Сезонов пока нет: выгружать нечего.", status=404, content_type="text/plain; charset=utf-8"
            )
        table = figures.TABLES[table_key](flt)
        self.list_export = [column.key for column in table.columns]
        self.export_headings = {column.key: column.label for column in table.columns}
        self.export_filename = f"{table_key}-{flt.season.starts_on:%Y}"
        return self.as_spreadsheet(table.all_rows, request.GET["export"])
