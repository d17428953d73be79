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
queryset as usual: slower, never wrong. ``rows()`` gives the rows as the database sends them,
without Django's converters: use it for flags and ids (``flags()`` gives ``EXISTS`` answers as
booleans: SQLite sends 0 or 1). ``objects()`` and ``first()`` give the model instances of a
model queryset (its ``select_related`` rows attached, every value through Django's converters),
built as the ORM builds them: a registration read with its session costs about 1.2 ms of the
app's CPU through the ORM, of which the compiling is 1 ms.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Values no statement of ours holds otherwise: stand-ins for the ids and times it takes.
_ID_MARKERS = (1_000_000_007, 1_000_000_009, 1_000_000_021, 1_000_000_033, 1_000_000_087)
_TIME_MARKER = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_DAY_MARKER = date(1901, 2, 3)
_TEXT_MARKER = "\x1fcompiled-stand-in-"
_UUID_MARKER = UUID("0c0ffee0-5eed-4bad-8a5e-000000000000")
_KINDS = (int, datetime, date, str, UUID)

R = TypeVar("R")  # what a row of the queryset gives: a model instance, or a tuple of values

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


def _day(values: Sequence[Any], ops: Any, *, i: int) -> Any:
    return ops.adapt_datefield_value(values[i])


def _uuid(values: Sequence[Any], ops: Any, *, i: int) -> Any:
    value = values[i]
    return value if ops.connection.features.has_native_uuid_field else value.hex


_ADAPT = {datetime: _moment, date: _day, UUID: _uuid}


@dataclass(frozen=True)
class _Reader:
    """How the ORM turns a row of a model queryset into its instance (``ModelIterable``'s
    steps, worked out once from the compiled query)."""

    model: type[Model]
    columns: int
    init_list: list[str]
    start: int
    end: int
    converters: list[tuple[int, tuple[list[Any], Any]]]
    populators: list[Any]
    annotations: dict[str, int]

    @classmethod
    def of(cls, compiler: Any, alias: str) -> "_Reader":
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fields = [column[0] for column in select[0 : compiler.col_count]]
        return cls(
            model=klass_info["model"],
            columns=compiler.col_count,
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            converters=list(compiler.get_converters(fields).items()),
            populators=get_related_populators(klass_info, select, alias),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def instances(self, rows: list[Any], connection: Any) -> list[Model]:
        built = []
        for raw in rows:
            row = list(raw[: self.columns])
            for position, (converters, expression) in self.converters:
                value = row[position]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[position] = value
            obj = self.model.from_db(connection.alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            built.append(obj)
        return built


@dataclass(frozen=True)
class _Plan:
    sql: str
    slots: list[Slot]
    reader: _Reader | None  # None: a queryset of values

    def params(self, values: Sequence[Any], ops: Any) -> list[Any]:
        return [slot(values, ops) for slot in self.slots]


class Compiled(Generic[R]):
    """``build(*values)`` → a queryset; ``kinds`` says, for each value, ``int`` (an id, up to
    five), ``datetime`` (a moment), ``date`` (a day), ``UUID`` or ``str`` (a text compared as it
    is)."""

    def __init__(self, build: Callable[..., QuerySet[Any, R]], kinds: Sequence[type]) -> None:
        if sum(kind is int for kind in kinds) > len(_ID_MARKERS) or any(
            kind not in _KINDS for kind in kinds
        ):
            raise ValueError("Compiled takes up to five ids, and times, days, texts and UUIDs")
        self.build = build
        self.kinds = tuple(kinds)
        self._plans: dict[str, _Plan | None] = {}

    def rows(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        connection = connections[using]
        plan = self._plan_for(connection)
        if plan is None:
            return [tuple(row) for row in self.build(*values).using(using)]  # type: ignore[arg-type]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.params(values, connection.ops))
            return [tuple(row) for row in cursor.fetchall()]

    def objects(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[R]:
        """The model instances of a model queryset, as iterating it would give them."""
        connection = connections[using]
        plan = self._plan_for(connection)
        if plan is None or plan.reader is None:
            return list(self.build(*values).using(using))
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.params(values, connection.ops))
            rows = cursor.fetchall()
        return plan.reader.instances(rows, connection)  # type: ignore[return-value]

    def first(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> R | None:
        """The first instance (build the queryset ordered and sliced ``[:1]``), or None."""
        found = self.objects(*values, using=using)
        return found[0] if found else None

    def flags(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> tuple[bool, ...] | None:
        """The first row as booleans (the answers of ``EXISTS`` columns), None without a row."""
        rows = self.rows(*values, using=using)
        return tuple(bool(value) for value in rows[0]) if rows else None

    def refresh(self, obj: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
        """``obj.refresh_from_db(from_queryset=…)`` for a statement built on the object's pk
        alone: its fields from a fresh read, and the rows read with it attached in place of
        what it had cached — a reverse one-to-one too (Django's refresh drops those, to be
        read again lazily). An object with deferred fields is refreshed by Django's way."""
        if obj.get_deferred_fields():
            obj.refresh_from_db(using=using)
            return
        fresh: Any = self.first(obj.pk, using=using)
        if fresh is None:
            model: Any = type(obj)
            raise model.DoesNotExist(f"{model.__name__} {obj.pk} does not exist.")
        meta: Any = obj._meta
        for field in meta.concrete_fields:
            setattr(obj, field.attname, getattr(fresh, field.attname))
            if field.is_relation:
                if field.is_cached(fresh):
                    field.set_cached_value(obj, field.get_cached_value(fresh))
                elif field.is_cached(obj):
                    field.delete_cached_value(obj)
        for rel in meta.related_objects:
            if rel.one_to_one and rel.is_cached(fresh):
                related = rel.get_cached_value(fresh)
                rel.set_cached_value(obj, related)
                if related is not None:
                    rel.field.set_cached_value(related, obj)  # its way back: this object
            elif rel.is_cached(obj):
                rel.delete_cached_value(obj)
        for field in meta.private_fields:
            if field.is_relation and field.is_cached(obj):
                field.delete_cached_value(obj)
        obj._state.db = fresh._state.db

    def compiled(self, using: str = DEFAULT_DB_ALIAS) -> bool:
        """Whether calls on this database send the kept SQL (the tests ask)."""
        return self._plan_for(connections[using]) is not None

    def _plan_for(self, connection: Any) -> _Plan | None:
        key = f"{connection.alias}:{connection.vendor}"
        if key not in self._plans:
            self._plans[key] = self._plan(connection)
        return self._plans[key]

    def _markers(self) -> list[Any]:
        ids = iter(_ID_MARKERS)
        markers: list[Any] = []
        for n, kind in enumerate(self.kinds):
            if kind is datetime:
                markers.append(_TIME_MARKER + timedelta(microseconds=n))
            elif kind is date:
                markers.append(_DAY_MARKER + timedelta(days=n))
            elif kind is str:
                markers.append(f"{_TEXT_MARKER}{n}")
            elif kind is UUID:
                markers.append(UUID(int=_UUID_MARKER.int + n))
            else:
                markers.append(next(ids))
        return markers

    def _plan(self, connection: Any) -> _Plan | None:
        markers = self._markers()
        queryset = self.build(*markers)
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            return None  # more than one statement's work: the queryset runs every time
        compiler = queryset.query.get_compiler(connection=connection)
        if queryset.query.select_for_update and connection.get_autocommit():
            with transaction.atomic(using=connection.alias):  # compiled inside a transaction
                sql, params = compiler.as_sql()
        else:
            sql, params = compiler.as_sql()
        reader = None
        if queryset._iterable_class is ModelIterable:
            reader = _Reader.of(compiler, connection.alias)
        as_sent = {
            i: _ADAPT[kind](markers, connection.ops, i=i) if kind in _ADAPT else marker
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
            slots.append(partial(_ADAPT.get(self.kinds[found[0]], _value), i=found[0]))
        if len(placed) != len(markers) or any(
            str(m) in sql for m in markers if isinstance(m, int | str)
        ):
            return None  # a value not passed as a parameter: run the queryset every time
        return _Plan(sql, slots, reader)
