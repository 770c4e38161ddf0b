"""Test urlconf: the project routes plus the public self-report pages (until the root urlconf has them)."""

from django.urls import include, path

from shouwang.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("self-report/", include("shouwang.channels.urls")), *project_urlpatterns]
