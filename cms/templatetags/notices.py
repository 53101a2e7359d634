"""The notices that name an organization, for its profile (orgs cannot import cms:
the profile asks through this tag)."""

from django import template

from cms.models import NewsPage

register = template.Library()

NOTICES_ON_PROFILE = 5


@register.inclusion_tag("cms/_organization_notices.html")
def organization_notices(organization):
    """The latest published notices naming ``organization``, newest first.

    One query for the many organizations no notice names; the view-restriction
    check of ``public()`` runs only for those some live notice names."""
    named = NewsPage.objects.live().filter(
        organization_links__organization=organization
    )
    if not named.exists():
        return {"notices": []}
    notices = list(
        NewsPage.objects.live()
        .public()
        .filter(organization_links__organization=organization)
        .distinct()
        .order_by("-date", "-pk")[:NOTICES_ON_PROFILE]
    )
    return {"notices": notices}
