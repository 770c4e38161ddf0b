"""The client address of a request, for login throttling and the audit log (docs/accounts.md).

By default the address is ``REMOTE_ADDR``: the peer of the TCP connection. Behind the province's reverse
proxy that is the proxy, so every client would share one address. Set ``SHOUWANG_TRUSTED_PROXY_HEADER``
(e.g. ``X-Real-IP`` or ``X-Forwarded-For``) only when a proxy that overwrites or appends that header is the
sole way in: the header is then trusted, and without the setting it is ignored, because any client can send
it.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _meta_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


def client_address(request: HttpRequest | None) -> str:
    """The client's IP address as text, or "" when there is no request (command line) or none is known."""
    if request is None:
        return ""
    header = getattr(settings, "SHOUWANG_TRUSTED_PROXY_HEADER", "")
    if header:
        raw = str(request.META.get(_meta_key(header), ""))
        # X-Forwarded-For lists every hop; the last one is what our proxy itself saw and appended.
        candidate = raw.rsplit(",", maxsplit=1)[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # header missing or forged into nonsense: fall back to the connection's peer
    return str(request.META.get("REMOTE_ADDR", ""))[:64]
