"""Sign-in with throttled failures: after a few wrong passwords for one account or
from one address, further attempts are refused for a while, so passwords cannot be
guessed at speed. Counts live in the cache (shared by workers in production)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _keys(request, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "") if request else ""
    return [f"signin:user:{username.lower()}", f"signin:ip:{address}"]


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        keys = _keys(self.request, username)
        if any((cache.get(key) or 0) >= MAX_FAILURES for key in keys):
            raise ValidationError(
                _("Too many failed sign-ins. Try again in 15 minutes."),
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            for key in keys:
                cache.add(key, 0, WINDOW_SECONDS)
                cache.incr(key)
            raise


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
