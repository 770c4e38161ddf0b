"""Rows shared by every interface: the stored answers of idempotent API requests."""

from django.db import models


class IdempotentRequest(models.Model):
    """One ``Idempotency-Key`` of one caller (``shouwang.api.idempotency``).

    ``status`` 0 marks a request still being executed; once it has answered 2xx the row holds that answer,
    which a retry with the same key and the same request gets back instead of doing the work again.
    The caller is a string (``user:<id>``, or ``ip:<address>`` on the public endpoints) so that this
    foundation table depends on no app. Rows are kept 24 hours.
    """

    caller = models.CharField("调用方", max_length=64)
    key = models.CharField("幂等键", max_length=255)
    method = models.CharField("请求方法", max_length=8)
    path = models.CharField("请求路径", max_length=255)
    request_hash = models.CharField("请求摘要", max_length=64)
    status = models.PositiveSmallIntegerField("响应状态", default=0)
    body = models.TextField("响应内容", blank=True)
    content_type = models.CharField("响应类型", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "幂等请求"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotent_caller_key_unique")]

    def __str__(self) -> str:
        return f"{self.caller} {self.method} {self.path} {self.key}"
