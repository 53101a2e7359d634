"""What a line of the registry exchange format may hold, and what it means.

Pure functions over parsed JSON (no database): ``read_organization`` turns one line's
object into column values for ``Organization``, ``Filing``, ``RegulatoryEvent``,
``FormerName`` and ``Officer``, or into a list of problems, each naming the field path
(``filings[2].income.donations``) and the reason. Limits (lengths, allowed values,
amounts that may not be negative) are read from the models, so the format cannot drift
from what the database accepts. ``docs/data-format.md`` is the reader's version.

The same tables drive export (``render_organization``), so what export writes is
exactly what import reads.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext as _

from ..identifiers import civil_affairs_type, identifier_problem, make_org_id
from ..models import (
    NON_NEGATIVE_AMOUNTS,
    Filing,
    FormerName,
    Officer,
    Organization,
    Registry,
    RegulatoryEvent,
)

MISSING = object()
CENT = Decimal("0.01")
# max_digits=18, decimal_places=2 leaves 16 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 16
AMOUNT_RE = re.compile(r"-?\d+(?:\.\d+)?")
FAST_AMOUNT_RE = re.compile(r"-?\d{1,16}(?:\.\d{1,2})?")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
FISCAL_YEAR_RANGE = (1900, 2100)  # the filing_fiscal_year_range check constraint
SHOWN_VALUE_LENGTH = 60
REGISTRIES = frozenset(Registry.values)


class Invalid(Exception):
    """A value a reader refuses; the message says why."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a line cannot be imported."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        if self.path:
            return f"line {self.line}: {self.path}: {self.message}"
        return f"line {self.line}: {self.message}"


