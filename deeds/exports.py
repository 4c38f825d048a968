"""Stories out of Minhu: Markdown with YAML front matter (Hexo) in a zip with its images, a printable PDF, and
the monthly "我为群众办实事" summary.

The front matter carries the fields of the subdistrict's existing Hexo posts (title, categories, author, date,
headimg, thumbnail, comments) plus tags, written as Hexo 7 reads them (checked by building a real Hexo site in
``deeds/tests/test_hexo_site.py``):

1. ``date``/``updated`` in Shanghai time without an offset (``2026-12-02 10:29:21``): Hexo reads such a time in the
   site's ``timezone`` (``Asia/Shanghai`` in _config.yml). With an offset (``+0800``) Hexo shifts it a second time
   and a post lands 8 hours early on a server in UTC.
2. ``categories``: a story's 分类 are separate labels (我为群众办实事, 天平街道), but Hexo reads a flat list as a
   hierarchy (天平街道 under 我为群众办实事). So two or more are written as a list of one-item lists
   (``[[我为群众办实事], [天平街道]]``), which Hexo reads as that many top-level categories; one stays a flat list.
3. ``tags``: the categories, the publishing region and the deed's title, each once.
4. Images go in the post asset folder: ``<post name>/<image>`` beside ``<post name>.md``, linked by their bare name
   (``![](photo.jpg)``), and ``headimg``/``thumbnail`` name the head photo the same way. With
   ``post_asset_folder: true`` and hexo-renderer-marked's ``postAsset: true`` Hexo publishes the folder with the
   post and resolves each link to the post's own path on every page (the post, the index, archives).

What leaves with a story: only its own photos and its deed's, when the exporter may see the deed
(``deeds.files.story_files``); an image in the body naming any other file is dropped. Text is
HTML-escaped in the body and the front matter, since the site that imports the post renders both as
HTML: a title or paragraph that reads ``<script>`` stays text there too.
"""

import calendar
import datetime
import html
import io
import os
import zipfile
from dataclasses import dataclass

import yaml
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.pdf import Document
from org.models import Region

from .files import media_name, story_files
from .models import Deed, Story
from .sanitize import body_blocks, html_to_markdown


def story_date(story: Story) -> datetime.datetime:
    return timezone.localtime(story.published_at or story.approved_at or story.created_at)


def post_name(story: Story) -> str:
    """``YYYY-MM-DD-story-<id>``: the post's file name without ``.md``, and the name of its asset folder."""
    return f"{story_date(story):%Y-%m-%d}-story-{story.pk}"


def post_filename(story: Story) -> str:
    """``_posts/YYYY-MM-DD-slug.md`` as Hexo's ``new_post_name: :year-:month-:day-:title.md`` writes it."""
    return f"{post_name(story)}.md"


