"""Typed errors of the payments app; their messages are sentences a candidate can read."""

from typing import Any


class PaymentError(Exception):
    """A refusal or a failure the caller shows to the person as it is (already translated).

    `code` is stable for callers and tests: "already_paid", "in_flight", "not_paid",
    "gateway_timeout", "gateway_error", "invalid_amount", "unknown_gateway", ...
    """

    def __init__(self, message: Any, code: str = "payment_error") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


class IllegalTransition(PaymentError):
    """A payment asked to move between states the state machine does not allow."""

    def __init__(self, message: Any, *, current: str, target: str) -> None:
        super().__init__(message, code="illegal_transition")
        self.current = current
        self.target = target
