from django.urls import path

from . import public_photos, public_views, views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("list/", views.case_list, name="list"),
    path("export/", views.case_export, name="export"),
    path("new/", views.intake, name="new"),
    path("views/save/", views.saved_view_create, name="saved_view_create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("consent/<int:pk>/", views.consent_add, name="consent_add"),
    path("attachments/<int:pk>/", views.attachment_view, name="attachment"),
    path("public/new/", public_views.public_new, name="public_new"),
    path("public/done/<str:number>/", public_views.public_done, name="public_done"),
    path("public/track/", public_views.public_track, name="public_track"),
    path("public/case/", public_views.public_case, name="public_case"),
    path("public/photo/<str:token>/", public_photos.public_photo, name="public_photo"),
]
