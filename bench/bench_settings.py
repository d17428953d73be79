"""The production settings module, with static files collected into the run's scratch folder.

`make bench` serves the app with DEBUG off, so templates need a collected manifest. It is
collected into the run's folder (nothing is written into the working tree) and without
WhiteNoise's gzip/brotli copies: the bench never downloads static files, and compressing the
fonts took up to 40 s of a run. `{% static %}` resolves to the same hashed names.
"""

import os
from pathlib import Path

from rukhsa.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# Per-request CPU (app thread and PostgreSQL backend) in a response header the journey bench reads.
MIDDLEWARE = ["bench_middleware.RequestCpuMiddleware", *MIDDLEWARE]  # noqa: F405
