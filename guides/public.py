"""What residents read without logging in: a subdistrict's guides, searchable, and each guide as a page, a printable
one-page PDF and a QR code. The SMS link from the desk lands on ``guide``.

Only published guides are shown, and a subdistrict's page shows its own guides with the district's and the city's
(a local guide replacing an inherited one of the same matter)."""

from django.shortcuts import render
from django.views.decorators.cache import cache_control

from lib.pdf import pdf_response
from volunteers.qr import qr_svg

from . import selectors
from .pdf import guide_pdf
from .services import short_url


@cache_control(max_age=300, public=True)
def public_list(request, region):
    place = selectors.public_region(region)
    q = request.GET.get("q", "").strip()[:200]
    guides = selectors.region_guides(place)
    results = [s.guide for s in selectors.suggest(question=q, region=place, limit=5)] if q else None
    groups: dict = {}
    for g in guides:
        groups.setdefault(g.topic.name, []).append(g)
    return render(request, "guides/public_list.html", {"region": place, "groups": groups, "q": q, "results": results})


@cache_control(max_age=300, public=True)
def public_guide(request, region, code):
    place = selectors.public_region(region)
    guide = selectors.public_guide(place, code)
    url = short_url(region=place, guide=guide)
    return render(request, "guides/public_guide.html", {"region": place, "guide": guide, "qr": qr_svg(url)})


def public_pdf(request, region, code):
    place = selectors.public_region(region)
    guide = selectors.public_guide(place, code)
    data = guide_pdf(guide, url=short_url(region=place, guide=guide), region_name=place.name)
    return pdf_response(f"{guide.name}-办事指南.pdf", data)
