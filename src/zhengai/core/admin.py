from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AuditEntry, Institution, Membership, Period, User


@admin.register(User)
class ZhengaiUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("诊改", {"fields": ("name",)}))
    list_display = ("username", "name", "is_active", "is_superuser")
    search_fields = ("username", "name")


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "kind")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "institution", "role", "scope_type", "scope_id", "active")
    list_filter = ("role", "institution")
    raw_id_fields = ("user",)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "start", "end")
    list_filter = ("kind",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
