"""Sign-up for the public: an email address and a password, so that anyone can follow
organizations. The address is the user name (people sign in with it), unique
whatever its case. Attempts from one address are throttled like sign-in, so
accounts cannot be created in bulk."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, login, password_validation
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

MAX_ATTEMPTS = 10
WINDOW_SECONDS = 60 * 60
DEFAULT_NEXT = "/account/following/"


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,  # it becomes the user name
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        User = get_user_model()
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("An account with this email address exists already: sign in."),
                code="taken",
            )
        return email

    def clean(self):
        key = f"signup:ip:{self.request.META.get('REMOTE_ADDR', '')}"
        cache.add(key, 0, WINDOW_SECONDS)
        if cache.incr(key) > MAX_ATTEMPTS:
            raise forms.ValidationError(
                _("Too many sign-ups from your network. Try again in an hour."),
                code="throttled",
            )
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            email = cleaned.get("email", "")
            candidate = get_user_model()(username=email, email=email)
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return DEFAULT_NEXT


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect(_next(request))
    form = SignUpForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_user(
                    username=email,
                    email=email,
                    password=form.cleaned_data["password1"],
                )
        except IntegrityError:  # the same address signed up a moment ago
            form.add_error(
                "email",
                _("An account with this email address exists already: sign in."),
            )
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_next(request))
    return render(
        request, "registration/signup.html", {"form": form, "next": _next(request)}
    )
