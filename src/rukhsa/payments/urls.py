from django.urls import path

from rukhsa.payments import views
from rukhsa.payments.sandbox import views as sandbox

app_name = "payments"

urlpatterns = [
    path("orders/<uuid:order_uuid>/pay/", views.order_pay, name="order_pay"),
    path("return/<uuid:payment_uuid>/", views.payment_return, name="return"),
    path("webhooks/<slug:gateway>/", views.webhook, name="webhook"),
    path("invoices/<uuid:uuid>/", views.document, {"kind": "invoice"}, name="invoice"),
    path(
        "invoices/<uuid:uuid>.pdf",
        views.document,
        {"kind": "invoice", "as_pdf": True},
        name="invoice_pdf",
    ),
    path("credit-notes/<uuid:uuid>/", views.document, {"kind": "credit_note"}, name="credit_note"),
    path(
        "credit-notes/<uuid:uuid>.pdf",
        views.document,
        {"kind": "credit_note", "as_pdf": True},
        name="credit_note_pdf",
    ),
    # The sandbox gateway's hosted pages (a test gateway living inside the app).
    path("sandbox-gateway/<uuid:charge_id>/", sandbox.card_page, name="sandbox_card"),
    path("sandbox-gateway/<uuid:charge_id>/3ds/", sandbox.three_ds_page, name="sandbox_3ds"),
    path(
        "sandbox-gateway/<uuid:charge_id>/3ds/submit/",
        sandbox.three_ds_submit,
        name="sandbox_3ds_submit",
    ),
    path("sandbox-gateway/<uuid:charge_id>/cancel/", sandbox.cancel, name="sandbox_cancel"),
]