def shown(value: object) -> str:
    """A value as JSON, shortened, for messages."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return text


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _expected(what: str, value: object) -> Invalid:
    return Invalid(
        _("expected %(what)s, got %(type)s %(value)s")
        % {"what": what, "type": json_type(value), "value": shown(value)}
    )


# Readers: raw JSON value -> column value, or raise Invalid. They run for every field
# of every line, twice per import, so they stay small and test exact types first.


def text_reader(model_field: models.Field, *, required: bool) -> Callable:
    max_length = model_field.max_length

    def read(raw):
        if type(raw) is not str:
            if raw is None and not required:
                return ""
            raise _expected(_("a string"), raw)
        if max_length is not None and len(raw) > max_length:
            raise Invalid(
                _("is %(length)d characters long, at most %(max)d allowed")
                % {"length": len(raw), "max": max_length}
            )
        if required and not raw.strip():
            raise Invalid(_("must not be empty"))
        return raw

    return read


def choice_reader(model_field: models.Field) -> Callable:
    allowed = [value for value, _label in model_field.choices]
    if model_field.blank:
        allowed.append("")
    allowed_set = frozenset(allowed)
    listed = ", ".join(f'"{value}"' for value in allowed)

    def read(raw):
        if type(raw) is str and raw in allowed_set:
            return raw
        if raw is None and model_field.blank:
            return ""
        raise Invalid(
            _("%(value)s is not one of the allowed values: %(allowed)s")
            % {"value": shown(raw), "allowed": listed}
        )

    return read


def read_bool(raw):
    if type(raw) is bool:
        return raw
    raise _expected(_("true or false"), raw)


def read_date(raw):
    if type(raw) is str:
        if DATE_RE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise Invalid(
            _("%(value)s is not a valid date (YYYY-MM-DD)") % {"value": shown(raw)}
        )
    if raw is None:
        return None
    raise _expected(_("a date string (YYYY-MM-DD)"), raw)


def read_required_date(raw):
    if raw is None:
        raise _expected(_("a date string (YYYY-MM-DD)"), raw)
    return read_date(raw)


def integer_reader(minimum: int, maximum: int, *, nullable: bool) -> Callable:
    def read(raw):
        if type(raw) is int:
            if minimum <= raw <= maximum:
                return raw
            raise Invalid(
                _("%(value)d is out of range (%(min)d to %(max)d)")
                % {"value": raw, "min": minimum, "max": maximum}
            )
        if raw is None and nullable:
            return None
        raise _expected(_("a whole number"), raw)

    return read


def amount_reader(*, non_negative: bool) -> Callable:
    def read_slowly(raw):
        kind = type(raw)
        if kind is str:
            if not AMOUNT_RE.fullmatch(raw):
                raise Invalid(
                    _('%(value)s is not a decimal amount (write it like "1234.50")')
                    % {"value": shown(raw)}
                )
            value = Decimal(raw)
        elif kind is int or kind is Decimal:
            value = Decimal(raw)
            if not value.is_finite():
                raise _expected(_("an amount"), raw)
        elif raw is None:
            return None
        else:
            raise _expected(
                _('an amount (a decimal string like "1234.50", or a number)'), raw
            )
        if not -AMOUNT_LIMIT < value < AMOUNT_LIMIT:
            raise Invalid(
                _("%(value)s is too large (at most 16 digits before the point)")
                % {"value": shown(raw)}
            )
        if value.as_tuple().exponent < -2 and value != value.quantize(CENT):
            raise Invalid(
                _("%(value)s has more than 2 decimal places") % {"value": shown(raw)}
            )
        if non_negative and value < 0:
            raise Invalid(_("%(value)s must not be negative") % {"value": shown(raw)})
        return value

    fast = FAST_AMOUNT_RE.fullmatch

    def read(raw):
        # Most amounts are strings as export writes them: one regex decides.
        if type(raw) is str and fast(raw) and not (non_negative and raw[0] == "-"):
            return Decimal(raw)
        return read_slowly(raw)

    return read


def read_currency(raw):
    if type(raw) is str and CURRENCY_RE.fullmatch(raw):
        return raw
    raise Invalid(
        _("%(value)s is not an ISO 4217 currency code (three capital letters)")
        % {"value": shown(raw)}
    )


def read_causes(raw):
    if raw is None:
        return []
    if type(raw) is list and all(type(cause) is str for cause in raw):
        return raw
    raise _expected(_("an array of strings"), raw)


_validate_url = URLValidator()


def website_reader(model_field: models.Field) -> Callable:
    read_text = text_reader(model_field, required=False)

    def read(raw):
        url = read_text(raw)
        if url:
            try:
                _validate_url(url)
            except ValidationError:
                raise Invalid(
                    _("%(value)s is not a valid http(s) URL") % {"value": shown(raw)}
                ) from None
        return url

    return read


def document_reader(model_field: models.Field) -> Callable:
    read_text = text_reader(model_field, required=False)

    def read(raw):
        name = read_text(raw)
        if name and (
            name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name
        ):
            raise Invalid(
                _("%(value)s must be a relative path inside the media storage")
                % {"value": shown(raw)}
            )
        return name

    return read


def read_answers(raw):
    """Answers by name (``governance``): each true, false, a whole number or null."""
    if raw is None:
        return None
    if type(raw) is not dict:
        raise _expected(_("an object of answers"), raw)
    for name, answer in raw.items():
        if answer is not None and type(answer) not in (bool, int):
            raise Invalid(
                _(
                    "%(name)s: expected true, false, a whole number or null, got %(value)s"
                )
                % {"name": name, "value": shown(answer)}
            )
    return raw


def read_figures(raw):
    """Amounts by name (``figures``): decimal strings as filed, or null."""
    if raw is None:
        return None
    if type(raw) is not dict:
        raise _expected(_("an object of amounts"), raw)
    for name, amount in raw.items():
        if amount is None or (type(amount) is str and AMOUNT_RE.fullmatch(amount)):
            continue
        if type(amount) is str:
            reason = _("%(value)s is not a decimal amount") % {"value": shown(amount)}
        else:
            reason = str(_expected(_('a decimal string like "1234"'), amount))
        raise Invalid(f"{name}: {reason}")
    return raw


def _cents(amount: Decimal) -> str:
    return f"{amount:.2f}"


# How export writes the values of each kind of key that is not written as it is.
RENDER = {"date": dt.date.isoformat, "amount": _cents}


@dataclass(frozen=True, slots=True)
class Key:
    """One key of an object in the format and the column it fills."""

    name: str
    column: str
    read: Callable
    kind: str  # how export writes the value: "text", "date", "amount" or "plain"
    required: bool = False
    default: object = None


@dataclass(frozen=True, slots=True)
class Group:
    """A nested object whose keys fill more columns of the same row (``income``)."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Shape:
    """The keys of one kind of object, in export order."""

    members: tuple[Key | Group, ...]
    collections: tuple[str, ...] = ()  # nested arrays, read by the caller
    names: frozenset[str] = field(init=False)
    columns: tuple[str, ...] = field(init=False)
    # (name, read, required, default, nested shape) per member, for read_object's loop
    plan: tuple[tuple, ...] = field(init=False)
    # (name, raw value when absent, read) per member, for _read_fast's comprehension
    fast_plan: tuple[tuple, ...] = field(init=False)
    group_positions: tuple[int, ...] = field(init=False)
    # (position, value) where a checked null stands for an empty value, for _raw_values
    empty_positions: tuple[tuple[int, object], ...] = field(init=False)
    # Export: (column position, function) for dates and amounts, and where each key's
    # value sits among the columns: (name, start, end, nested names or None).
    renderers: tuple[tuple[int, Callable], ...] = field(init=False)
    layout: tuple[tuple, ...] = field(init=False)
    # Every key in export order: lines written by export take a shortcut.
    order: tuple[str, ...] = field(init=False)
    readers: tuple[Callable, ...] = field(init=False)

    def __post_init__(self):
        # Everything below is derived once from ``members``, so the hot loops run over
        # plain tuples. (The dataclass is frozen, hence object.__setattr__.)
        derive = partial(object.__setattr__, self)
        members = self.members
        derive("names", frozenset(m.name for m in members) | set(self.collections))
        derive("order", (*(m.name for m in members), *self.collections))
        derive(
            "plan",
            tuple(
                (m.name, None, False, None, m.shape)
                if isinstance(m, Group)
                else (m.name, m.read, m.required, m.default, None)
                for m in members
            ),
        )
        derive("fast_plan", tuple(_fast_step(m) for m in members))
        derive("readers", tuple(step[2] for step in self.fast_plan))
        derive(
            "group_positions",
            tuple(
                position
                for position, m in reversed(list(enumerate(members)))
                if isinstance(m, Group)
            ),
        )
        derive(
            "empty_positions",
            tuple(
                (position, [] if m.default == [] else "")
                for position, m in enumerate(members)
                if isinstance(m, Key) and m.default in ("", [])
            ),
        )
        columns, renderers, layout = [], [], []
        for m in members:
            keys = m.shape.members if isinstance(m, Group) else (m,)
            start = len(columns)
            for key in keys:
                if key.kind in RENDER:
                    renderers.append((len(columns), RENDER[key.kind]))
                columns.append(key.column)
            if isinstance(m, Group):
                layout.append(
                    (m.name, start, len(columns), tuple(k.name for k in keys))
                )
            else:
                layout.append((m.name, start, None, None))
        derive("columns", tuple(columns))
        derive("renderers", tuple(renderers))
        derive("layout", tuple(layout))


