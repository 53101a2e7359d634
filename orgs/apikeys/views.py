"""/account/api-keys/: a signed-in user lists, makes and revokes their API keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """The list, and on POST a new key, shown on this page once."""
    raw = None
    error = None
    if request.method == "POST":
        try:
            _api_key, raw = services.api_key_create(
                user=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    return render(
        request,
        "orgs/apikeys/api_keys.html",
        {
            "api_keys": services.api_keys_of(user=request.user),
            "raw": raw,
            "error": error,
            "max_keys": services.MAX_LIVE_KEYS,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def api_key_revoke(request, pk: int):
    api_key = get_object_or_404(services.api_keys_of(user=request.user), pk=pk)
    services.api_key_revoke(api_key=api_key, user=request.user)
    messages.success(request, _("API key revoked."))
    return redirect("api-keys:list")
