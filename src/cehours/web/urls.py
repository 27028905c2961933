"""Page URLs."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import exchange, systems, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.my_hours, name="my-hours"),
    path("me/entries/", views.my_entries, name="my-entries"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/entries/", views.person_entries_page, name="person-entries"),
    path("people/<int:pk>/eligibility/", views.person_eligibility_page, name="person-eligibility"),
    path("systems/", systems.systems, name="systems"),
    path("systems/<slug:code>/rotate/", systems.rotate, name="system-rotate"),
    path("systems/<slug:code>/revoke/", systems.revoke, name="system-revoke"),
    path("exchange/", exchange.exchange, name="exchange"),
    path("exchange/export/", exchange.export, name="exchange-export"),
    path("exchange/import/", exchange.import_file, name="exchange-import"),
]
