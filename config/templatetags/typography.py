"""The `quoted` filter, a builtin of every template: `{{ work.title|quoted }}` → «…» with „…“ inside."""

from django import template

from config.text import quoted as quoted_text

register = template.Library()


@register.filter
def quoted(value):
    return quoted_text(value)
