"""A small allow-list HTML sanitiser on the standard library's html.parser, and HTML → Markdown.

Stories are written by staff but shown to the public without login, so their HTML is cleaned on
every save: only the tags and attributes below survive, ``<script>``/``<style>`` lose their content
too, links keep http(s)/mailto/site-relative targets, and images must come from this site's media
(the CSP allows no other image source anyway). Everything else is escaped text.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import quote

from django.conf import settings

ALLOWED = {
    "p": (),
    "br": (),
    "strong": (),
    "b": (),
    "em": (),
    "i": (),
    "u": (),
    "h2": (),
    "h3": (),
    "h4": (),
    "ul": (),
    "ol": (),
    "li": (),
    "blockquote": (),
    "figure": (),
    "figcaption": (),
    "a": ("href", "title"),
    "img": ("src", "alt"),
}
VOID = {"br", "img"}
DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
SAFE_HREF = re.compile(r"^(https?://|mailto:|/(?![/\\]))", re.IGNORECASE)
# Browsers read "\" as "/" and drop tabs and newlines inside a URL: "/\evil.example/" and "/\t/evil.example/" both
# lead off-site, so a link holding either is not kept.
UNSAFE_IN_HREF = re.compile(r"[\\\x00-\x1f\x7f]")


def _safe_src(value: str) -> bool:
    media = "/" + settings.MEDIA_URL.lstrip("/")
    return value.startswith(media) and ".." not in value


class _Cleaner(HTMLParser):
    def __init__(self, rewrite_src=None):
        super().__init__(convert_charrefs=True)
        self.rewrite_src = rewrite_src
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED:
            return
        kept = []
        for name, value in attrs:
            value = (value or "").strip()
            if name not in ALLOWED[tag]:
                continue
            if name == "href" and (not SAFE_HREF.match(value) or UNSAFE_IN_HREF.search(value)):
                continue
            if name == "src" and self.rewrite_src is not None:
                value = self.rewrite_src(value)
                if value is None:
                    return  # not a file the caller may show: the image is dropped whole
            if name == "src" and not _safe_src(value):
                return  # an image from elsewhere is dropped whole
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "a" and kept:
            kept.append(' rel="noopener nofollow"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.open and tag not in VOID and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in ALLOWED or tag in VOID or tag not in self.open:
            return
        while self.open:  # close whatever was left open inside it
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out).strip()


def clean_html(value: str, *, rewrite_src=None) -> str:
    """The allow-listed HTML of ``value``. ``rewrite_src(src)`` may give each image a new address,
    or None to drop it (``deeds.files.public_body``)."""
    cleaner = _Cleaner(rewrite_src)
    cleaner.feed(value or "")
    return cleaner.result()


class _Text(HTMLParser):
    BLOCK = {"p", "br", "li", "h2", "h3", "h4", "blockquote", "figcaption", "div"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of (clean) HTML, paragraphs on their own lines: for checks, summaries and PDF."""
    parser = _Text()
    parser.feed(value or "")
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def body_blocks(value: str) -> list[tuple[str, str]]:
    """(clean) HTML as ("text", paragraph) and ("img", src) in reading order: the story PDF prints a photo where
    the story shows it (修复前 / photo / 修复后 / photo), not all photos after the text."""

    class _Blocks(_Text):
        def __init__(self):
            super().__init__()
            self.blocks: list[tuple[str, str]] = []

        def flush(self):
            text = "".join(self.parts)
            self.parts = []
            for para in text.split("\n"):
                if para.strip():
                    self.blocks.append(("text", para.strip()))

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                src = dict(attrs).get("src")
                if src:
                    self.flush()
                    self.blocks.append(("img", src))
                return
            super().handle_starttag(tag, attrs)

    parser = _Blocks()
    parser.feed(value or "")
    parser.close()
    parser.flush()
    return parser.blocks


def image_sources(value: str) -> list[str]:
    """The src of every <img> in (clean) HTML, in order."""

    class _Img(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                src = dict(attrs).get("src")
                if src:
                    self.found.append(src)

    parser = _Img()
    parser.feed(value or "")
    return parser.found


def _md_text(data: str) -> str:
    """Text as Markdown shows it: the parser has turned ``&lt;script&gt;`` back into ``<script>``, and
    Markdown passes raw HTML through, so ``&``, ``<`` and ``>`` become entities again; Markdown's own
    markup characters are escaped with a backslash."""
    data = html.escape(data, quote=False)
    return re.sub(r"([\\`*_\[\]])", r"\\\1", data)


def _md_url(url: str) -> str:
    """A link target that cannot close the Markdown link early or open an HTML tag."""
    return quote(url, safe="/:?#&=%@+~.,;!$'-_")


class _Markdown(HTMLParser):
    def __init__(self, rewrite_src):
        super().__init__(convert_charrefs=True)
        self.rewrite_src = rewrite_src
        self.out: list[str] = []
        self.lists: list[list] = []  # stack of [kind, counter]
        self.href: list[str] = []

    def _block(self):
        self.out.append("\n\n")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("p", "figure", "figcaption"):
            self._block()
        elif tag in ("h2", "h3", "h4"):
            self._block()
            self.out.append("#" * int(tag[1]) + " ")
        elif tag == "br":
            self.out.append("  \n")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "blockquote":
            self._block()
            self.out.append("> ")
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self._block()
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            self.out.append("\n" + ("- " if kind[0] == "ul" else f"{kind[1]}. "))
        elif tag == "a":
            self.href.append(_md_url(a.get("href", "")))
            self.out.append("[")
        elif tag == "img":
            src = self.rewrite_src(a.get("src", ""))
            if src:
                self.out.append(f"\n\n![{_md_text(a.get('alt') or '')}]({_md_url(src)})\n\n")

    def handle_endtag(self, tag):
        if tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._block()
        elif tag == "a":
            self.out.append(f"]({self.href.pop() if self.href else ''})")
        elif tag in ("p", "h2", "h3", "h4", "blockquote", "figure"):
            self._block()

    def handle_data(self, data):
        self.out.append(_md_text(data))


def html_to_markdown(value: str, *, rewrite_src=lambda s: s) -> str:
    parser = _Markdown(rewrite_src)
    parser.feed(value or "")
    parser.close()
    text = "".join(parser.out)
    return (
        re.sub(
            r"\n{3,}",
            "\n\n",
            "\n".join(line.rstrip(" ") if not line.endswith("  ") else line for line in text.split("\n")),
        ).strip()
        + "\n"
    )
