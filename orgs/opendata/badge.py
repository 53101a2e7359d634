"""The embeddable badge: an organization's status and grade as a small SVG.

``badge_facts`` reads what the badge says (three small queries, so it can be drawn
on every request and is never stale); ``badge_svg`` is a pure function that draws
it. The words carry the meaning (colour only repeats it), the image has
``role="img"``, a ``<title>`` and an ``aria-label``, and every text is escaped for
XML, so a name like ``<script>`` is shown, never run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.html import escape
from django.utils.translation import gettext as _

from credit.lists import PublicList
from credit.models import Grade, ListEntry, Score

from ..models import Organization, Status

HEIGHT = 20
FONT_SIZE = 11
PADDING = 6
# White text on these keeps a contrast of at least 4.5:1 (WCAG AA).
STATUS_COLOURS = {"active": "#1f5f3a", "listed": "#8a1c1c", "other": "#4a4a4a"}
GRADE_COLOURS = {
    "A": "#1b5e20",
    "B": "#0d47a1",
    "C": "#8a4b00",
    "D": "#8a1c1c",
    Grade.NOT_RATED: "#4a4a4a",
}
LABEL_COLOUR = "#333333"
# XML 1.0 does not allow these characters at all.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class BadgeFacts:
    org_id: str
    name: str
    status: str
    status_label: str
    grade: str | None
    lists: tuple[str, ...]  # labels of the public lists it is on today


def badge_facts(*, org_id: str) -> BadgeFacts:
    """What the badge of ``org_id`` says today (404 for an unknown org_id)."""
    organization = get_object_or_404(
        Organization.objects.only("id", "org_id", "name", "status"), org_id=org_id
    )
    grade = (
        Score.objects.current()
        .filter(organization=organization)
        .values_list("grade", flat=True)
        .first()
    )
    lists = tuple(
        str(PublicList(value).label)
        for value in ListEntry.objects.listed()
        .filter(organization=organization)
        .order_by("list")
        .values_list("list", flat=True)
        .distinct()
    )
    return BadgeFacts(
        org_id=organization.org_id,
        name=organization.name,
        status=organization.status,
        status_label=str(organization.get_status_display()),
        grade=grade,
        lists=lists,
    )


def text_width(text: str) -> int:
    """An estimate of ``text``'s width in pixels at FONT_SIZE in a sans-serif font:
    wide (CJK) characters take a full em, others a little over half."""
    width = 0.0
    for character in text:
        if unicodedata.east_asian_width(character) in ("W", "F"):
            width += FONT_SIZE
        elif character in "il.,:;'|! ":
            width += FONT_SIZE * 0.33
        elif character.isupper() or character in "mw":
            width += FONT_SIZE * 0.72
        else:
            width += FONT_SIZE * 0.56
    return round(width)


def _xml(text: str) -> str:
    return str(escape(_NOT_XML.sub("", text)))


def badge_texts(facts: BadgeFacts) -> tuple[str, str]:
    """The two words of the badge: the status (or the list it is on) and the grade."""
    if facts.lists:
        status = _("On the %(list)s") % {"list": facts.lists[0]}
    else:
        status = facts.status_label
    if facts.grade is None:
        grade = _("Not yet graded")
    elif facts.grade == Grade.NOT_RATED:
        grade = _("Not rated")
    else:
        grade = _("Grade %(grade)s") % {"grade": facts.grade}
    return status, grade


def badge_svg(facts: BadgeFacts) -> str:
    """The badge as an SVG document."""
    status, grade = badge_texts(facts)
    if facts.lists:
        status_colour = STATUS_COLOURS["listed"]
    elif facts.status == Status.ACTIVE:
        status_colour = STATUS_COLOURS["active"]
    else:
        status_colour = STATUS_COLOURS["other"]
    grade_colour = GRADE_COLOURS.get(facts.grade or Grade.NOT_RATED, LABEL_COLOUR)
    label = "Sunshine"
    parts = [(label, LABEL_COLOUR), (status, status_colour), (grade, grade_colour)]
    widths = [text_width(text) + 2 * PADDING for text, _colour in parts]
    title = _("%(name)s: %(status)s, %(grade)s (Sunshine register)") % {
        "name": facts.name,
        "status": status,
        "grade": grade,
    }
    shapes, texts, x = [], [], 0
    for (text, colour), width in zip(parts, widths, strict=True):
        shapes.append(
            f'<rect x="{x}" width="{width}" height="{HEIGHT}" fill="{colour}"/>'
        )
        texts.append(
            f'<text x="{x + width / 2:g}" y="14" text-anchor="middle">{_xml(text)}</text>'
        )
        x += width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{x}" height="{HEIGHT}" '
        f'viewBox="0 0 {x} {HEIGHT}" role="img" aria-label="{_xml(title)}">'
        f"<title>{_xml(title)}</title>"
        f'<g shape-rendering="crispEdges">{"".join(shapes)}</g>'
        f'<g fill="#ffffff" font-family="Verdana,DejaVu Sans,Noto Sans CJK SC,'
        f'sans-serif" font-size="{FONT_SIZE}">{"".join(texts)}</g>'
        "</svg>"
    )
