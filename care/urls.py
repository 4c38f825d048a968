from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_stops, name="my_stops"),
    path("deliveries/<int:pk>/confirm/", views.delivery_confirm, name="delivery_confirm"),
    path("rounds/generate/", views.rounds_generate, name="rounds_generate"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/plan/", views.round_plan, name="round_plan"),
    path("rounds/<int:pk>/sheet/", views.round_sheet, name="round_sheet"),
    path("recipients/", views.recipient_list, name="recipients"),
    path("recipients/new/", views.recipient_new, name="recipient_new"),
    path("recipients/new/<int:resident_pk>/", views.recipient_enrol, name="recipient_enrol"),
    path("recipients/<int:pk>/", views.recipient_detail, name="recipient"),
    path("recipients/<int:pk>/edit/", views.recipient_edit, name="recipient_edit"),
    path("recipients/<int:pk>/subscriptions/", views.subscription_add, name="subscription_add"),
    path("subscriptions/<int:pk>/end/", views.subscription_end, name="subscription_end"),
    path("pauses/<int:pk>/resume/", views.pause_resume, name="pause_resume"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("contacts/<int:pk>/move/", views.contact_move, name="contact_move"),
    path("recipients/<int:pk>/pause/", views.recipient_pause, name="recipient_pause"),
    path("recipients/<int:pk>/end/", views.recipient_end, name="recipient_end"),
    path("recipients/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/safe/", views.alert_safe, name="alert_safe"),
    path("alerts/steps/<int:pk>/ack/", views.step_ack, name="step_ack"),
    path("contacts/<int:pk>/call/", views.contact_call, name="contact_call"),
    path("safe/<str:token>/", views.alert_safe_link, name="alert_safe_link"),
    path("recipients/<int:pk>/visit-plans/", views.visit_plan_add, name="visit_plan_add"),
    path("visits/plans/<int:pk>/end/", views.visit_plan_end, name="visit_plan_end"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/plans/<int:pk>/record/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/to-case/", views.visit_to_case, name="visit_to_case"),
    path("figures/", views.figures, name="figures"),
]
