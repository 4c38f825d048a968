from django.urls import path

from . import views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="resource_list"),
    path("<int:pk>/", views.resource_detail, name="resource_detail"),
    path("<int:pk>/book/", views.booking_new, name="booking_new"),
    path("<int:pk>/series/", views.series_new, name="series_new"),
    path("mine/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/<slug:action>/", views.booking_action, name="booking_action"),
    path("waitlist/<int:pk>/<slug:action>/", views.waitlist_action, name="waitlist_action"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("usage/", views.usage_report, name="usage_report"),
    path("grant/", views.grant_start, name="grant_start"),
    path("grant/case/<int:case_pk>/", views.case_grant, name="case_grant"),
]
