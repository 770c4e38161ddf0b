"""``shouwang token-list --username U``: a user's API tokens (number, prefix, state), for ``token-revoke``."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shouwang.accounts.access import NotFound
from shouwang.accounts.services import api_token_list, user_get


class Command(BaseCommand):
    help = "列出用户的接口令牌（编号、前缀、状态），供 token-revoke 使用"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_get(username=options["username"])
        except NotFound:
            print(f"用户不存在：{options['username']}", file=sys.stderr)
            raise SystemExit(2) from None
        now = timezone.now()
        rows = api_token_list(user=user)
        if not rows:
            self.stdout.write(f"用户 {user.username} 没有接口令牌")
        for t in rows:
            state = "已吊销" if t.revoked else ("已过期" if t.expires_at <= now else "有效")
            used = timezone.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M") if t.last_used_at else "从未"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}…\t{state}\t{t.name or '-'}\t"
                f"签发 {timezone.localtime(t.created_at):%Y-%m-%d %H:%M}\t"
                f"到期 {timezone.localtime(t.expires_at):%Y-%m-%d %H:%M}\t最近使用 {used}"
            )
