from django.db import migrations


def create_sequences(apps, schema_editor):
    InvoiceSequence = apps.get_model("payments", "InvoiceSequence")
    for name in ("invoice", "credit_note"):
        InvoiceSequence.objects.get_or_create(name=name, defaults={"last_number": 0})


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_orders_payments_webhooks_invoices_sandbox")]

    operations = [migrations.RunPython(create_sequences, migrations.RunPython.noop)]
