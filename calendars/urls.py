from django.urls import path

from . import views

app_name = "calendars"
urlpatterns = [
    path("", views.feeds, name="feeds"),
    path("feed/<str:token>/<slug:kind>.ics", views.feed, name="feed"),
    path("mine/<slug:kind>.ics", views.download, name="download"),
    path("service-days/<int:pk>.ics", views.service_day, name="service_day"),
    path("p/<str:token>.ics", views.public_service_day, name="public_service_day"),
]