def _fast_step(member: Key | Group) -> tuple:
    if isinstance(member, Group):
        shape = member.shape
        width = len(shape.columns)

        def read_group(raw):
            return [None] * width if raw is None else _read_fast(raw, shape)

        return (member.name, None, read_group)
    if member.required:
        absent = MISSING  # every reader refuses it
    elif member.default is None or type(member.default) is list:
        absent = None  # every optional reader turns null into its default
    else:
        absent = member.default
    return (member.name, absent, member.read)


def _text(model, name, *, required=False):
    reader = text_reader(model._meta.get_field(name), required=required)
    return Key(name, name, reader, "text", required, "")


def _choice(model, name, *, required=False):
    model_field = model._meta.get_field(name)
    default = "" if model_field.blank else model_field.default
    return Key(name, name, choice_reader(model_field), "text", required, default)


def _date(name, *, required=False):
    reader = read_required_date if required else read_date
    return Key(name, name, reader, "date", required, None)


def _bool(model, name):
    return Key(
        name, name, read_bool, "plain", False, model._meta.get_field(name).default
    )


def _amount(name, column=None, *, non_negative=None):
    column = column or name
    if non_negative is None:
        non_negative = column in NON_NEGATIVE_AMOUNTS
    reader = amount_reader(non_negative=non_negative)
    return Key(name, column, reader, "amount", False, None)


