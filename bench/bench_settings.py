"""The production settings module, unchanged except for where static files are collected.

`make bench` serves the app with DEBUG off, so WhiteNoise needs a collected manifest; collecting
it into the run's scratch folder keeps the benchmark from writing into the working tree.
"""

import os
from pathlib import Path

from rukhsa.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
