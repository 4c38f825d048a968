from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("", views.index, name="index"),
    path("train/", views.train, name="train"),
    path("models/<int:pk>/activate/", views.activate, name="activate"),
    path("keywords/", views.keywords, name="keywords"),
    path("cases/<int:pk>/", views.case_panel, name="case_panel"),
    path("cases/<int:pk>/accept/", views.accept, name="accept"),
    path("cases/<int:pk>/merge/", views.merge, name="merge"),
    path("intake/", views.intake_hints, name="intake_hints"),
    path("hotspots/", views.weekly, name="weekly"),
    path("hotspots/<int:pk>/", views.hotspot, name="hotspot"),
]
