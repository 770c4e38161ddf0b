from django.urls import path

from shouwang.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("households/", views.household_list_view, name="household_list"),
    path("households/<str:household_no>/", views.household_detail_view, name="household_detail"),
    path(
        "households/<str:household_no>/members/<int:person_id>/reveal-id/",
        views.person_reveal_id_view,
        name="person_reveal_id",
    ),
    path(
        "households/<str:household_no>/reveal-phone/",
        views.household_reveal_phone_view,
        name="household_reveal_phone",
    ),
    path("audit/", views.audit_list_view, name="audit_list"),
]
