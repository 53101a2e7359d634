"""Writes of the CMS side: notices drafted from the registry for editors to publish."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.models import Page

from credit.lists import LIST_RULES, PublicList
from credit.models import ListEntry

from .models import (
    HomePage,
    MethodologyPage,
    NewsIndexPage,
    NewsPage,
    NoticeOrganization,
)


class NoticeError(Exception):
    """The notice cannot be drafted as asked (no notices section, nothing to name)."""


@transaction.atomic
def notice_draft_for_list_entries(
    *,
    listing: str,
    since: dt.date,
    until: dt.date,
    section: NewsIndexPage | None = None,
    user=None,
) -> NewsPage:
    """A draft notice announcing the organizations that entered ``listing`` between
    ``since`` and ``until`` (inclusive), naming each with the reason it entered.

    The notice is saved as a draft revision, not published: an editor reads it,
    edits it if needed and publishes it in the Wagtail admin, as regulators announce
    list decisions. Unregistered names (the illegal list) are named in the body, as
    they have no profile to link to.
    """
    if listing not in PublicList.values:
        raise NoticeError(
            _("Unknown list %(list)s: choose one of %(choices)s.")
            % {"list": listing, "choices": ", ".join(PublicList.values)}
        )
    if since > until:
        raise NoticeError(_("The start date is after the end date."))
    section = section or NewsIndexPage.objects.order_by("path").first()
    if section is None:
        raise NoticeError(
            _("There is no notices section: add a notices index page first.")
        )
    entries = list(
        ListEntry.objects.filter(
            list=listing, entered_on__gte=since, entered_on__lte=until
        )
        .select_related("organization", "unregistered_name")
        .order_by("entered_on", "id")
    )
    if not entries:
        raise NoticeError(
            _("No organization entered this list between %(since)s and %(until)s.")
            % {"since": since, "until": until}
        )
    label = PublicList(listing).label
    rule = LIST_RULES[listing]
    unregistered = [e.unregistered_name.name for e in entries if e.unregistered_name]
    count = len(entries)
    body = [
        format_html(
            "<p>{}</p>",
            _(
                "%(count)d entries were added to the %(list)s between %(since)s "
                "and %(until)s."
            )
            % {"count": count, "list": label, "since": since, "until": until},
        ),
        format_html("<p>{}: {}</p>", _("Legal basis"), rule.legal_basis),
        format_html("<p>{}: {}</p>", _("How to leave the list"), rule.exit_conditions),
    ]
    if unregistered:
        body.append(
            format_html(
                "<p>{}: {}</p>", _("Unregistered names"), "; ".join(unregistered)
            )
        )
    notice = NewsPage(
        title=_("%(list)s: entries from %(since)s to %(until)s")
        % {"list": label, "since": since, "until": until},
        date=until,
        summary=_("%(count)d entries") % {"count": count},
        body="".join(body),
        live=False,
        owner=user,
    )
    notice.organization_links = [
        NoticeOrganization(organization=entry.organization, note=entry.reason[:255])
        for entry in entries
        if entry.organization_id
    ]
    section.add_child(instance=notice)
    notice.save_revision(user=user, log_action=True)
    return notice


def site_pages_ensure() -> list[Page]:
    """The portal's standing pages under the home page, created when missing: the
    notices section (``/notices/``) and the methodology (``/methodology/``).
    Existing pages are left as editors made them. Returns the pages created."""
    home = HomePage.objects.first()
    if home is None:
        raise NoticeError(_("There is no home page: run the migrations first."))
    created: list[Page] = []
    if not NewsIndexPage.objects.exists():
        created.append(
            home.add_child(
                instance=NewsIndexPage(
                    title=_("Notices"),
                    slug="notices",
                    intro=format_html(
                        "<p>{}</p>",
                        _("Announcements of the registering authorities: list "
                          "decisions, guidance, news."),
                    ),
                )
            )
        )  # fmt: skip
    if not MethodologyPage.objects.exists():
        created.append(
            home.add_child(
                instance=MethodologyPage(
                    title=_("How grades are made"),
                    slug="methodology",
                    intro=format_html(
                        "<p>{}</p>",
                        _("Each grade is computed from the organization's filings "
                          "and regulatory events by the rules below. Every reason "
                          "on a profile names its rule, its evidence and its legal "
                          "source."),
                    ),
                )
            )
        )  # fmt: skip
    return created
