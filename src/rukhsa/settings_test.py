"""Settings for the test suite: the production module with the testing switches on."""

import os

os.environ.setdefault("RUKHSA_TESTING", "1")
os.environ.setdefault("RECOVERY_MIN_RESPONSE_SECONDS", "0.05")
os.environ.setdefault("SIGNUP_MIN_RESPONSE_SECONDS", "0.05")

from rukhsa.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    # Argon2 with cheap parameters keeps the suite fast; production uses OwaspArgon2PasswordHasher.
    "rukhsa.accounts.hashers.FastArgon2PasswordHasher",
]
