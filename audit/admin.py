from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: it is a record."""

    list_display = ["created_at", "academie", "actor", "actor_role", "verb", "summary"]
    list_filter = ["academie", "verb"]
    search_fields = ["summary", "actor__email", "actor__last_name"]
    list_select_related = ["academie", "actor"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
