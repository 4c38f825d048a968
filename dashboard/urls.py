from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("screen/", views.screen, name="screen"),
    path("charts/<slug:chart_id>.xlsx", views.chart_export, name="chart_export"),
    path("report/", views.monthly_report, name="report"),
]
