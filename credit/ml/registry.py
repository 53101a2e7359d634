"""Stored models: write an estimator with its digest, load it only if it is ours.

A joblib file is a pickle, and unpickling runs whatever code the file names. So the
portal loads only estimators it wrote itself: when storing, it records the SHA-256 of
the bytes and an HMAC of version and digest keyed with ``SECRET_KEY``; when loading,
it recomputes both and refuses bytes that differ (``RiskModelRefused``) before
``joblib`` sees them. Someone who can change a row but does not know the secret key
cannot make the portal load their pickle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
from typing import Any

import joblib
from django.db import transaction
from django.utils.crypto import salted_hmac

from credit.models import RiskModel

SIGNATURE_SALT = "credit.ml.registry.RiskModel"


class RiskModelRefused(Exception):
    """A stored estimator failed its integrity check and was not loaded."""


def estimator_bytes(estimator: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer, compress=3)
    return buffer.getvalue()


def _signature(version: str, digest: str) -> str:
    return salted_hmac(
        SIGNATURE_SALT, f"{version}:{digest}", algorithm="sha256"
    ).hexdigest()


def next_version(*, kind: str, as_of: dt.date) -> str:
    count = RiskModel.objects.filter(kind=kind).count()
    version = f"{kind}-{as_of:%Y%m%d}-{count + 1}"
    while RiskModel.objects.filter(version=version).exists():
        count += 1
        version = f"{kind}-{as_of:%Y%m%d}-{count + 1}"
    return version


@transaction.atomic
def risk_model_store(
    *,
    kind: str,
    as_of: dt.date,
    estimator: Any,
    parameters: dict,
    report: dict,
    version: str | None = None,
) -> RiskModel:
    """Store ``estimator`` as a new version of ``kind`` with its report."""
    payload = estimator_bytes(estimator)
    digest = hashlib.sha256(payload).hexdigest()
    version = version or next_version(kind=kind, as_of=as_of)
    return RiskModel.objects.create(
        kind=kind,
        version=version,
        as_of=as_of,
        parameters=parameters,
        report=report,
        estimator=payload,
        sha256=digest,
        signature=_signature(version, digest),
    )


def risk_model_load(model: RiskModel) -> Any:
    """The estimator of ``model``, after checking its digest and signature."""
    payload = bytes(model.estimator)
    digest = hashlib.sha256(payload).hexdigest()
    if not hmac.compare_digest(digest, model.sha256):
        raise RiskModelRefused(
            f"risk model {model.version}: the stored estimator's SHA-256 is {digest}, "
            f"not the {model.sha256} recorded when it was written; not loading it"
        )
    if not hmac.compare_digest(_signature(model.version, digest), model.signature):
        raise RiskModelRefused(
            f"risk model {model.version}: the signature does not match (not written "
            "by this portal, or SECRET_KEY changed since); not loading it"
        )
    return joblib.load(io.BytesIO(payload))  # noqa: S301 (digest and HMAC checked)


def risk_model_latest(*, kind: str) -> RiskModel | None:
    return RiskModel.objects.filter(kind=kind).order_by("-trained_at", "-id").first()
