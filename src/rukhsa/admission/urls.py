from django.urls import path

from rukhsa.admission import views

app_name = "admission"
urlpatterns = [
    path("waiting-room/", views.waiting_room, name="waiting_room"),
]
