"""The Markdown export in a real Hexo 7 site: a site is built with Hexo from the npm registry (cached under var/),
the exported zips are unpacked into source/_posts as the user guide says, and every post and every image must be
in public/ with links that resolve, at the Shanghai date, in flat categories. Skipped with a message when Node or
the npm registry cannot be reached."""

import datetime
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings

from deeds import exports, services
from deeds.models import Story

from .conftest import approve, jpeg, write_story

pytestmark = pytest.mark.slow

# Hexo 7 and the plugins a `hexo init` site starts with, pinned: the check must not change under us.
PACKAGES = {
    "hexo": "7.3.0",
    "hexo-generator-archive": "2.0.0",
    "hexo-generator-category": "2.0.0",
    "hexo-generator-index": "4.0.0",
    "hexo-generator-tag": "2.0.0",
    "hexo-renderer-ejs": "2.0.0",
    "hexo-renderer-marked": "6.3.0",
    "hexo-renderer-stylus": "3.0.1",
    "hexo-theme-landscape": "1.0.0",
}
# The lines the user guide asks a site to have (docs/user-guide.md, 宣传稿导出到 Hexo).
SITE_CONFIG = """\
title: 天平街道
url: http://example.org
timezone: Asia/Shanghai
language: zh-CN
theme: landscape
post_asset_folder: true
marked:
  prependRoot: true
  postAsset: true
"""


def _package_json() -> str:
    return json.dumps(
        {"name": "minhu-hexo-check", "private": True, "hexo": {"version": PACKAGES["hexo"]}, "dependencies": PACKAGES}
    )


@pytest.fixture(scope="module")
def hexo_modules() -> Path:
    """node_modules with Hexo, installed once into var/hexo and reused by later runs."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("未找到 Node.js 与 npm（apt-get install nodejs npm）：跳过 Hexo 建站测试")
    cache = Path(settings.VAR_DIR) / "hexo"
    cache.mkdir(parents=True, exist_ok=True)
    if (cache / "package.json").exists() and (cache / "package.json").read_text() != _package_json():
        shutil.rmtree(cache / "node_modules", ignore_errors=True)
    (cache / "package.json").write_text(_package_json())
    if not (cache / "node_modules" / ".bin" / "hexo").exists():
        try:
            done = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=cache,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm 仓库连接超时：跳过 Hexo 建站测试")
        if done.returncode != 0:
            pytest.skip(f"npm 仓库不可用，无法安装 Hexo：{done.stderr.strip()[-300:]}")
    return cache / "node_modules"


def _published(world, writer, reviewer, *, title, when, photos):
    story = write_story(writer, world)
    added = [
        services.story_add_photo(story=story, upload=jpeg(c, name=f"p{i}.jpg"), caption="", by=writer)
        for i, c in enumerate(photos)
    ]
    body = "".join(f'<p>第{i}张</p><p><img src="{p.image.url}" alt="图{i}"></p>' for i, p in enumerate(added))
    story = services.story_save(story=story, by=writer, title=title, body=body, head_photo=added[0] if added else None)
    approve(story, writer, reviewer)
    story = services.story_publish(story=story, by=writer)
    Story.objects.filter(pk=story.pk).update(published_at=when)
    return Story.objects.get(pk=story.pk)


def test_an_exported_story_publishes_in_a_real_hexo_site(hexo_modules, tmp_path, world, writer, reviewer):
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    # 07:30 in Shanghai is the previous day in UTC: a post shifted by 8 hours lands in the wrong day's folder
    stories = [
        _published(
            world,
            writer,
            reviewer,
            title="粪管改道",
            when=datetime.datetime(2026, 12, 2, 7, 30, tzinfo=shanghai),
            photos=[(200, 40, 40), (40, 200, 40)],
        ),
        _published(
            world,
            writer,
            reviewer,
            title="爱心餐",
            when=datetime.datetime(2026, 12, 3, 20, 15, tzinfo=shanghai),
            photos=[(40, 40, 200)],
        ),
    ]
    site = tmp_path / "site"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "package.json").write_text(_package_json())
    (site / "_config.yml").write_text(SITE_CONFIG, encoding="utf-8")
    os.symlink(hexo_modules, site / "node_modules")
    for story in stories:
        _name, data = exports.markdown_zip(story, user=writer)
        zipfile.ZipFile(io.BytesIO(data)).extractall(site / "source" / "_posts")

    built = subprocess.run(
        [str(hexo_modules / ".bin" / "hexo"), "generate"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "TZ": "UTC"},  # a server in UTC, as in the report
    )
    assert built.returncode == 0, built.stdout + built.stderr
    public = site / "public"

    for story in stories:
        local = story.published_at.astimezone(shanghai)
        # the folder follows Hexo's permalink (:year/:month/:day of the building machine's clock, here UTC)
        (page,) = public.glob(f"*/*/*/{exports.post_name(story)}/index.html")
        html = page.read_text(encoding="utf-8")
        assert story.title in html
        # the instant Hexo publishes is the story's own, and the page shows the Shanghai date
        instant = story.published_at.astimezone(datetime.UTC)
        stamp = instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert re.search(rf'<time[^>]*datetime="{re.escape(stamp)}"[^>]*>{local:%Y-%m-%d}</time>', html), html
        # every image of the story is published and every link to one resolves, on the post page and on the index
        images = [
            n
            for n in zipfile.ZipFile(io.BytesIO(exports.markdown_zip(story, user=writer)[1])).namelist()
            if not n.endswith(".md")
        ]
        assert images and all((page.parent / Path(n).name).exists() for n in images)
        posted = re.findall(r'<img[^>]*src="([^"]+)"', html)
        assert sorted(Path(unquote(src)).name for src in posted) == sorted(Path(n).name for n in images)
    # every picture any page links to (posts, index, archives, categories) is there
    for other in public.rglob("*.html"):
        for src in re.findall(r'<img[^>]*src="([^"]+)"', other.read_text(encoding="utf-8")):
            assert src.startswith("/") and (public / unquote(src).lstrip("/")).exists(), (other, src)

    # two top-level categories (not one under the other) and the tags
    categories = public / "categories"
    assert (categories / "我为群众办实事" / "index.html").exists() and (categories / "天平街道" / "index.html").exists()
    assert not (categories / "我为群众办实事" / "天平街道").exists()
    assert (public / "tags" / "天平街道" / "index.html").exists()
