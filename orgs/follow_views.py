"""Following organizations: the button on a profile, the list of what a member of
the public follows, and the unfollow link of the emails. The work is in
``orgs/follows.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import follows
from .models import Organization


def _back(request, organization: Organization) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return organization.get_absolute_url()


@login_required
def follow(request, org_id: str):
    """POST follows. A GET is where sign-in sends a visitor who pressed "Follow"
    while signed out: it asks to confirm, because a GET changes nothing."""
    organization = get_object_or_404(Organization, org_id=org_id)
    if request.method != "POST":
        return render(
            request, "orgs/follows/confirm.html", {"organization": organization}
        )
    follows.follow_add(user=request.user, organization=organization)
    messages.success(
        request,
        _("You follow %(name)s. We will email you when something changes.")
        % {"name": organization.name},
    )
    return redirect(_back(request, organization))


@login_required
def unfollow(request, org_id: str):
    organization = get_object_or_404(Organization, org_id=org_id)
    if request.method != "POST":
        return redirect(organization.get_absolute_url())
    if follows.follow_remove(user=request.user, organization=organization):
        messages.success(
            request,
            _("You no longer follow %(name)s.") % {"name": organization.name},
        )
    return redirect(_back(request, organization))


@login_required
def following(request):
    return render(
        request,
        "orgs/follows/following.html",
        {"follows": follows.follows_of(user=request.user)},
    )


def unfollow_link(request, token: str):
    """The link at the foot of every follow email: works without signing in, and
    only a POST (the button on the page) stops the emails, so a mail scanner that
    opens links unfollows nobody."""
    follow = follows.follow_from_token(token)
    if request.method == "POST" and follow is not None:
        name = follow.organization.name
        follow.delete()
        return render(
            request, "orgs/follows/unfollowed.html", {"name": name}, status=200
        )
    return render(
        request,
        "orgs/follows/unfollow_link.html",
        {"follow": follow},
        status=200 if follow is not None else 404,
    )
