"""Editorial pages managed in Wagtail: the home page, standard pages, notices."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class HomePage(Page):
    """The portal's front page: a search box, headline figures from the registry and
    the public lists, links to the lists, the latest notices."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.StandardPage", "cms.NewsIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from credit.lists import PublicList
        from credit.selectors import list_headline_figures
        from orgs.selectors import registry_headline_figures

        context = super().get_context(request, *args, **kwargs)
        context["figures"] = registry_headline_figures()
        context["list_figures"] = list_headline_figures()
        context["public_lists"] = PublicList.choices
        context["notices"] = (
            NewsPage.objects.live().public().descendant_of(self).order_by("-date")[:5]
        )
        return context


class StandardPage(Page):
    """Methodology, guides and other editorial content."""

    body = RichTextField(_("body"), blank=True)
    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("body")]
    subpage_types = ["cms.StandardPage"]


class NewsIndexPage(Page):
    """The notices section: list announcements, guidance, news."""

    intro = RichTextField(_("introduction"), blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.NewsPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["notices"] = (
            NewsPage.objects.live().public().child_of(self).order_by("-date")
        )
        return context


class NewsPage(Page):
    date = models.DateField(_("date"))
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = RichTextField(_("body"), blank=True)

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []
