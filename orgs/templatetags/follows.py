"""``{% follow_state organization as following %}``: whether the signed-in user
follows an organization, for the follow button any page can include
(``orgs/_follow.html``) without its view knowing about follows."""

from django import template

from orgs.follows import user_follows

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_state(context, organization) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user_follows(user=user, organization=organization)
