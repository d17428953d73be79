"""The Content-Security-Policy header, built once per process: the same header django-csp
builds, on every page, following the settings; a per-response policy still honoured."""

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from rukhsa.core.csp import PolicyOnceCSPMiddleware


def _both(response: HttpResponse, path: str = "/") -> tuple[HttpResponse, HttpResponse]:
    ours = PolicyOnceCSPMiddleware(lambda r: response)
    theirs = CSPMiddleware(lambda r: response)
    out = []
    for middleware in (ours, theirs):
        request = RequestFactory().get(path)
        middleware.process_request(request)
        fresh = HttpResponse("x")
        for name in ("_csp_update", "_csp_exempt"):
            if hasattr(response, name):
                setattr(fresh, name, getattr(response, name))
        out.append(middleware.process_response(request, fresh))
    return out[0], out[1]


def test_the_same_header_as_django_csp_builds(client, db):
    assert client.get("/")["Content-Security-Policy"] == build_policy()
    ours, theirs = _both(HttpResponse())
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"] == build_policy()


def test_a_settings_change_is_followed(db):
    policy = {"DIRECTIVES": {"default-src": [NONE]}, "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy,
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": [SELF]}},
    ):
        ours, theirs = _both(HttpResponse())
        assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
        assert "'none'" in ours["Content-Security-Policy"]
        assert (
            ours["Content-Security-Policy-Report-Only"]
            == theirs["Content-Security-Policy-Report-Only"]
        )
        skipped, theirs_skipped = _both(HttpResponse(), path="/skip/this")
        assert "Content-Security-Policy" not in skipped
        assert "Content-Security-Policy" not in theirs_skipped
    ours, _theirs = _both(HttpResponse())
    assert ours["Content-Security-Policy"] == build_policy()


def test_a_per_view_policy_and_an_exempt_view_are_honoured(db):
    changed = HttpResponse()
    changed._csp_update = {"img-src": ["https://maps.example"]}  # type: ignore[attr-defined]
    ours, theirs = _both(changed)
    assert "https://maps.example" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    exempt = HttpResponse()
    exempt._csp_exempt = True  # type: ignore[attr-defined]
    ours, _theirs = _both(exempt)
    assert "Content-Security-Policy" not in ours


def test_a_nonce_asked_for_takes_django_csps_way(db):
    """Our policy names no nonce, so none is written; the header is django-csp's own."""
    headers = []
    for middleware_class in (PolicyOnceCSPMiddleware, CSPMiddleware):
        middleware = middleware_class(lambda r: HttpResponse())
        request = RequestFactory().get("/")
        middleware.process_request(request)
        assert str(request.csp_nonce)  # type: ignore[attr-defined]
        headers.append(
            middleware.process_response(request, HttpResponse())["Content-Security-Policy"]
        )
    assert headers[0] == headers[1] == build_policy()
