from django.urls import path

from shouwang.field import views

app_name = "field"

urlpatterns = [
    path("", views.index, name="index"),
    path("offline/", views.offline, name="offline"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
