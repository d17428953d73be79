from django.urls import path

from rukhsa.notifications import views

app_name = "notifications"
urlpatterns = [path("outbox/", views.outbox, name="outbox")]
