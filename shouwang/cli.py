"""The `shouwang` console script: Django's management commands under one name (CONTRACT §1)."""

import os
import sys

# Exit code of a command that could not take the database's write lock in time (EX_TEMPFAIL): retry later.
EXIT_BUSY = 75


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    from django.core.management import execute_from_command_line

    from shouwang.common.dblock import BUSY_MESSAGE, DatabaseBusy, is_locked

    try:
        execute_from_command_line(["shouwang", *(sys.argv[1:] if argv is None else argv)])
    except DatabaseBusy as exc:
        # Another import or screening held the embedded database's write lock for too long (decision 0010).
        sys.stderr.write(f"{exc}\n请等待正在进行的导入或筛查结束后重新执行本命令\n")
        raise SystemExit(EXIT_BUSY) from None
    except Exception as exc:
        if not is_locked(exc):
            raise
        sys.stderr.write(f"{BUSY_MESSAGE}，本次操作未生效\n请等待正在进行的导入或筛查结束后重新执行本命令\n")
        raise SystemExit(EXIT_BUSY) from None


if __name__ == "__main__":
    main()