def _count(name):
    reader = integer_reader(0, 2_147_483_647, nullable=True)
    return Key(name, name, reader, "plain", False, None)


ORGANIZATION = Shape(
    members=(
        _text(Organization, "org_id", required=True),
        _choice(Organization, "registry", required=True),
        _text(Organization, "identifier", required=True),
        _text(Organization, "name", required=True),
        _text(Organization, "name_en"),
        _choice(Organization, "org_type", required=True),
        _bool(Organization, "charity"),
        _bool(Organization, "public_fundraising"),
        _choice(Organization, "registration_level"),
        _text(Organization, "registering_authority"),
        _text(Organization, "region"),
        _date("registered_on"),
        _choice(Organization, "status"),
        _date("status_changed_on"),
        _text(Organization, "legal_representative"),
        _text(Organization, "address"),
        Key(
            "website",
            "website",
            website_reader(Organization._meta.get_field("website")),
            "text",
            False,
            "",
        ),
        _text(Organization, "purpose"),
        Key("causes", "causes", read_causes, "plain", False, []),
    ),
    collections=("former_names", "officers", "filings", "events"),
)

FORMER_NAME = Shape(members=(_text(FormerName, "name", required=True), _date("until")))

OFFICER = Shape(
    members=(
        _text(Officer, "name", required=True),
        _text(Officer, "role"),
        _amount("compensation", non_negative=True),  # officer_compensation_non_negative
    )
)

INCOME_KEYS = ("donations", "government_grants", "services", "investment", "other")
EXPENSE_KEYS = ("programs", "management", "fundraising", "other")

FILING = Shape(
    members=(
        Key(
            "fiscal_year",
            "fiscal_year",
            integer_reader(*FISCAL_YEAR_RANGE, nullable=False),
            "plain",
            True,
        ),
        Key(
            "version",
            "version",
            integer_reader(1, 32767, nullable=False),
            "plain",
            False,
            1,
        ),
        _bool(Filing, "superseded"),
        _bool(Filing, "amended"),
        _choice(Filing, "form", required=True),
        _date("period_start"),
        _date("period_end"),
        _date("due_on"),
        _date("submitted_on"),
        Key("currency", "currency", read_currency, "plain", True),
        Group(
            "income",
            Shape(members=tuple(_amount(k, f"income_{k}") for k in INCOME_KEYS)),
        ),
        Group(
            "expenses",
            Shape(members=tuple(_amount(k, f"expenses_{k}") for k in EXPENSE_KEYS)),
        ),
        _amount("total_assets"),
        _amount("total_liabilities"),
        _amount("net_assets"),
        _count("employees"),
        _count("volunteers"),
        _choice(Filing, "audit_opinion"),
        Key("governance", "governance", read_answers, "plain", False, None),
        Key("figures", "figures", read_figures, "plain", False, None),
        _text(Filing, "source"),
        Key(
            "source_document",
            "source_document",
            document_reader(Filing._meta.get_field("source_document")),
            "text",
            False,
            "",
        ),
    )
)

