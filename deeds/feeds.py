"""RSS 2.0 and Atom feeds of a subdistrict's published stories (django.contrib.syndication)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from org.models import Region

from .models import Story
from .sanitize import html_to_text

FEED_SIZE = 30


class StoryRssFeed(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request, region):
        return get_object_or_404(Region, pk=region, kind__in=[Region.Kind.SUBDISTRICT, Region.Kind.DISTRICT])

    def title(self, region):
        return _("%(r)s · 我为群众办实事") % {"r": region.name}

    def link(self, region):
        return reverse("deeds:public_list", args=[region.pk])

    def description(self, region):
        return _("%(r)s 的实事项目与工作动态") % {"r": region.name}

    def items(self, region):
        return (
            Story.objects.in_region(region).published().select_related("region").order_by("-published_at")[:FEED_SIZE]
        )

    def item_title(self, story):
        return story.title

    def item_description(self, story):
        return story.summary or html_to_text(story.body)[:200]

    def item_link(self, story):
        return reverse("deeds:public_story", args=[story.pk])

    # Shanghai time (+08:00) in both feeds, as readers show it; a story edited before it was published still has
    # ``updated`` at its publication at the earliest (Atom readers sort on it and validators require it).
    def item_pubdate(self, story):
        return timezone.localtime(story.published_at)

    def item_updateddate(self, story):
        return timezone.localtime(max(story.published_at, story.updated_at))

    def item_author_name(self, story):
        return story.author_name or story.region.name

    def item_categories(self, story):
        return story.category_list


class StoryAtomFeed(StoryRssFeed):
    feed_type = Atom1Feed
    subtitle = StoryRssFeed.description
