"""A download built from the reference's public modules, wired as its main.py wires them:
`Reader`, `Resizer`, `Downloader` with a `*SampleWriter`, a distributor and `LoggerProcess`.
The tests run this same file with the reference's Python and with this package's.

    python module_pipeline.py INPUT.csv OUTPUT_FOLDER WRITER [DISTRIBUTOR [SPARK_MASTER]]

DISTRIBUTOR is multiprocessing (default), pyspark (a session on SPARK_MASTER) or ray (the
cluster of RAY_ADDRESS).
"""

from __future__ import annotations

import inspect
import os
import sys

from img2dataset import distributor, writer
from img2dataset.downloader import Downloader
from img2dataset.logger import LoggerProcess
from img2dataset.reader import Reader
from img2dataset.resizer import Resizer


def main() -> None:
    url_list, output_folder, writer_name = sys.argv[1:4]
    distributor_name = sys.argv[4] if len(sys.argv) > 4 else "multiprocessing"
    if distributor_name == "pyspark":
        from pyspark.sql import SparkSession

        SparkSession.builder.master(sys.argv[5]).config("spark.ui.enabled", "false").config(
            "spark.executor.memory", "512m"
        ).appName("modules").getOrCreate()
    os.makedirs(output_folder + "/_tmp")
    reader = Reader(
        url_list, "csv", "url", "caption", None, None, ["uid"], 4, set(), output_folder + "/_tmp"
    )
    extra = {}
    if "allow_private_addresses" in inspect.signature(Downloader).parameters:
        extra["allow_private_addresses"] = True  # this package refuses loopback by default
    downloader = Downloader(
        getattr(writer, writer_name),
        Resizer(64, "border", False),
        16,
        True,
        True,
        output_folder,
        reader.column_list,
        10,
        4,
        5,
        "sha256",
        None,
        "jpg",
        0,
        None,
        {"noai"},
        **extra,
    )
    logger = LoggerProcess(output_folder, False, "img2dataset", {})
    logger.start()
    run = getattr(distributor, f"{distributor_name}_distributor")
    run(2, downloader, reader, 2, 1)
    logger.join()
    os.rmdir(output_folder + "/_tmp")


if __name__ == "__main__":  # the reference's multiprocessing distributor spawns processes
    main()
