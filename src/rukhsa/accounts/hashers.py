"""Password hashers: Argon2id at parameters an opening can afford, and a cheap one for tests."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.

    Django's defaults (100 MiB, 2 passes, 8 lanes) cost several times the server CPU per login;
    on opening day every candidate logs in at once. The algorithm name stays ``argon2``, so
    hashes made with other parameters are still verified, and Django's ``must_update`` rehashes
    them at these parameters on the next successful login.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with cheap parameters, for the test suite only (settings_test)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
