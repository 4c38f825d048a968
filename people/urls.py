from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.resident_list, name="resident_list"),
    path("new/", views.resident_create, name="resident_create"),
    path("<int:pk>/", views.resident_detail, name="resident_detail"),
    path("<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("import/<int:pk>/rerun/", views.import_rerun, name="import_rerun"),
]
