from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("receipts/aliyun-sms/<str:token>/", views.aliyun_sms_report, name="aliyun_sms_report"),
]
