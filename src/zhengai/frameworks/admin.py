from django.contrib import admin

from .models import Adoption, Element, Framework, Point, Project, Task


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "version", "institution", "based_on", "created_at")
    list_filter = ("institution",)
    search_fields = ("code", "name")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "framework")
    list_filter = ("framework",)


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "project")
    search_fields = ("number", "name")


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "applicability", "added_by_institution", "element")
    list_filter = ("applicability", "added_by_institution")
    search_fields = ("number", "name")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("number", "content", "lead", "point")
    search_fields = ("content", "lead")
    raw_id_fields = ("point",)


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ("institution", "framework", "adopted_by", "adopted_at")
