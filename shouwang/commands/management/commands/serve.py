"""``shouwang serve [--host H] [--port P] [--workers N] [--threads T]``: the production web server
(CONTRACT §1).

gunicorn (a maintained pre-fork WSGI server, Linux) runs ``--workers`` processes of the Django application,
each with ``--threads`` threads (the ``gthread`` worker: a slow request never blocks the worker's heartbeat),
so the console uses every core; whitenoise serves the static files from the app, so no separate web server is
needed (decisions/0001, decisions/0011). Never Django's runserver.
"""

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouwang.field.assets import vendor_problems


def static_collect(*, verbosity: int = 0) -> None:
    """Collect static files into STATIC_ROOT. Cheap when nothing changed; whitenoise indexes STATIC_ROOT
    when the WSGI application is created, so this must run first."""
    call_command("collectstatic", interactive=False, verbosity=verbosity)


def default_workers() -> int:
    """Worker processes for this machine: two per core (a request spends part of its time waiting on the
    database, so a second process per core keeps the core busy), at most 16."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(2, min(2 * cores, 16))


def cpu_timed(application: Any) -> Any:
    """WSGI wrapper for the load bench (``SHOUWANG_SERVER_TIMING=1``): adds ``Server-Timing: cpu;dur=<ms>``,
    the CPU time the request's thread spent until the response started (gthread runs a request on one
    thread). Off by default: a production server does not tell clients its timings."""
    import time

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        started = time.thread_time()

        def timed_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            cpu_ms = (time.thread_time() - started) * 1000
            return start_response(status, [*headers, ("Server-Timing", f"cpu;dur={cpu_ms:.2f}")], *exc)

        return application(environ, timed_start)

    return app


class Command(BaseCommand):
    help = "启动生产方式的Web服务（gunicorn 多进程 + whitenoise），不使用开发服务器"
    requires_system_checks = []  # checked below, once, with our own message

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"工作进程数（默认按CPU核数：本机 {default_workers()}）",
        )
        parser.add_argument("--threads", type=int, default=4, help="每个工作进程的线程数（默认 4）")
        parser.add_argument("--timeout", type=int, default=120, help="工作进程无响应多少秒后重启（默认 120）")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不自动收集静态文件（已由部署流程完成时）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connections
        from gunicorn.app.base import BaseApplication

        workers = options["workers"] if options["workers"] is not None else default_workers()
        if workers < 1 or options["threads"] < 1:
            raise CommandError("--workers 和 --threads 必须大于0")
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port 必须在 1 到 65535 之间")
        self.check(display_num_errors=False)
        problems = vendor_problems()
        if problems:
            raise CommandError(
                "前端资源不完整，Web服务未启动：\n  "
                + "\n  ".join(problems)
                + "\n请在源码目录运行 make install（安装并复制前端资源）后重新构建、安装本软件包。"
            )
        if not options["no_collectstatic"]:
            static_collect()
        connections.close_all()  # nothing opened here may be shared with the forked workers
        host, port = options["host"], options["port"]
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = {
            "bind": [bind],
            "workers": workers,
            "worker_class": "gthread",
            "threads": options["threads"],
            "timeout": options["timeout"],
            "graceful_timeout": 30,
            "keepalive": 5,
            "proc_name": "shouwang",
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            # Background jobs run in daemon threads of a worker (decision 0455): no recycling by count.
            "max_requests": 0,
        }

        class _Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                # Imported in the worker: creating the WSGI handler instantiates WhiteNoise, which scans
                # STATIC_ROOT (collected above).
                from django.core.wsgi import get_wsgi_application

                application = get_wsgi_application()
                return cpu_timed(application) if timing else application

        timing = os.environ.get("SHOUWANG_SERVER_TIMING") == "1"
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        self.stdout.write(
            f"守望 Web 服务已启动：http://{shown}:{port}/  （{workers} 个工作进程 × "
            f"{options['threads']} 线程，按 Ctrl+C 停止）"
        )
        if host not in {"127.0.0.1", "localhost", "::1"} and "*" not in settings.ALLOWED_HOSTS:
            self.stdout.write(
                "提示：从其他机器访问时，请在环境变量 SHOUWANG_ALLOWED_HOSTS 中加入本机的域名或IP地址。"
            )
        self.stdout.flush()
        _Server().run()
