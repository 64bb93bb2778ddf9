"""deploylib.py: what the deployment tests share, from tests/lib/briefmaptest.py: a real `briefmap
serve` on a free loopback port, HTTP requests, checks, and free ports for the other daemons (nginx,
PostgreSQL)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import briefmaptest  # noqa: E402
from briefmaptest import (Server, case, check, free_port, request, selected,  # noqa: E402,F401
                          server_env, summary)


def __getattr__(name):
    """PASSED and FAILED as they are now, not as they were when this module was imported."""
    if name in ("PASSED", "FAILED"):
        return getattr(briefmaptest, name)
    raise AttributeError(name)
