"""Template filters for registry facts."""

from django import template

from orgs.regions import region_label as _region_label

register = template.Library()


@register.filter
def region_label(code: str) -> str:
    """A region code as names in the active language (``广东省 深圳市 南山区``)."""
    return _region_label(code) if code else ""
