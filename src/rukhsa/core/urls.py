from django.urls import path

from rukhsa.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path("terms/", views.page, {"template": "core/terms.html"}, name="terms"),
    path("privacy/", views.page, {"template": "core/privacy.html"}, name="privacy"),
]
