"""allauth's authenticators in the admin, in French (through the `MfaAuthenticator` proxy).

Read-only: a person adds or removes an authenticator from their own security page; a platform
administrator can only see them, or delete one for a person who lost their device.
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.http import HttpRequest

from accounts.models import MfaAuthenticator

if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


class CreatedFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = "date de création"


class LastUsedFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = "dernière utilisation"


@admin.register(MfaAuthenticator)
class MfaAuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "created", "last_used")
    list_filter = (("created_at", CreatedFilter), ("last_used_at", LastUsedFilter))
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("person", "kind", "created", "last_used")
    readonly_fields = fields

    @admin.display(description="personne", ordering="user__email")
    def person(self, obj: Authenticator) -> str:
        return str(obj.user)

    @admin.display(description="type", ordering="type")
    def kind(self, obj: Authenticator) -> str:
        return str(obj.get_type_display())

    @admin.display(description="créé le", ordering="created_at")
    def created(self, obj: Authenticator) -> datetime.datetime:
        return obj.created_at

    @admin.display(description="dernière utilisation", ordering="last_used_at")
    def last_used(self, obj: Authenticator) -> datetime.datetime | None:
        return obj.last_used_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
