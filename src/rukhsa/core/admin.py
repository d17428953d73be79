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
