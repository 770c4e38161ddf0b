"""``shouwang token-revoke --username U (--id N | --all) [--reason TEXT]``: revoke API tokens.

For a county administrator: a lost phone, a leaver, a department system's leaked token. Each revoked token
is one audit row; a revoked token answers 401 at once. ``token-list`` shows the numbers.
"""

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.accounts.access import NotFound
from shouwang.accounts.services import api_token_revoke, api_token_revoke_all, user_get


class Command(BaseCommand):
    help = "吊销用户的接口令牌（--id 吊销一个，--all 吊销全部有效令牌），立即失效并记入审计日志"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="令牌所属用户名")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, help="令牌编号（见 shouwang token-list）")
        which.add_argument("--all", action="store_true", help="吊销该用户全部有效令牌")
        parser.add_argument("--reason", default="管理员吊销", help="原因（记入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = f"cli:{_os_user()}"
        try:
            user = user_get(username=options["username"])
        except NotFound:
            print(f"用户不存在：{options['username']}", file=sys.stderr)
            raise SystemExit(2) from None
        if options["all"]:
            count = api_token_revoke_all(actor=actor, user=user, reason=options["reason"])
            self.stdout.write(f"已吊销 {count} 个令牌（用户 {user.username}）")
            return
        try:
            row = api_token_revoke(actor=actor, token_id=options["id"], owner=user, reason=options["reason"])
        except NotFound:
            print(f"用户 {user.username} 没有编号为 {options['id']} 的令牌", file=sys.stderr)
            raise SystemExit(2) from None
        self.stdout.write(f"已吊销令牌 {row.pk}（{row.prefix}…，用户 {user.username}）")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
