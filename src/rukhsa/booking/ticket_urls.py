from django.urls import path

from rukhsa.booking import ticket_views as views

app_name = "tickets"
urlpatterns = [
    path("registrations/<str:reference>/ticket/", views.ticket_page, name="ticket"),
    path("registrations/<str:reference>/ticket.pdf", views.ticket_pdf_download, name="ticket_pdf"),
    path("registrations/<str:reference>/ticket.ics", views.ticket_calendar, name="ticket_ics"),
    path("staff/check-in/", views.checkin_page, name="checkin"),
    path("staff/sessions/<int:session_id>/roster.csv", views.roster_csv, name="roster_csv"),
    path("staff/sessions/<int:session_id>/roster.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("staff/sessions/<int:session_id>/roster.pdf", views.roster_pdf, name="roster_pdf"),
]
