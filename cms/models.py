"""Editorial pages managed in Wagtail: the home page, standard pages, notices."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index


class HomePage(Page):
    """The portal's front page: a search box, headline figures from the registry and
    the public lists, links to the lists, the latest notices."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.StandardPage", "cms.NewsIndexPage", "cms.MethodologyPage"]
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


class MethodologyPage(Page):
    """How grades are made: the editors' explanation, then the rules, points and
    figures as the scoring code has them, so the published page cannot drift from
    what is computed (``credit.methodology_page``)."""

    intro = RichTextField(_("introduction"), blank=True)
    body = RichTextField(_("after the tables"), blank=True)
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from django.utils import translation

        from credit.methodology_page import methodology_for_page

        context = super().get_context(request, *args, **kwargs)
        context["methodology"] = methodology_for_page(
            language=translation.get_language()
        )
        return context


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
    """A notice: an announcement, guidance, or the publication of list entries. A
    notice can name organizations (``organization_links``); each named one links to
    its profile, and its profile lists the notices that name it."""

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
        InlinePanel(
            "organization_links", heading=_("Organizations named in this notice")
        ),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["organization_links"] = self.organization_links.select_related(
            "organization"
        )
        return context


class NoticeOrganization(Orderable):
    """One organization a notice names, with what the notice says about it."""

    page = ParentalKey(
        NewsPage, on_delete=models.CASCADE, related_name="organization_links"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="notice_links",
        verbose_name=_("organization"),
    )
    note = models.CharField(
        _("note"),
        max_length=255,
        blank=True,
        help_text=_("What the notice says about it, e.g. the list it enters."),
    )

    panels = [FieldPanel("organization"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("organization named")
        verbose_name_plural = _("organizations named")
