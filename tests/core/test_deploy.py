"""Production settings (DEBUG off, from the environment) pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "RUKHSA_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warning():
    result = run_check(
        SECRET_KEY="k" * 10 + "-production-secret-with-enough-entropy-" + "z" * 20,
        ALLOWED_HOSTS="rukhsa.example",
        DJANGO_SETTINGS_MODULE="rukhsa.settings",
        PAYMENT_GATEWAY="moyasar",
        MOYASAR_SECRET_KEY="sk_live_example",
        MOYASAR_WEBHOOK_SECRET="webhook-secret-example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sandbox_gateway_is_flagged_in_production():
    result = run_check(
        SECRET_KEY="k" * 10 + "-production-secret-with-enough-entropy-" + "z" * 20,
        ALLOWED_HOSTS="rukhsa.example",
        DJANGO_SETTINGS_MODULE="rukhsa.settings",
        PAYMENT_GATEWAY="sandbox",
    )
    assert result.returncode != 0
    assert "payments.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(
        ALLOWED_HOSTS="rukhsa.example", DJANGO_SETTINGS_MODULE="rukhsa.settings", SECRET_KEY=""
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_a_weak_secret_key():
    for weak, why in (
        ("x", "1 characters"),
        ("a" * 30 + "b" * 30, "too few different characters"),
        ("django-insecure-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "development key"),
    ):
        result = run_check(
            ALLOWED_HOSTS="rukhsa.example",
            DJANGO_SETTINGS_MODULE="rukhsa.settings",
            SECRET_KEY=weak,
        )
        assert result.returncode != 0, weak
        assert "SECRET_KEY is too weak" in result.stderr and why in result.stderr, result.stderr
