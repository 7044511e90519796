"""URLs of the test project."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("whoami/", views.whoami),
    path("token/", views.token),
    path("note/", views.note),
    path("expire/", views.expire),
    path("kept/", views.kept),
    path("big/", views.big),
    path("clear/", views.clear),
    path("counter/", views.counter),
]
