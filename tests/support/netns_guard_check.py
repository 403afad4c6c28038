"""Downloads URLs that the address policy must refuse, and prints their metadata rows as JSON.

Run only inside a network namespace that has nothing but a loopback interface
(tests/test_address_guard.py starts it with `unshare -n`): even if the guard were broken, no
packet could leave the machine.

    python tests/support/netns_guard_check.py OUTPUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow.parquet as pq  # noqa: E402

from img2dataset import download  # noqa: E402
from support.dns_server import DnsServer  # noqa: E402
from support.image_server import ImageServer  # noqa: E402


def run(folder: Path, urls: list[str], **options) -> dict[str, dict]:
    folder.mkdir(parents=True)
    (folder / "urls.txt").write_text("".join(u + "\n" for u in urls))
    download(
        url_list=str(folder / "urls.txt"),
        output_folder=str(folder / "out"),
        output_format="files",
        compute_hash=None,
        timeout=2,
        save_error_class=True,
        **options,
    )
    return {r["url"]: r for r in pq.read_table(folder / "out" / "00000.parquet").to_pylist()}


def main() -> int:
    output = Path(sys.argv[1])
    results: dict[str, dict] = {}
    with DnsServer() as dns, ImageServer() as server:
        to_metadata = server.url(
            "/to/" + quote("http://169.254.169.254/latest/meta-data/", safe="")
        )
        always_refused = [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/x.jpg",
            "http://[::ffff:169.254.169.254]/x.jpg",
            "http://metadata.test/latest/meta-data/",
            "http://linklocal.test/x.jpg",
            "http://0.0.0.0/x.jpg",
            to_metadata,
        ]
        results["always"] = run(
            output / "always",
            always_refused,
            dns_servers=[dns.address],
            allow_private_addresses=True,
        )
        private = ["http://10.1.2.3/x.jpg", "http://192.168.0.1/x.jpg", "http://private.test/x.jpg"]
        results["private"] = run(output / "private", private, dns_servers=[dns.address])
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