EVENT = Shape(
    members=(
        _date("date", required=True),
        _choice(RegulatoryEvent, "kind", required=True),
        _amount("amount", non_negative=True),  # event_amount_non_negative
        _text(RegulatoryEvent, "authority"),
        _text(RegulatoryEvent, "reference"),
        _text(RegulatoryEvent, "detail"),
    )
)

# Positions of values in a row, for the importer's natural keys.
FILING_KEY = (FILING.columns.index("fiscal_year"), FILING.columns.index("version"))
EVENT_DETAIL = EVENT.columns.index("detail")


@dataclass(slots=True)
class OrganizationRecord:
    """One valid line as column values, in the order of each shape's ``columns``."""

    line: int
    organization: list
    former_names: list[list]
    officers: list[list]
    filings: list[list]
    events: list[list]

    @property
    def org_id(self) -> str:
        return self.organization[0]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _unknown_key(name: str, shape: Shape) -> str:
    close = difflib.get_close_matches(name, shape.names, n=1)
    if close:
        return _('unknown key "%(key)s" (did you mean "%(close)s"?)') % {
            "key": name,
            "close": close[0],
        }
    return _(
        'unknown key "%(key)s"; allowed keys are %(allowed)s (see docs/data-format.md)'
    ) % {"key": name, "allowed": ", ".join(sorted(shape.names))}


def read_object(
    obj: object, shape: Shape, *, path: str, line: int, problems: list[Problem]
) -> list:
    """Column values of ``obj`` (None where a value is bad); problems are appended."""
    if type(obj) is not dict:
        problems.append(Problem(line, path, str(_expected(_("an object"), obj))))
        return [None] * len(shape.columns)
    if not obj.keys() <= shape.names:
        for name in sorted(obj.keys() - shape.names):
            problems.append(Problem(line, _join(path, name), _unknown_key(name, shape)))
    values = []
    append = values.append
    get = obj.get
    for name, read, required, default, nested in shape.plan:
        raw = get(name, MISSING)
        if nested is not None:
            if raw is MISSING or raw is None:
                values.extend([None] * len(nested.columns))
            else:
                values.extend(
                    read_object(
                        raw,
                        nested,
                        path=_join(path, name),
                        line=line,
                        problems=problems,
                    )
                )
        elif raw is MISSING:
            if required:
                problems.append(Problem(line, _join(path, name), _("is required")))
            append(list(default) if type(default) is list else default)
        else:
            try:
                append(read(raw))
            except Invalid as invalid:
                problems.append(Problem(line, _join(path, name), str(invalid)))
                append(None)
    return values


def read_collection(
    obj: dict, name: str, shape: Shape, *, line: int, problems: list[Problem]
) -> list[list]:
    items = obj.get(name)
    if items is None:
        return []
    if type(items) is not list:
        problems.append(Problem(line, name, str(_expected(_("an array"), items))))
        return []
    return [
        read_object(item, shape, path=f"{name}[{index}]", line=line, problems=problems)
        for index, item in enumerate(items)
    ]


def identity_problems(
    registry: object, identifier: object, org_id: object, org_type: object
) -> list[tuple[str, str]]:
    """(path, reason) pairs for an identity that does not hold together.

    Checked only with values of the right type and allowed values: a bad registry is
    already reported by its own key.
    """
    if registry not in REGISTRIES or type(identifier) is not str:
        return []
    problem = identifier_problem(registry, identifier)
    if problem:
        return [
            (
                "identifier",
                _("%(value)s is not a valid %(registry)s identifier: %(problem)s")
                % {
                    "value": shown(identifier),
                    "registry": registry,
                    "problem": problem,
                },
            )
        ]
    found = []
    expected = make_org_id(registry, identifier)
    if type(org_id) is str and org_id != expected:
        found.append(
            (
                "org_id",
                _(
                    "%(value)s does not match registry and identifier "
                    '(expected "%(expected)s")'
                )
                % {"value": shown(org_id), "expected": expected},
            )
        )
    declared = civil_affairs_type(identifier) if registry == Registry.CN_MCA else None
    if declared and type(org_type) is str and org_type != declared:
        found.append(
            (
                "org_type",
                _(
                    "%(value)s disagrees with the identifier: civil-affairs code "
                    '"%(identifier)s" declares type digit %(digit)s, a "%(declared)s"'
                )
                % {
                    "value": shown(org_type),
                    "identifier": identifier,
                    "digit": identifier[1],
                    "declared": declared,
                },
            )
        )
    return found


