"""The one client IP function: exactly PROXY_COUNT trusted proxies, forged headers ignored."""

from typing import Any

from django.http import HttpRequest
from django.test import RequestFactory

from rukhsa.core.net import client_ip


def _request(remote: str = "10.0.0.9", xff: str | None = None) -> HttpRequest:
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_no_proxy_uses_the_socket_and_ignores_the_header(settings: Any) -> None:
    settings.PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.5", xff="198.51.100.1")) == "203.0.113.5"


def test_one_proxy_takes_the_address_nginx_appended(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    # The client forged "1.1.1.1"; nginx appended the real peer 203.0.113.7.
    assert client_ip(_request("127.0.0.1", xff="1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request("127.0.0.1", xff="203.0.113.8")) == "203.0.113.8"


def test_two_clients_behind_the_proxy_are_told_apart(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    first = client_ip(_request("127.0.0.1", xff="203.0.113.1"))
    second = client_ip(_request("127.0.0.1", xff="203.0.113.2"))
    assert first != second


def test_two_proxies(settings: Any) -> None:
    settings.PROXY_COUNT = 2
    xff = "6.6.6.6, 203.0.113.9, 10.1.1.1"
    assert client_ip(_request("10.1.1.2", xff=xff)) == "203.0.113.9"


def test_missing_or_garbage_header_falls_back_to_the_socket(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    assert client_ip(_request("203.0.113.4")) == "203.0.113.4"
    assert client_ip(_request("203.0.113.4", xff="not-an-ip")) == "203.0.113.4"
    assert client_ip(_request("203.0.113.4", xff="[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(None) is None
