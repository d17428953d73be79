from django.urls import path

from rukhsa.guide import views

app_name = "guide"
urlpatterns = [
    path("", views.contents, name="contents"),
    path("<slug:slug>/", views.service, name="service"),
]
