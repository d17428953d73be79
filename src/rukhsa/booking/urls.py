from django.urls import path

from rukhsa.booking import views, waitlist_views

app_name = "booking"
urlpatterns = [
    path("register/", views.register_start, name="start"),
    path("register/<slug:period_code>/", views.register_notes, name="notes"),
    path("register/<slug:period_code>/choose/", views.register_choose, name="choose"),
    path("register/<slug:period_code>/review/", views.register_review, name="review"),
    path(
        "register/<slug:period_code>/waitlist/",
        waitlist_views.waitlist_join,
        name="waitlist_join",
    ),
    path("waitlist/", waitlist_views.waitlist_page, name="waitlist"),
    path("waitlist/<int:entry_id>/leave/", waitlist_views.waitlist_leave, name="waitlist_leave"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<str:reference>/", views.registration_detail, name="registration"),
    path("registrations/<str:reference>/pay/", views.registration_pay, name="pay"),
    path("registrations/<str:reference>/release/", views.registration_release, name="release"),
    path("registrations/<str:reference>/change/", views.registration_change_view, name="change"),
    path("registrations/<str:reference>/cancel/", views.registration_cancel_view, name="cancel"),
]
