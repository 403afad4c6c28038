"""Link-local, metadata and private addresses are refused — checked inside a network namespace
with only a loopback interface, so that a broken guard still cannot send a packet anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "support" / "netns_guard_check.py"


def test_refused_addresses_inside_an_isolated_network_namespace(tmp_path):
    result = subprocess.run(
        [
            "unshare",
            "--net",
            "sh",
            "-c",
            f'ip link set lo up && exec "{sys.executable}" "{SCRIPT}" "{tmp_path}"',
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout.strip().splitlines()[-1])

    for url, row in results["always"].items():
        assert (row["status"], row["error_class"]) == ("failed_to_download", "blocked_address"), url
    by_host = {url.split("/")[2]: row for url, row in results["always"].items()}
    assert by_host["169.254.169.254"]["error_message"] == (
        "refused to connect to link-local address 169.254.169.254"
    )
    assert "link-local address fe80::1" in by_host["[fe80::1]"]["error_message"]
    assert "169.254.169.254" in by_host["metadata.test"]["error_message"]

    for url, row in results["private"].items():
        assert (row["status"], row["error_class"]) == ("failed_to_download", "blocked_address"), url
        assert row["error_message"].endswith("(set allow_private_addresses=True to allow it)")
