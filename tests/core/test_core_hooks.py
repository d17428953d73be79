"""The announcement board behind payments.hooks and catalog.hooks."""

import pytest

from rukhsa.core.hooks import Hooks


def test_handlers_run_in_order_once_each_with_the_arguments() -> None:
    board = Hooks("test", ("done",))
    calls: list[tuple[str, int]] = []
    first = lambda value: calls.append(("first", value))  # noqa: E731
    second = lambda value: calls.append(("second", value))  # noqa: E731
    board.subscribe("done", first)
    board.subscribe("done", second)
    board.subscribe("done", first)  # idempotent
    board.emit("done", value=7)
    assert calls == [("first", 7), ("second", 7)]
    board.unsubscribe("done", first)
    assert board.subscribers("done") == [second]


def test_an_unknown_event_is_refused_by_name() -> None:
    board = Hooks("payment", ("paid",))
    with pytest.raises(ValueError, match="Unknown payment event 'payed'; use one of paid"):
        board.subscribe("payed", print)
    with pytest.raises(ValueError):
        board.emit("payed")


def test_isolated_runs_without_the_real_subscriptions_and_puts_them_back() -> None:
    board = Hooks("test", ("done",))
    board.subscribe("done", print)
    with board.isolated():
        assert board.subscribers("done") == []
        board.subscribe("done", repr)
    assert board.subscribers("done") == [print]