def _duplicates(
    rows: list[list], key: Callable, name: str, describe: Callable, line: int
) -> list[Problem]:
    first: dict = {}
    found = []
    for index, row in enumerate(rows):
        value = key(row)
        if None in value:
            continue  # a bad value is reported on its own
        if value in first:
            found.append(
                Problem(
                    line,
                    f"{name}[{index}]",
                    _("%(what)s appears twice (also %(name)s[%(first)d])")
                    % {"what": describe(value), "name": name, "first": first[value]},
                )
            )
        else:
            first[value] = index
    return found


def _read_fast(obj: object, shape: Shape) -> list:
    """Column values of a valid object; Invalid (without a useful message) otherwise.

    Nearly every line is valid, and this path accepts it with a fraction of the work
    of ``read_object``, which runs only to explain what is wrong. It accepts nothing
    that ``read_object`` refuses: the same readers decide.
    """
    if type(obj) is not dict:
        raise Invalid
    if tuple(obj) == shape.order:
        values = [
            read(raw) for read, raw in zip(shape.readers, obj.values(), strict=False)
        ]
    elif obj.keys() <= shape.names:
        get = obj.get
        values = [read(get(name, absent)) for name, absent, read in shape.fast_plan]
    else:
        raise Invalid
    for position in shape.group_positions:
        values[position : position + 1] = values[position]
    return values


def _read_fast_collection(items: object, shape: Shape) -> list[list]:
    if items is None:
        return []
    if type(items) is not list:
        raise Invalid
    return [_read_fast(item, shape) for item in items]


def _read_organization_fast(obj: object, line: int) -> OrganizationRecord:
    if type(obj) is not dict:
        raise Invalid
    organization = _read_fast(obj, ORGANIZATION)
    get = obj.get
    if identity_problems(
        get("registry"), get("identifier"), get("org_id"), get("org_type")
    ):
        raise Invalid
    former_names = _read_fast_collection(get("former_names"), FORMER_NAME)
    if len({row[0] for row in former_names}) != len(former_names):
        raise Invalid
    year, version = FILING_KEY
    filings = _read_fast_collection(get("filings"), FILING)
    if len({(row[year], row[version]) for row in filings}) != len(filings):
        raise Invalid
    return OrganizationRecord(
        line,
        organization,
        former_names,
        _read_fast_collection(get("officers"), OFFICER),
        filings,
        _read_fast_collection(get("events"), EVENT),
    )


