"""Filters for the profile's charts and their tables."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, digits: int = 0) -> str:
    """A share as a percentage for the reader's locale: 0.705 → "71%" (digits=0)."""
    if value is None or value == "":
        return "—"
    digits = int(digits)
    return f"{number_format(round(float(value) * 100, digits), digits)}%"
