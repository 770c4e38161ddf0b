from django.urls import include, path

from shouwang.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("self-report/", include("shouwang.channels.urls")),
    path("field/", include("shouwang.field.urls")),
    path("", include("shouwang.console.urls")),
]
