"""Formatting of report cells: the page shows "1 234,50", the cell keeps the raw value for exports."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()

NBSP = "\u00a0"


def _grouped(number, decimals=0):
    text = f"{number:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def format_value(value, kind):
    if kind == "text":
        return "" if value is None else str(value)
    if value is None or value == "":
        return "—"
    if kind == "money":
        return f"{_grouped(Decimal(value), 2)}{NBSP}₽"
    if kind == "percent":
        return f"{_grouped(float(value), 1)}{NBSP}%"
    return _grouped(int(value))


@register.simple_tag
def report_cell(row, column):
    """A <td> with the formatted value and the raw one in data-value."""
    value = row.get(column.key)
    kind = row.get("kind", column.kind) if column.key == "value" else column.kind
    raw = "" if value is None else str(value)
    css = "report-number" if kind != "text" else ""
    return format_html('<td class="{}" data-value="{}">{}</td>', css, raw, format_value(value, kind))


@register.simple_tag
def report_figure(value, kind):
    return format_value(value, kind)
