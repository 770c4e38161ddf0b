"""Public self-report pages; mounted at /self-report/ by the project's root urlconf."""

from django.urls import path

from shouwang.channels import views

app_name = "channels"

urlpatterns = [
    path("", views.self_report_form, name="self_report"),
    path("track/", views.self_report_lookup, name="self_report_lookup"),
    path("track/<str:tracking_code>/", views.self_report_track, name="self_report_track"),
]
