"""URL map: the pages, the admin and the versioned API."""

from django.contrib import admin
from django.urls import include, path

from cehours.api.v1 import api

admin.site.site_header = "cehours 后台管理"
admin.site.site_title = "cehours"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("cehours.web.urls")),
]
