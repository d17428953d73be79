"""A new row inserted, or some of a row's columns updated, with a statement built once.

``obj.save()`` builds and compiles its ``INSERT`` (or ``UPDATE``) afresh every time: for a row
of ten columns that is more of the app's CPU than PostgreSQL spends running it (the hold writes
four rows, the return from the gateway several more). ``insert(obj)`` and ``update(obj,
fields)`` write the same values the same way — each field's ``pre_save`` (``auto_now``, the
defaults already set by the model's constructor), its ``get_db_prep_save``, the primary key
read back with ``RETURNING`` — with the SQL text built once per model, columns and database.

They fall back to ``save()`` (the same result, Django's way) for a model with a ``save()`` of its
own, with ``pre_save`` or ``post_save`` receivers, with a parent model, with
``order_with_respect_to``, or with database-computed columns beyond an auto primary key, and
on a database that cannot return the inserted row's key. Errors are the database's, as
``save()`` raises them (an ``IntegrityError`` for a broken constraint).
"""

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save, pre_save

_SQL: dict[tuple[Any, ...], str] = {}


def _plain(model: type[Model], *, receivers: bool = True) -> bool:
    """A model whose ``save()`` is Django's own and only writes its one table (and, unless the
    caller does their work itself, has no ``pre_save``/``post_save`` receivers)."""
    meta: Any = model._meta
    return (
        model.save is Model.save
        and not meta.parents
        and not meta.order_with_respect_to
        and all(isinstance(f, AutoFieldMixin) for f in meta.db_returning_fields)
        and not (receivers and pre_save.has_listeners(model))
        and not (receivers and post_save.has_listeners(model))
    )


def insert(
    obj: Any,
    *,
    using: str = DEFAULT_DB_ALIAS,
    may_clash: bool = False,
    receivers: bool = True,
) -> None:
    """``obj.save(force_insert=True)`` for a new row (``obj``: a model instance).

    ``may_clash``: the caller expects a unique constraint to refuse the row now and then and
    catches the ``IntegrityError``. Inside a transaction the insert then runs in a savepoint, so
    the transaction stays usable after the clash; outside one, the statement is its own
    transaction (no ``BEGIN``/``COMMIT`` round trips around it, as ``atomic()`` would add).

    ``receivers=False``: the caller has done what the model's ``pre_save`` and ``post_save``
    receivers do (a library's, say: `core.taskbackend`, whose test compares the rows), so they
    do not send the row back to ``save()``."""
    if may_clash and connections[using].in_atomic_block:
        with transaction.atomic(using=using):
            insert(obj, using=using, receivers=receivers)
        return
    if not _insert_rows([obj], using, receivers=receivers):
        obj.save(force_insert=True, using=using)


# More rows than this at once go through bulk_create, which splits them into batches the
# database accepts; a statement is kept for each number of rows up to it.
MANY = 32


def insert_many(objs: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """``Model.objects.bulk_create(objs)`` for new rows of one model, with one statement (built
    once per model and number of rows, up to `MANY` rows); their primary keys read back."""
    new = list(objs)
    if new and (len(new) > MANY or not _insert_rows(new, using)):
        return list(type(new[0])._default_manager.db_manager(using).bulk_create(new))
    return new


def _insert_rows(objs: list[Any], using: str, *, receivers: bool = True) -> bool:
    """One ``INSERT`` of these new rows of one model; False (nothing written) where
    ``save()`` or ``bulk_create()`` must do it."""
    model = type(objs[0])
    connection = connections[using]
    plain = _plain(model, receivers=receivers)
    if not (plain and connection.features.can_return_columns_from_insert):
        return False
    meta: Any = model._meta
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="save")
        if not obj._is_pk_set(meta):
            setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
    pk_set = {bool(obj._is_pk_set(meta)) for obj in objs}
    if len(pk_set) != 1 or any(type(obj) is not model for obj in objs):
        return False  # some rows with a key and some without, or mixed models
    with_pk = pk_set.pop()
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and (with_pk or f is not meta.auto_field)
    ]
    returning = list(meta.db_returning_fields) if not with_pk else []
    key = ("insert", model, tuple(f.attname for f in fields), bool(returning), len(objs), using)
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = (  # names from the model, values as parameters
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))}"
        )
        if returning:
            sql += f" RETURNING {', '.join(qn(f.column) for f in returning)}"
        _SQL[key] = sql
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    # As save(): an error leaves the enclosing transaction marked for rollback.
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            for obj, values in zip(objs, cursor.fetchall(), strict=True):
                for field, value in zip(returning, values, strict=True):
                    setattr(obj, field.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return True


def update(obj: Any, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``obj.save(update_fields=fields)``: these columns of the saved row, from the object."""
    model = type(obj)
    if not _plain(model):
        obj.save(update_fields=fields, using=using)
        return
    connection = connections[using]
    meta: Any = model._meta
    obj._prepare_related_fields_for_save(operation_name="save", fields=None)
    chosen = [meta.get_field(name) for name in fields]
    key = ("update", model, tuple(f.attname for f in chosen), using)
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        assignments = ", ".join(f"{qn(f.column)} = %s" for f in chosen)
        sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
        _SQL[key] = sql
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
