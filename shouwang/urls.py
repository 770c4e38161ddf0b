from django.urls import include, path

urlpatterns = [
    path("", include("shouwang.console.urls")),
]
