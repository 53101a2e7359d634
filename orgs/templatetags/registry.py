"""Template filters for registry facts."""

from django import template
from django.utils import translation

from orgs.regions import region_label as _region_label

register = template.Library()


@register.filter
def region_label(code: str) -> str:
    """A region code as names in the active language (``广东省 深圳市 南山区``)."""
    return _region_label(code) if code else ""


def _english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


@register.filter
def local_name(organization) -> str:
    """The organization's name in the reader's language where it has both: the
    English name for English readers, the registered name otherwise."""
    name_en = getattr(organization, "name_en", "")
    return name_en if name_en and _english() else organization.name


@register.filter
def other_name(organization) -> str:
    """The name ``local_name`` did not show, or nothing when there is one name."""
    name_en = getattr(organization, "name_en", "")
    if not name_en or name_en == organization.name:
        return ""
    return organization.name if _english() else name_en
