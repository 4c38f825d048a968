"""Residents' pages, no login: /g/<region>/ (the subdistrict's guides), /g/<region>/<code>/ (the SMS link)."""

from django.urls import path

from . import public

app_name = "guides_public"
urlpatterns = [
    path("<int:region>/", public.public_list, name="list"),
    path("<int:region>/<slug:code>/", public.public_guide, name="guide"),
    path("<int:region>/<slug:code>/print/", public.public_pdf, name="pdf"),
]
