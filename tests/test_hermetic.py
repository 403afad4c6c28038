"""The suite keeps away from the user's home (conftest.py): what the tests start (Ray, Spark,
Chromium, the reference's environment) sees a home of the suite's own."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def test_the_suite_and_its_child_processes_have_a_home_of_their_own(real_home):
    home = os.environ["HOME"]
    assert home != real_home
    assert home.startswith(tempfile.gettempdir())
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.path.expanduser('~/.ray'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == os.path.join(home, ".ray")
    assert os.environ["XDG_CACHE_HOME"].startswith(home)
