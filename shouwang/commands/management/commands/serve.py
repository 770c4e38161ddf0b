"""``shouwang serve [--host H] [--port P] [--threads N]``: the production web server (CONTRACT §1).

waitress (pure-Python, multi-threaded WSGI; runs on Linux and Windows county laptops) serves the Django
application; whitenoise serves the static files from the app, so no separate web server is needed
(decisions/0001). Never Django's runserver.
"""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def static_collect(*, verbosity: int = 0) -> None:
    """Collect static files into STATIC_ROOT. Cheap when nothing changed; whitenoise indexes STATIC_ROOT
    when the WSGI application is created, so this must run first."""
    call_command("collectstatic", interactive=False, verbosity=verbosity)


class Command(BaseCommand):
    help = "启动生产方式的Web服务（waitress + whitenoise），不使用开发服务器"
    requires_system_checks = []  # checked below, once, with our own message

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数（默认 8）")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不自动收集静态文件（已由部署流程完成时）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress

        self.check(display_num_errors=False)
        if not options["no_collectstatic"]:
            static_collect()
        # Imported only now: creating the WSGI handler instantiates WhiteNoise, which scans STATIC_ROOT.
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        host, port = options["host"], options["port"]
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        self.stdout.write(f"守望 Web 服务已启动：http://{shown}:{port}/  （按 Ctrl+C 停止）")
        if host not in {"127.0.0.1", "localhost", "::1"} and "*" not in settings.ALLOWED_HOSTS:
            self.stdout.write(
                "提示：从其他机器访问时，请在环境变量 SHOUWANG_ALLOWED_HOSTS 中加入本机的域名或IP地址。"
            )
        self.stdout.flush()
        waitress.serve(
            application,
            host=host,
            port=port,
            threads=options["threads"],
            ident="shouwang",
        )