def _local_naive(value: datetime.datetime) -> datetime.datetime:
    """Shanghai wall-clock time without an offset, to the second (point 1 of the module docstring)."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def hexo_categories(names: list[str]) -> list:
    """Separate categories as Hexo means them (point 2): ``[a]``, or ``[[a], [b]]`` for two or more."""
    return list(names) if len(names) <= 1 else [[name] for name in names]


def story_tags(story: Story) -> list[str]:
    tags = [*story.category_list, story.region.name]
    if story.deed is not None:
        tags.append(story.deed.title)
    return list(dict.fromkeys(t for t in tags if t))


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def front_matter(story: Story, *, head_image: str = "") -> dict:
    published = story_date(story)
    matter = {
        "title": _text(story.title),
        "date": _local_naive(published),
        "updated": _local_naive(max(published, story.updated_at or published)),
        "categories": hexo_categories([_text(c) for c in story.category_list] or [_("我为群众办实事")]),
        "tags": [_text(t) for t in story_tags(story)],
        "author": _text(story.author_name or story.region.name),
        "comments": False,
    }
    if head_image:
        matter["headimg"] = head_image
        matter["thumbnail"] = head_image
    if story.summary:
        matter["excerpt"] = _text(story.summary)
    return matter


def markdown(story: Story, *, user) -> tuple[str, dict[str, str]]:
    """(the Markdown text, {name in the zip: storage name}): images in the post asset folder, linked by their bare
    name (point 4 of the module docstring). Only files of ``story_files(story, user)`` are linked; any other image
    is left out."""
    files = story_files(story, user)
    images: dict[str, str] = {}
    folder = post_name(story)

    def rewrite(src: str) -> str | None:
        name = media_name(src)
        if name not in files:
            return None
        link = os.path.basename(name)
        images[f"{folder}/{link}"] = name
        return link

    head = ""
    if story.head_photo is not None and story.head_photo.image.name in files:
        head = rewrite("/" + settings.MEDIA_URL.lstrip("/") + story.head_photo.image.name) or ""
    body = html_to_markdown(story.body, rewrite_src=rewrite)
    matter = yaml.safe_dump(front_matter(story, head_image=head), allow_unicode=True, sort_keys=False)
    return f"---\n{matter}---\n\n{body}", images


def markdown_zip(story: Story, *, user) -> tuple[str, bytes]:
    """A zip with ``<date>-story-<id>.md`` and its asset folder ``<date>-story-<id>/…``, to unpack into the site's
    ``source/_posts``; returns (zip filename, bytes)."""
    text, images = markdown(story, user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(post_filename(story), text)
        for target, name in images.items():
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as fh:
                    zf.writestr(target, fh.read())
    return post_filename(story).replace(".md", ".zip"), buffer.getvalue()


def _local_path(name: str) -> str | None:
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None


def story_pdf(story: Story, *, user) -> bytes:
    pdf = Document(story.title, author=story.author_name or story.region.name)
    pdf.title_line(story.title)
    pdf.paragraph(f"{story.author_name or story.region.name} · {story_date(story):%Y年%m月%d日}", style="small")
    if story.summary:
        pdf.space()
        pdf.paragraph(story.summary)
    deed = story.deed
    if deed:
        pdf.space()
        rows = [[_("项目"), deed.title], [_("状态"), deed.get_status_display()]]
        if deed.finished_on:
            rows.append([_("完成日期"), f"{deed.finished_on:%Y-%m-%d}"])
        if deed.beneficiaries_count:
            rows.append([_("受益"), f"{deed.beneficiaries_count} 人 {deed.beneficiaries_kind}".strip()])
        pdf.table(rows, widths_mm=[30, 140], header=False)
    pdf.space()
    files = story_files(story, user)
    for kind, value in body_blocks(story.body):  # text and photos in the order the story shows them
        if kind == "text":
            pdf.paragraph(value)
            pdf.space(2)
            continue
        name = media_name(value)
        path = _local_path(name) if name in files else None  # only the story's own photos (deeds.files)
        if path and os.path.exists(path):
            pdf.image(path, width_mm=120)
            pdf.space(2)
    return pdf.render()


@dataclass
class MonthlySummary:
    region: Region
    year: int
    month: int
    deeds: list
    people_served: int
    cases_behind: int
    cost: object
    stories_published: int

    @property
    def title(self) -> str:
        return _("%(region)s %(y)s年%(m)s月“我为群众办实事”情况") % {
            "region": self.region.name,
            "y": self.year,
            "m": self.month,
        }


def monthly_summary(region: Region, year: int, month: int) -> MonthlySummary:
    """Deeds finished in the month in the region's subtree, people served, cases behind them."""
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    deeds = list(
        Deed.objects.in_region(region)
        .filter(status=Deed.Status.DONE, finished_on__gte=first, finished_on__lte=last)
        .annotate(case_count=Count("cases", distinct=True))
        .prefetch_related("units")
        .order_by("finished_on", "pk")
    )
    ids = [d.pk for d in deeds]
    totals = Deed.objects.filter(pk__in=ids).aggregate(cost=Sum("cost"))
    cases_behind = Deed.cases.through.objects.filter(deed_id__in=ids).values("case_id").distinct().count()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=timezone.get_current_timezone())
    end = start + datetime.timedelta(days=(last - first).days + 1)
    published = Story.objects.in_region(region).published().filter(published_at__gte=start, published_at__lt=end)
    return MonthlySummary(
        region=region,
        year=year,
        month=month,
        deeds=deeds,
        people_served=sum(d.beneficiaries_count for d in deeds),
        cases_behind=cases_behind,
        cost=totals["cost"],
        stories_published=published.count(),
    )


def monthly_pdf(summary: MonthlySummary) -> bytes:
    pdf = Document(summary.title)
    pdf.title_line(summary.title)
    pdf.paragraph(
        _("本月完成实事 %(d)s 件，服务群众 %(p)s 人，回应群众诉求 %(c)s 件，发布宣传稿 %(s)s 篇。")
        % {
            "d": len(summary.deeds),
            "p": summary.people_served,
            "c": summary.cases_behind,
            "s": summary.stories_published,
        }
    )
    pdf.space()
    rows = [[_("完成日期"), _("项目"), _("参与单位"), _("受益"), _("相关诉求"), _("居民评价")]]
    for d in summary.deeds:
        rows.append(
            [
                f"{d.finished_on:%m-%d}",
                d.title,
                "、".join(u.name for u in d.units.all()) or d.partners,
                f"{d.beneficiaries_count} {d.beneficiaries_kind}".strip(),
                str(d.case_count),
                d.get_verdict_display(),
            ]
        )
    pdf.table(rows, widths_mm=[18, 50, 40, 25, 18, 22])
    return pdf.render()
