"""What every column of the open-data CSV files holds: the data dictionary.

One table drives the CSV headers, the queries that fill them, ``dictionary.json`` in
the download folder and the dictionary on ``/data/``, so a column cannot be written
without being described. Meanings and types come from the model fields where a
column is one (verbose name, help text, choices), so they follow the models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from credit.lists import PublicList
from credit.models import Grade, ListEntry, Reason, Score

from ..exchange.schema import FILING, ORGANIZATION
from ..models import Filing, Organization, UnregisteredName

# Model field classes -> the type the dictionary names.
FIELD_TYPES = {
    "CharField": "string",
    "TextField": "string",
    "URLField": "string",
    "FileField": "string",
    "BooleanField": "boolean",
    "DateField": "date",
    "DecimalField": "decimal",
    "PositiveSmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "IntegerField": "integer",
    "JSONField": "json",
}


@dataclass(frozen=True)
class Column:
    """One column of a CSV file: its header, the ORM path that fills it, its type,
    its meaning and, for coded values, the codes it may hold."""

    name: str
    source: str  # a values_list() path
    type: str
    meaning: str | Promise
    values: tuple[str, ...] = ()
    convert: Callable[[object], object] | None = None  # stored value -> cell

    def as_dict(self) -> dict:
        described = {"name": self.name, "type": self.type, "meaning": str(self.meaning)}
        if self.values:
            described["values"] = list(self.values)
        return described


@dataclass(frozen=True)
class CsvFile:
    name: str
    description: str | Promise
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def sources(self) -> list[str]:
        return [column.source for column in self.columns]


def model_column(
    model: type[models.Model],
    field_name: str,
    *,
    name: str | None = None,
    source: str | None = None,
    meaning: str | Promise | None = None,
) -> Column:
    """A column that is a model field: type, meaning and codes from the field."""
    field = model._meta.get_field(field_name)
    described = meaning or field.verbose_name
    if field.help_text and meaning is None:
        described = format_lazy("{} ({})", field.verbose_name, field.help_text)
    kind = FIELD_TYPES.get(field.get_internal_type(), "string")
    return Column(
        name=name or field_name,
        source=source or field_name,
        type=kind,
        meaning=described,
        values=tuple(str(value) for value, _label in field.choices or ()),
        convert=CONVERTERS.get(kind),
    )


def _boolean(value):
    return None if value is None else ("true" if value else "false")


def _json(value):
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _causes(value):
    return ";".join(value or ())


def _rule_title(code):
    from credit.rules import RULES

    rule = RULES.get(code)
    return rule.title.get("en") if rule else ""


# Cells are text: booleans as true/false, JSON values as JSON; dates and decimals
# are written by str() (ISO 8601, and the stored digits).
CONVERTERS = {"boolean": _boolean, "json": _json}


ORG_ID = Column(
    "org_id",
    "organization__org_id",
    "string",
    _("the organization's org-id (<scheme>-<identifier>), the key of every file"),
)

MEANINGS = {
    "org_id": ORG_ID.meaning,
    "identifier": _("the identifier the registry gave (e.g. a unified social credit "
                    "code or an EIN)"),
    "status": _("registration status"),
}  # fmt: skip

ORGANIZATIONS = CsvFile(
    "organizations.csv.gz",
    _("One row per organization in the public registry, with its current grade."),
    (
        *(
            model_column(Organization, column, meaning=MEANINGS.get(column))
            for column in ORGANIZATION.columns
            if column != "causes"
        ),
        Column(
            "causes",
            "causes",
            "string",
            _("causes the organization works for, separated by semicolons"),
            convert=_causes,
        ),
        model_column(
            Score,
            "grade",
            source="current__grade",
            meaning=_("current credit grade (empty until scored)"),
        ),
        model_column(
            Score,
            "score",
            source="current__score",
            meaning=_("current credit score out of 100 (empty when not rated)"),
        ),
        model_column(
            Score,
            "as_of",
            name="grade_as_of",
            source="current__as_of",
            meaning=_("the first date the current grade held"),
        ),
    ),
)

FILINGS = CsvFile(
    "filings.csv.gz",
    _("One row per published filing (annual report or return); drafts and filings "
      "in review are never included. Amounts are in the filing's currency."),
    (
        ORG_ID,
        *(
            model_column(Filing, column)
            for column in FILING.columns
        ),
    ),
)  # fmt: skip

REASONS = CsvFile(
    "reasons.csv.gz",
    _("One row per reason behind an organization's current grade (points deducted "
      "and the fiscal year concerned); docs/methodology.md explains each code."),
    (
        Column("org_id", "score__organization__org_id", "string", ORG_ID.meaning),
        model_column(Score, "grade", source="score__grade"),
        model_column(Score, "methodology_version", source="score__methodology_version"),
        model_column(Reason, "position"),
        model_column(Reason, "code"),
        Column(
            "title",
            "code",
            "string",
            _("the reason in words (English)"),
            convert=_rule_title,
        ),
        model_column(Reason, "points"),
        model_column(Reason, "fiscal_year"),
    ),
)  # fmt: skip

LIST_ENTRIES = CsvFile(
    "list_entries.csv.gz",
    _(
        "One row per entry on a public list (abnormal activity, serious illegal and "
        "dishonest, illegal organizations), current and past: an entry that has left "
        "the list has a date left."
    ),
    (
        model_column(ListEntry, "list"),
        Column(
            "org_id",
            "organization__org_id",
            "string",
            _("the organization's org-id; empty for a name with no registration"),
        ),
        Column(
            "name",
            "subject_name",
            "string",
            _("the organization's name, or the unregistered name"),
        ),
        model_column(
            UnregisteredName,
            "region",
            source="subject_region",
            meaning=_("region of the organization or of the unregistered name"),
        ),
        model_column(ListEntry, "entered_on"),
        model_column(ListEntry, "reason"),
        model_column(ListEntry, "legal_basis"),
        model_column(ListEntry, "exit_conditions"),
        model_column(ListEntry, "exited_on"),
        model_column(ListEntry, "exit_reason"),
    ),
)

CSV_FILES = (ORGANIZATIONS, FILINGS, REASONS, LIST_ENTRIES)
LIST_CODES = tuple(PublicList.values)
GRADES = tuple(Grade.values)


def dictionary_describe() -> dict:
    """The machine-readable dictionary (``dictionary.json``), in English."""
    with translation.override("en"):
        return _describe()


def _describe() -> dict:
    return {
        "registry.jsonl.gz": {
            "description": str(
                _(
                    "The whole public registry in the exchange format, one "
                    "organization per line (JSON Lines), as the importer reads it."
                )
            ),
            "format": "docs/data-format.md",
        },  # fmt: skip
        **{
            csv_file.name: {
                "description": str(csv_file.description),
                "columns": [column.as_dict() for column in csv_file.columns],
            }
            for csv_file in CSV_FILES
        },
    }
