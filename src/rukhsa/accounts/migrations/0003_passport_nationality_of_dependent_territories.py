"""Passport holders registered with a dependent territory as their nationality (no longer
offered: its people hold the sovereign's passport) move to the sovereign, with their login key,
so that they can still log in with the passport number and the nationality they now choose.
An account whose new key is already taken keeps its values (it still logs in by email)."""

from django.db import migrations

# Frozen copy of rukhsa.core.countries.DEPENDENT as of this migration.
SOVEREIGN = {
    **dict.fromkeys(("GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"), "FR"),
    **dict.fromkeys(("PR", "GU", "VI", "AS", "MP"), "US"),
    **dict.fromkeys(("AW", "CW", "SX", "BQ"), "NL"),
    **dict.fromkeys(("GL", "FO"), "DK"),
    "SJ": "NO",
    "AX": "FI",
    **dict.fromkeys(
        ("BM", "KY", "VG", "AI", "MS", "TC", "GI", "FK", "SH", "PN", "GG", "JE", "IM"), "GB"
    ),
    **dict.fromkeys(("CX", "CC", "NF"), "AU"),
    **dict.fromkeys(("CK", "NU", "TK"), "NZ"),
}


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(identity_type="visitor", nationality__in=list(SOVEREIGN)):
        sovereign = SOVEREIGN[user.nationality]
        key = f"P:{sovereign}:{user.identity_number}"
        if User.objects.filter(identity_key=key).exists():
            continue
        User.objects.filter(pk=user.pk).update(nationality=sovereign, identity_key=key)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_sendlog_recipient")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
