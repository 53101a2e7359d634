"""Identifiers of organizations: China's unified social credit code, US EINs, org-ids.

The org_id used in every URL follows the org-id.guide scheme prefixes:
``CN-USCC-<18 chars>``, ``US-EIN-<9 digits>``, ``GB-NIC-<number>``, ``GB-CHC-<number>``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the code's alphabet leaves out I, O, S, V and Z.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")

# Second character of a code issued by civil affairs (first character "5").
USCC_CIVIL_AFFAIRS_TYPES = {
    "1": "social_group",
    "2": "social_service_agency",
    "3": "foundation",
}

EIN_RE = re.compile(r"^\d{9}$")

# registry -> org-id scheme prefix
SCHEMES = {
    "CN-MCA": "CN-USCC",
    "US-IRS": "US-EIN",
    "GB-CCNI": "GB-NIC",
    "GB-CCEW": "GB-CHC",
    "GB-OSCR": "GB-SC",
    "GB-COH": "GB-COH",
}
REGISTRY_OF_SCHEME = {scheme: registry for registry, scheme in SCHEMES.items()}


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code, from its first 17."""
    total = sum(
        USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None if it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        return f"contains characters outside the GB 32100-2015 charset: {''.join(bad)}"
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, expected {expected}"
    return None


def validate_uscc(code: str) -> None:
    problem = uscc_problem(code)
    if problem:
        raise ValidationError(
            _("Invalid unified social credit code %(code)s: %(problem)s"),
            params={"code": code, "problem": problem},
            code="invalid_uscc",
        )


def civil_affairs_type(code: str) -> str | None:
    """The organization type a civil-affairs code declares, or None if not civil affairs."""
    if code[:1] != "5":
        return None
    return USCC_CIVIL_AFFAIRS_TYPES.get(code[1:2])


def ein_problem(ein: str) -> str | None:
    if not EIN_RE.match(ein):
        return "must be exactly 9 digits"
    return None


def validate_ein(ein: str) -> None:
    problem = ein_problem(ein)
    if problem:
        raise ValidationError(
            _("Invalid EIN %(ein)s: %(problem)s"),
            params={"ein": ein, "problem": problem},
        )


def identifier_problem(registry: str, identifier: str) -> str | None:
    """Why ``identifier`` is not valid in ``registry``, or None."""
    if not identifier:
        return "is empty"
    if registry == "CN-MCA":
        return uscc_problem(identifier)
    if registry == "US-IRS":
        return ein_problem(identifier)
    if not re.fullmatch(r"[A-Za-z0-9]+", identifier):
        return "must be letters and digits only"
    return None


def make_org_id(registry: str, identifier: str) -> str:
    """The portal-wide identifier of an organization: ``<scheme>-<identifier>``."""
    return f"{SCHEMES[registry]}-{identifier}"


def parse_org_id(text: str) -> tuple[str, str] | None:
    """(registry, identifier) of an org-id in a scheme the portal keeps a register for,
    or None.

    Publishers write org-ids loosely: ``US-EIN-13-3458820`` (the EIN with its hyphen)
    is ``US-EIN-133458820``; the scheme is matched without regard to case. An
    identifier the registry would refuse (``GB-CHC-1126147-1``, a subsidiary) gives
    None, as does a scheme without a register here (``GB-EDU``, ``360G-...``).
    """
    text = text.strip()
    for scheme, registry in REGISTRY_OF_SCHEME.items():
        if text.upper().startswith(scheme + "-"):
            identifier = text[len(scheme) + 1 :].strip()
            if registry == "US-IRS":
                identifier = identifier.replace("-", "")
            if registry.startswith("GB-"):
                identifier = identifier.upper()
            if identifier_problem(registry, identifier) is None:
                return registry, identifier
            return None
    return None
