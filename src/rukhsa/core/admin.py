from django.contrib import admin
from django.http import HttpRequest

from rukhsa.core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "subject", "field", "old_value", "new_value")
    list_filter = ("action",)
    search_fields = ("subject__identity_number", "subject__email", "action", "field")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "subject")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False


# django-otp's device admin answers 500 for a device id that does not exist (its config and QR
# pages use .get()); this one answers 404, like every other back-office page.
from django.http import Http404, HttpRequest, HttpResponse  # noqa: E402
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402


class DeviceAdmin(TOTPDeviceAdmin):
    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not TOTPDevice.objects.filter(pk=pk).exists():
            raise Http404
        return super().config_view(request, pk)  # type: ignore[no-any-return]

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not TOTPDevice.objects.filter(pk=pk).exists():
            raise Http404
        return super().qrcode_view(request, pk)  # type: ignore[no-any-return]


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, DeviceAdmin)
