from django.urls import path

from . import views

app_name = "renewal"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/estimate/", views.project_estimate, name="project_estimate"),
    path("<int:pk>/close/", views.project_close, name="project_close"),
    path("<int:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("<int:pk>/plans/<int:plan_pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/import/", views.certificate_import, name="import"),
    path("<int:pk>/import/template/", views.import_template, name="import_template"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/estimate/", views.certificate_estimate, name="certificate_estimate"),
    path("certificates/<int:pk>/vote/", views.certificate_vote, name="certificate_vote"),
    path("certificates/<int:pk>/sign/", views.certificate_sign, name="certificate_sign"),
    path("certificates/<int:pk>/moving/", views.certificate_moving, name="certificate_moving"),
    path("certificates/<int:pk>/reason/", views.certificate_reason, name="certificate_reason"),
    path("certificates/<int:pk>/consult/", views.certificate_consult, name="certificate_consult"),
    path("certificates/<int:pk>/mediation/", views.certificate_mediation, name="certificate_mediation"),
    path(
        "certificates/<int:pk>/mediation/<int:mediation_pk>/session/",
        views.mediation_session,
        name="mediation_session",
    ),
    path("certificates/<int:pk>/mediation/<int:mediation_pk>/close/", views.mediation_close, name="mediation_close"),
    path("certificates/<int:pk>/flat/", views.flat_sheet, name="flat_sheet"),
]
