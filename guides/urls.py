from django.urls import path

from . import views

app_name = "guides"
urlpatterns = [
    path("", views.guide_list, name="guide_list"),
    path("new/", views.guide_new, name="guide_new"),
    path("<int:pk>/", views.guide_detail, name="guide_detail"),
    path("<int:pk>/edit/", views.guide_edit, name="guide_edit"),
    path("<int:pk>/history/", views.guide_history, name="guide_history"),
    path("<int:pk>/override/", views.guide_override, name="guide_override"),
    path("<int:pk>/retire/", views.guide_retire, name="guide_retire"),
    path("revisions/<int:pk>/<slug:action>/", views.revision_action, name="revision_action"),
    path("review/", views.review_queue, name="review_queue"),
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("suggest/", views.suggest, name="suggest"),
    path("answers/<int:pk>/", views.answer, name="answer"),
    path("gaps/", views.gaps, name="gaps"),
]