def read_organization(
    obj: object, *, line: int
) -> tuple[OrganizationRecord | None, list[Problem]]:
    """One parsed line as a record of column values, or the problems that stop it."""
    try:
        return _read_organization_fast(obj, line), []
    except Invalid:
        pass  # read it again slowly, to say what is wrong
    problems: list[Problem] = []
    if type(obj) is not dict:
        problems.append(
            Problem(
                line,
                "",
                _("expected a JSON object (one organization), got %(type)s")
                % {"type": json_type(obj)},
            )
        )
        return None, problems
    organization = read_object(obj, ORGANIZATION, path="", line=line, problems=problems)
    for path, message in identity_problems(
        obj.get("registry"),
        obj.get("identifier"),
        obj.get("org_id"),
        obj.get("org_type"),
    ):
        problems.append(Problem(line, path, message))
    former_names = read_collection(
        obj, "former_names", FORMER_NAME, line=line, problems=problems
    )
    problems.extend(
        _duplicates(
            former_names,
            lambda row: (row[0],),
            "former_names",
            lambda value: _("name %(name)s") % {"name": shown(value[0])},
            line,
        )
    )
    officers = read_collection(obj, "officers", OFFICER, line=line, problems=problems)
    filings = read_collection(obj, "filings", FILING, line=line, problems=problems)
    year, version = FILING_KEY
    problems.extend(
        _duplicates(
            filings,
            lambda row: (row[year], row[version]),
            "filings",
            lambda value: (
                _("fiscal_year %(year)s version %(version)s")
                % {"year": value[0], "version": value[1]}
            ),
            line,
        )
    )
    events = read_collection(obj, "events", EVENT, line=line, problems=problems)
    if problems:
        return None, problems
    return (
        OrganizationRecord(line, organization, former_names, officers, filings, events),
        problems,
    )


def _raw_values(obj: dict, shape: Shape) -> list:
    """Column values of an object ``_read_fast`` has accepted, converted only as far as
    the database needs: dates and amounts stay the strings (or numbers) of the file,
    which the database parses exactly as the readers did."""
    if tuple(obj) == shape.order:
        values = list(obj.values())
        del values[len(shape.members) :]  # the nested arrays, read by the caller
    else:
        get = obj.get
        values = [get(name, absent) for name, absent, _read in shape.fast_plan]
    for position, empty in shape.empty_positions:
        if values[position] is None:
            values[position] = empty
    for position in shape.group_positions:
        group = values[position]
        nested = shape.members[position].shape
        values[position : position + 1] = (
            [None] * len(nested.columns)
            if group is None
            else _raw_values(group, nested)
        )
    return values


def raw_organization(obj: dict, *, line: int) -> OrganizationRecord:
    """A line already checked by ``read_organization``, for streaming into an empty
    registry: a fraction of the work, because nothing is checked again."""
    get = obj.get
    return OrganizationRecord(
        line,
        _raw_values(obj, ORGANIZATION),
        [_raw_values(item, FORMER_NAME) for item in get("former_names") or ()],
        [_raw_values(item, OFFICER) for item in get("officers") or ()],
        [_raw_values(item, FILING) for item in get("filings") or ()],
        [_raw_values(item, EVENT) for item in get("events") or ()],
    )


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def parse_line(text: str) -> object:
    """A line's JSON value; numbers with a fraction become Decimals, never floats."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


# Export: column values back to the format.


def render_object(values: Sequence, shape: Shape) -> dict:
    """The format's object for one row of column values, keys in export order."""
    flat = list(values)
    for position, render in shape.renderers:
        value = flat[position]
        if value is not None:
            flat[position] = render(value)
    return {
        name: flat[start]
        if inner is None
        else dict(zip(inner, flat[start:end], strict=True))
        for name, start, end, inner in shape.layout
    }


def render_organization(
    organization: Sequence,
    *,
    former_names: Sequence[Sequence],
    officers: Sequence[Sequence],
    filings: Sequence[Sequence],
    events: Sequence[Sequence],
) -> dict:
    """The format's object for one organization, keys in export order."""
    obj = render_object(organization, ORGANIZATION)
    obj["former_names"] = [render_object(row, FORMER_NAME) for row in former_names]
    obj["officers"] = [render_object(row, OFFICER) for row in officers]
    obj["filings"] = [render_object(row, FILING) for row in filings]
    obj["events"] = [render_object(row, EVENT) for row in events]
    return obj


def dump_line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


__all__ = [
    "EVENT",
    "FILING",
    "FORMER_NAME",
    "OFFICER",
    "ORGANIZATION",
    "OrganizationRecord",
    "Problem",
    "dump_line",
    "parse_line",
    "read_organization",
    "render_organization",
]
