"""The HTTP API's own records: the tokens business systems push state data with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengai.core.choices import Role
from zhengai.core.models import Institution
from zhengai.core.permissions import Access, RestrictedQuerySet

STEWARD_ROLES = {Role.DATA_STEWARD}


class ApiToken(models.Model):
    """接口令牌: lets one business system push rows of the named tables into one institution.

    Only the SHA-256 of the token is stored; the token itself is shown once, when it is created. A revoked token
    (`active` false) is refused like an unknown one."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", verbose_name="院校")
    name = models.CharField("名称", max_length=100, help_text="如“教务系统”；导入记录中以此名称标明来源")
    token_hash = models.CharField("令牌SHA-256", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=12, help_text="令牌的前几个字符，便于辨认")
    tables = models.JSONField("可推送的数据表", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used = models.DateTimeField("最近使用", null=True, blank=True)
    active = models.BooleanField("有效", default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-active", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def access_q(cls, access: Access, action: str) -> Q | None:
        return access.institution_q("institution", action, roles=STEWARD_ROLES)
