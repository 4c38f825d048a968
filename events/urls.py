from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_new, name="event_new"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/close/", views.event_close, name="event_close"),
    path("<int:pk>/status/", views.event_status, name="event_status"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/report/", views.event_report_view, name="event_report"),
    path("desks/<int:pk>/", views.desk_console, name="desk_console"),
    path("desks/<int:pk>/action/", views.desk_action, name="desk_action"),
    path("desks/<int:pk>/match/", views.desk_match, name="desk_match"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    # Public pages reached from the QR code: no login
    path("p/<str:token>/", views.public_event, name="public"),
    path("p/<str:token>/take/<int:desk_pk>/", views.public_take, name="public_take"),
    path("p/<str:token>/display/", views.display, name="display"),
    path("p/<str:token>/board/", views.display_board, name="display_board"),
    path("t/<str:token>/", views.ticket_page, name="ticket"),
    path("t/<str:token>/status/", views.ticket_status, name="ticket_status"),
    path("t/<str:token>/cancel/", views.ticket_cancel, name="ticket_cancel"),
]
