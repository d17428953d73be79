from django.urls import path

from rukhsa.results import views

app_name = "results"
urlpatterns = [
    path("results/", views.results_list, name="list"),
    path("results/<int:result_id>/", views.result_detail, name="detail"),
    path("results/<int:result_id>/report.pdf", views.result_report_pdf, name="report_pdf"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
