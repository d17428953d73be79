"""A statement the ORM builds once per process and database, then runs with other values.

On the pages an opening hammers, Django's building and compiling of a statement costs more of
the app's CPU than PostgreSQL spends running it — most of all for the small questions asked
with several ``EXISTS`` subqueries (the dashboard's, the hold's). ``Compiled(build, kinds)``
asks ``build`` for its queryset once per database vendor, with stand-in values (an unlikely
integer for each id, an unlikely moment for each time), compiles it, and remembers where each
stand-in went among the statement's parameters. Each later call sends the same SQL with the
real values in those places: the queryset stays the one written with the ORM (its filters are
the selections the rest of the code uses), only the compiling is not repeated.

If a stand-in cannot be found among the parameters exactly as the database receives it (a
value written into the SQL text, say), the statement is not kept and every call runs the
queryset as usual: slower, never wrong. Rows come back as the database sends them, without
Django's converters: use it for flags and ids (``flags()`` gives ``EXISTS`` answers as
booleans: SQLite sends 0 or 1).
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Values no statement of ours holds otherwise: stand-ins for the ids and times it takes.
_ID_MARKERS = (1_000_000_007, 1_000_000_009, 1_000_000_021, 1_000_000_033, 1_000_000_087)
_TIME_MARKER = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)

Slot = Callable[[Sequence[Any], Any], Any]  # (the call's values, the connection's ops)


def _same(param: Any, sent: Any) -> bool:
    """The parameter is that stand-in as the database receives it (not merely equal: 1 is
    not True)."""
    return type(param) is type(sent) and bool(param == sent)


def _fixed(values: Sequence[Any], ops: Any, *, value: Any) -> Any:
    return value


def _value(values: Sequence[Any], ops: Any, *, i: int) -> Any:
    return values[i]


def _moment(values: Sequence[Any], ops: Any, *, i: int) -> Any:
    return ops.adapt_datetimefield_value(values[i])


class Compiled:
    """``build(*values)`` → a queryset of value rows (``values_list``); ``kinds`` says, for each
    value, ``int`` (an id) or ``datetime`` (a moment)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], kinds: Sequence[type]) -> None:
        if sum(kind is int for kind in kinds) > len(_ID_MARKERS) or any(
            kind not in (int, datetime) for kind in kinds
        ):
            raise ValueError("Compiled takes up to five ids and any number of datetimes")
        self.build = build
        self.kinds = tuple(kinds)
        self._plans: dict[str, tuple[str, list[Slot]] | None] = {}

    def rows(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        connection = connections[using]
        plan = self._plan_for(connection)
        if plan is None:
            return [tuple(row) for row in self.build(*values).using(using)]
        sql, slots = plan
        with connection.cursor() as cursor:
            cursor.execute(sql, [slot(values, connection.ops) for slot in slots])
            return [tuple(row) for row in cursor.fetchall()]

    def flags(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> tuple[bool, ...] | None:
        """The first row as booleans (the answers of ``EXISTS`` columns), None without a row."""
        rows = self.rows(*values, using=using)
        return tuple(bool(value) for value in rows[0]) if rows else None

    def compiled(self, using: str = DEFAULT_DB_ALIAS) -> bool:
        """Whether calls on this database send the kept SQL (the tests ask)."""
        return self._plan_for(connections[using]) is not None

    def _plan_for(self, connection: Any) -> tuple[str, list[Slot]] | None:
        if connection.vendor not in self._plans:
            self._plans[connection.vendor] = self._plan(connection)
        return self._plans[connection.vendor]

    def _plan(self, connection: Any) -> tuple[str, list[Slot]] | None:
        ids = iter(_ID_MARKERS)
        markers = [
            _TIME_MARKER + timedelta(microseconds=n) if kind is datetime else next(ids)
            for n, kind in enumerate(self.kinds)
        ]
        sql, params = self.build(*markers).query.get_compiler(connection=connection).as_sql()
        as_sent = {
            i: connection.ops.adapt_datetimefield_value(marker) if kind is datetime else marker
            for i, (kind, marker) in enumerate(zip(self.kinds, markers, strict=True))
        }
        slots: list[Slot] = []
        placed: set[int] = set()
        for param in params:
            found = [i for i, sent in as_sent.items() if _same(param, sent)]
            if not found:
                slots.append(partial(_fixed, value=param))
                continue
            placed.add(found[0])
            slots.append(
                partial(_moment if self.kinds[found[0]] is datetime else _value, i=found[0])
            )
        if len(placed) != len(markers) or any(str(m) in sql for m in markers if isinstance(m, int)):
            return None  # a value not passed as a parameter: run the queryset every time
        return sql, slots
