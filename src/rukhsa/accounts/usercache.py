"""The signed-in user, kept in the cache between requests.

Every page of a signed-in person loads their user row (Django's ``get_user``, from the session's
user id): on a booking journey that is one query on each of some twenty requests. The row is
kept in Django's cache (Redis in production) under the user's id for ``TTL`` seconds and read
from there; a miss reads the database as before.

What keeps it right:

- every ``save()`` and ``delete()`` of a user forgets the entry, at once and again when the
  transaction commits (so a request that read the old row in between cannot keep it cached):
  a password change, a deactivation, a verified mobile, the last-login time;
- the writers that bypass ``save()`` (``QuerySet.update()``) call ``user_forget`` themselves;
- the session's auth hash is still checked against the (cached) password hash on every request,
  and the entry lives ``TTL`` seconds at most: a write missed by all of the above (a raw SQL
  statement, a cache that was unreachable) is seen within that time;
- the cache being unreachable is a miss: the row comes from the database.
"""

from typing import Any

from django.core.cache import cache
from django.db import transaction

TTL = 60  # seconds
KEY = "rukhsa:user:{}"


def user_cached(user_id: Any) -> Any:
    """The cached user with this id, or None."""
    return cache.get(KEY.format(user_id))


def user_keep(user: Any) -> None:
    cache.set(KEY.format(user.pk), user, timeout=TTL)


def _forget_now(user_id: Any) -> None:
    cache.delete(KEY.format(user_id))


def user_forget(user_id: Any) -> None:
    """The user's row changed: forget the cached copy now and after the commit."""
    _forget_now(user_id)
    transaction.on_commit(lambda: _forget_now(user_id))


def forget_on_write(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_save`` / ``post_delete`` receiver for the user model."""
    if instance.pk is not None:
        user_forget(instance.pk)
