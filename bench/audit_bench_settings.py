"""Settings for bench/audit_throughput.py only: production-like, access logging switchable.

The app's settings never read a switch for the access log from the environment; this
module, used by the benchmark's own server processes and nowhere else, sets it from
BENCH_ACCESS_LOG (on/off). DEBUG is off so that Django keeps no query log and renders
no debug pages, as in production.
"""

import os

from brobygger.settings import *  # noqa: F403

DEBUG = False
AUDIT_ACCESS_LOG = os.environ.get("BENCH_ACCESS_LOG", "on") != "off"
