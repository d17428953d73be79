"""The client's IP address: the one function every rate limit, the audit log, django-axes and
the waiting room use.

Behind `PROXY_COUNT` trusted reverse proxies (nginx, a load balancer), each proxy appends the
address it received the request from to `X-Forwarded-For`. The client is therefore the
`PROXY_COUNT`-th address from the right: whatever a client writes into the header itself sits
further left and is ignored. With no trusted proxy (the default), the header is ignored
altogether and the socket's address (`REMOTE_ADDR`) is the client.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the trusted proxies saw it, or None when unknown."""
    if request is None:
        return None
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # The request did not come through every trusted proxy: the socket is the client.
        return remote
    return _valid(hops[-proxies]) or remote


def axes_client_ip(request: HttpRequest) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the same address."""
    return client_ip(request)
