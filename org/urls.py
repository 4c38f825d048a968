from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
]
