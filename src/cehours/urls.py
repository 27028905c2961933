"""URL map: the pages, the admin and the versioned API, and the error handlers (JSON under /api/)."""

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

# Under /api/ these answer the API's JSON error shape (an unknown route never reaches ninja);
# everywhere else they render Django's pages (templates 404.html / 500.html).
handler404 = "cehours.api.middleware.page_not_found"
handler500 = "cehours.api.middleware.server_error"
