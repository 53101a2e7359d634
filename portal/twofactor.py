"""Two-factor sign-in (TOTP, RFC 6238, through django-otp) for the people who can
change what the public sees: regulators and staff.

With ``TWO_FACTOR_REQUIRED`` on (production settings), such a user who has signed in
with a password reaches nothing but the pages below until they have entered a code
from their authenticator app in this session; the first time, they set one up.
Members of the public and organization members are not asked.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.access import is_regulator

EXEMPT_PREFIXES = ("/account/2fa/", "/account/logout/", "/static/", "/i18n/")


def needs_second_factor(user) -> bool:
    return user.is_authenticated and (
        user.is_staff or user.is_superuser or is_regulator(user)
    )


class RequireTwoFactorMiddleware:
    """After django_otp's OTPMiddleware: send unverified staff and regulators to
    the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and not user.is_verified()
            and needs_second_factor(user)
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"/account/2fa/?next={request.get_full_path()}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits the app shows.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@login_required
def second_factor(request):
    """Enter a code; the first time, set up the authenticator app."""
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    device = (
        confirmed
        or TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="authenticator", confirmed=False
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right or has expired."))
    return render(
        request,
        "registration/second_factor.html",
        {
            "form": form,
            "setup": not device.confirmed,
            "config_url": device.config_url if not device.confirmed else "",
            "secret": _base32(device.bin_key) if not device.confirmed else "",
            "next": _next(request),
        },
    )


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode()
