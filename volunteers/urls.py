from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.volunteer_list, name="volunteer_list"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("me/", views.me, name="me"),
    path("ledger/", views.ledger, name="ledger"),
    path("<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("<int:pk>/decide/", views.volunteer_decide, name="volunteer_decide"),
    path("<int:pk>/records/new/", views.record_add, name="record_add"),
    path("<int:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("records/<int:pk>/verify/", views.record_verify, name="record_verify"),
    path("records/<int:pk>/correct/", views.correction_new, name="correction_new"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("tasks/<int:pk>/respond/", views.assignment_respond, name="assignment_respond"),
    path("tasks/<int:pk>/lead-sign/", views.shift_lead_sign, name="shift_lead_sign"),
    path("shift/<str:token>/", views.shift_sign, name="shift_sign"),
    path("shift/<str:token>/qr/", views.shift_qr, name="shift_qr"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("commitments/<int:pk>/deliver/", views.commitment_deliver, name="commitment_deliver"),
    path("match/case/<int:case_pk>/", views.match_case, name="match_case"),
]
