"""Validation of `download()` arguments, and their translation into engine options.

Everything is checked here, before any side effect (no folder is created, no thread started),
and every message names the option, the value and what is expected. Where the reference
img2dataset has a message for a check, the same text is used so that scripts matching on it
keep working.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import math
import os
from dataclasses import dataclass, field
from typing import Any

from . import _engine

RESIZE_MODES = ("no", "keep_ratio", "center_crop", "border", "keep_ratio_largest")
INTERPOLATIONS = {
    "nearest": _engine.Interpolation.nearest,
    "linear": _engine.Interpolation.linear,
    "bilinear": _engine.Interpolation.linear,
    "cubic": _engine.Interpolation.cubic,
    "bicubic": _engine.Interpolation.cubic,
    "area": _engine.Interpolation.area,
    "lanczos": _engine.Interpolation.lanczos4,
    "lanczos4": _engine.Interpolation.lanczos4,
}
ENCODE_FORMATS = ("jpg", "png", "webp")
OUTPUT_FORMATS = ("files", "webdataset", "parquet", "tfrecord", "dummy")
INPUT_FORMATS = (
    "txt",
    "txt.gz",
    "csv",
    "csv.gz",
    "tsv",
    "tsv.gz",
    "json",
    "json.gz",
    "jsonl",
    "jsonl.gz",
    "parquet",
)
HASHES = (None, "md5", "sha256", "sha512")
DISTRIBUTORS = ("multiprocessing", "pyspark", "ray")
IMAGE_PIPELINES = ("fast", "exact")
INCREMENTAL_MODES = ("incremental", "overwrite", "extend")
DEFAULT_DISALLOWED_HEADER_DIRECTIVES = ["noai", "noimageai", "noindex", "noimageindex"]
RESERVED_COLUMNS = {
    "key",
    "caption",
    "url",
    "width",
    "height",
    "original_width",
    "original_height",
    "status",
    "error_message",
    "exif",
    "md5",
    "sha256",
    "sha512",
}

# The Python package each distributor needs, checked before anything starts.
_DISTRIBUTOR_PACKAGES = {"pyspark": "pyspark", "ray": "ray"}


@dataclass(frozen=True)
class DownloadOptions:
    """The validated arguments of one `download()` call."""

    url_list: str
    image_size: int = 256
    output_folder: str = "images"
    processes_count: int = 1
    resize_mode: str = "border"
    resize_only_if_bigger: bool = False
    upscale_interpolation: str = "lanczos"
    downscale_interpolation: str = "area"
    encode_quality: int = 95
    encode_format: str = "jpg"
    skip_reencode: bool = False
    output_format: str = "files"
    input_format: str = "txt"
    url_col: str = "url"
    caption_col: str | None = None
    bbox_col: str | None = None
    thread_count: int = 256
    number_sample_per_shard: int = 10000
    extract_exif: bool = True
    save_additional_columns: list[str] | None = None
    timeout: float = 10
    enable_wandb: bool = False
    wandb_project: str = "img2dataset"
    oom_shard_count: int = 5
    compute_hash: str | None = "sha256"
    verify_hash: list[str] | None = None
    distributor: str = "multiprocessing"
    subjob_size: int = 1000
    retries: int = 0
    disable_all_reencoding: bool = False
    min_image_size: int = 0
    max_image_area: float = math.inf
    max_aspect_ratio: float = math.inf
    incremental_mode: str = "incremental"
    max_shard_retry: int = 1
    user_agent_token: str | None = None
    disallowed_header_directives: list[str] | None = field(
        default_factory=lambda: list(DEFAULT_DISALLOWED_HEADER_DIRECTIVES)
    )
    ignore_ssl_certificate: bool = False
    # Additions of this version (keyword-only in download()).
    allow_private_addresses: bool = False
    dns_servers: list[str] | None = None
    max_connections_per_host: int = 16
    max_requests_per_second_per_host: float = 0
    max_image_bytes: int = 64 * 1024 * 1024
    request_deadline: float | None = None
    user_agent: str | None = None
    ca_bundle: str | None = None
    respect_robots_txt: bool = False
    shard_timeout: float | None = 3600
    image_pipeline: str = "fast"
    apply_exif_orientation: bool = True
    max_image_pixels: int = 100_000_000
    shards_span_input_files: bool = False
    retry_failed_samples: bool | list[str] = False
    deduplicate_urls: bool = False
    num_workers: int = 1
    worker_id: int = 0
    quiet: bool = False
    # Additions to the output, asked for: a default run writes exactly the reference's files.
    save_error_class: bool = False
    html_report: bool = False
    run_summary: bool = False

    def summary_dict(self) -> dict[str, Any]:
        """The options as JSON values (infinite limits as the string "inf"), for
        `_run_summary.json`."""
        return {
            name: "inf" if isinstance(value, float) and math.isinf(value) else value
            for name, value in self.__dict__.items()
        }

    @property
    def save_caption(self) -> bool:
        return self.caption_col is not None

    @classmethod
    def from_arguments(cls, arguments: dict[str, Any]) -> DownloadOptions:
        """Validates the arguments of `download()`; raises ValueError, TypeError,
        FileNotFoundError or ImportError before anything is touched."""
        arguments = dict(arguments)
        directives = arguments.get("disallowed_header_directives")
        if directives is None:
            directives = list(DEFAULT_DISALLOWED_HEADER_DIRECTIVES)
        elif isinstance(directives, str):
            raise TypeError(
                "disallowed_header_directives must be a list of strings, "
                f"got the string {directives!r}"
            )
        arguments["disallowed_header_directives"] = list(directives) or None
        if isinstance(arguments.get("dns_servers"), str):
            arguments["dns_servers"] = [
                server.strip() for server in arguments["dns_servers"].split(",") if server.strip()
            ]
        if arguments.get("save_additional_columns") is not None:
            arguments["save_additional_columns"] = list(arguments["save_additional_columns"])
        options = cls(**arguments)
        options._validate()
        return options

    # ------------------------------------------------------------------------------------------
    def _validate(self) -> None:
        _check_str("url_list", self.url_list)
        _check_str("output_folder", self.output_folder)
        _check_int("image_size", self.image_size, minimum=1)
        _check_int("processes_count", self.processes_count, minimum=1)
        _check_int("encode_quality", self.encode_quality, minimum=0)
        _check_int("thread_count", self.thread_count, minimum=1)
        _check_int("number_sample_per_shard", self.number_sample_per_shard, minimum=1)
        _check_int("oom_shard_count", self.oom_shard_count, minimum=0)
        _check_int("subjob_size", self.subjob_size, minimum=1)
        _check_int("retries", self.retries, minimum=0)
        _check_int("max_shard_retry", self.max_shard_retry, minimum=0)
        _check_int("min_image_size", self.min_image_size, minimum=0)
        _check_int("max_connections_per_host", self.max_connections_per_host, minimum=1)
        _check_int("max_image_bytes", self.max_image_bytes, minimum=1)
        _check_int("max_image_pixels", self.max_image_pixels, minimum=1)
        if self.image_pipeline not in IMAGE_PIPELINES:
            raise ValueError(
                f"image_pipeline must be one of {', '.join(IMAGE_PIPELINES)}, "
                f"got {self.image_pipeline!r}"
            )
        if self.max_requests_per_second_per_host != 0:
            _check_number(
                "max_requests_per_second_per_host",
                self.max_requests_per_second_per_host,
                positive=True,
            )
        for name in ("request_deadline", "shard_timeout"):
            if getattr(self, name) is not None:
                _check_number(name, getattr(self, name), positive=True)
        for name in ("user_agent", "ca_bundle"):
            if getattr(self, name) is not None:
                _check_str(name, getattr(self, name))
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise FileNotFoundError(f"ca_bundle: no such file: {self.ca_bundle}")
        if self.dns_servers is not None and not (
            isinstance(self.dns_servers, list)
            and self.dns_servers
            and all(_is_dns_server(server) for server in self.dns_servers)
        ):
            raise ValueError(
                "dns_servers must be a list of addresses such as ['127.0.0.1', '[::1]:5353'] "
                f"or None for the system's resolvers, got {self.dns_servers!r}"
            )
        _check_number("timeout", self.timeout, positive=True)
        _check_number("max_image_area", self.max_image_area, positive=True)
        _check_number("max_aspect_ratio", self.max_aspect_ratio, positive=True)
        for name in (
            "resize_only_if_bigger",
            "skip_reencode",
            "extract_exif",
            "enable_wandb",
            "disable_all_reencoding",
            "ignore_ssl_certificate",
            "allow_private_addresses",
            "respect_robots_txt",
            "apply_exif_orientation",
            "save_error_class",
            "html_report",
            "run_summary",
            "quiet",
        ):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")

        # The reference's own checks, with its messages (followed by what is expected).
        if self.compute_hash not in HASHES:
            raise ValueError(
                f"Unsupported hash to compute: {self.compute_hash}"
                + _expected("compute_hash", HASHES)
            )
        if self.verify_hash is not None:
            if not isinstance(self.verify_hash, (list, tuple)) or len(self.verify_hash) != 2:
                raise ValueError(
                    "verify_hash must be a list [input_column, hash_type], "
                    f"got {self.verify_hash!r}"
                )
            if self.verify_hash[1] != self.compute_hash:
                raise ValueError(
                    "verify_hash and compute_hash must be the same but got "
                    f"{self.verify_hash[1]} and {self.compute_hash}"
                )
        if self.save_additional_columns is not None:
            reserved = set(self.save_additional_columns) & RESERVED_COLUMNS
            if reserved:
                raise ValueError(
                    "You cannot use in save_additional_columns the following columns: "
                    f"{reserved}.img2dataset reserves these columns for its own use. "
                    "Please remove them from save_additional_columns."
                )
        if self.incremental_mode not in INCREMENTAL_MODES:
            raise ValueError(
                f"Unknown incremental mode {self.incremental_mode}"
                + _expected("incremental_mode", INCREMENTAL_MODES)
            )
        if self.input_format not in INPUT_FORMATS:
            raise ValueError(
                f"Invalid input format {self.input_format}"
                + _expected("input_format", INPUT_FORMATS)
            )
        if self.output_format not in OUTPUT_FORMATS:
            raise ValueError(
                f"Invalid output format {self.output_format}"
                + _expected("output_format", OUTPUT_FORMATS)
            )
        if self.encode_format not in ENCODE_FORMATS:
            raise ValueError(
                f"Invalid encode format {self.encode_format}"
                + _expected("encode_format", ENCODE_FORMATS)
            )
        if self.encode_format == "png" and not 0 <= self.encode_quality <= 9:
            raise ValueError(
                "For png, encode quality represents compression which"
                f"must be between 0 and 9, got {self.encode_quality}"
                " (encode_quality, with encode_format='png')"
            )
        if self.resize_mode not in RESIZE_MODES:
            raise ValueError(
                f"Invalid option for resize_mode: {self.resize_mode}"
                + _expected("resize_mode", RESIZE_MODES)
            )
        for name in ("upscale_interpolation", "downscale_interpolation"):
            value = getattr(self, name)
            if not isinstance(value, str) or value.lower() not in INTERPOLATIONS:
                lowered = value.lower() if isinstance(value, str) else value
                raise ValueError(
                    f"Invalid option for interpolation: {lowered}" + _expected(name, INTERPOLATIONS)
                )
        if self.distributor not in DISTRIBUTORS:
            raise ValueError(
                f"Distributor {self.distributor} not supported"
                + _expected("distributor", DISTRIBUTORS)
            )
        if self.enable_wandb and importlib.util.find_spec("wandb") is None:
            raise ImportError("enable_wandb=True needs the wandb package: pip install wandb")
        package = _DISTRIBUTOR_PACKAGES.get(self.distributor)
        if package is not None and importlib.util.find_spec(package) is None:
            # The reference's ray distributor silently did nothing without ray.
            raise ImportError(
                f"distributor={self.distributor!r} needs the {package} package: "
                f"pip install {package}"
            )
        self._validate_split()
        if self.user_agent_token is not None:
            _check_str("user_agent_token", self.user_agent_token)
        if self.disallowed_header_directives is not None and not all(
            isinstance(d, str) for d in self.disallowed_header_directives
        ):
            raise TypeError(
                "disallowed_header_directives must be a list of strings, "
                f"got {self.disallowed_header_directives!r}"
            )

        retry = self.retry_failed_samples
        if not isinstance(retry, bool) and not (
            isinstance(retry, list | tuple) and retry and all(isinstance(c, str) for c in retry)
        ):
            raise TypeError(
                "retry_failed_samples must be True, False or a list of error classes such as "
                f"['timeout', 'dns', 'http_5xx', 'http_429'], got {retry!r}"
            )
        if retry and self.output_format == "dummy":
            raise ValueError("retry_failed_samples needs the metadata parquet: not with dummy")
        if retry and self.verify_hash is not None:
            raise ValueError(
                "retry_failed_samples cannot verify hashes: the metadata keeps the computed "
                "hashes, not the expected ones; rerun without verify_hash"
            )
        if self.input_format in ("txt", "txt.gz"):
            # The reference ignored the first two with a txt input and failed every shard with
            # a KeyError on the third, after minutes of retries.
            for name in ("save_additional_columns", "verify_hash", "bbox_col"):
                value = getattr(self, name)
                if value is not None:
                    raise ValueError(
                        f"{name}={value!r} needs an input with columns (csv, tsv, json, jsonl, "
                        f"parquet); input_format={self.input_format!r} has only URLs"
                    )

    def _validate_split(self) -> None:
        """num_workers / worker_id: one part of a static split of the shards."""
        _check_int("num_workers", self.num_workers, minimum=1)
        _check_int("worker_id", self.worker_id, minimum=0)
        if self.worker_id >= self.num_workers:
            raise ValueError(
                f"worker_id must be below num_workers ({self.num_workers}), got {self.worker_id}"
            )
        if self.num_workers > 1:
            if self.distributor != "multiprocessing":
                raise ValueError(
                    f"num_workers={self.num_workers} splits the shards between separate runs; "
                    f"distributor={self.distributor!r} distributes them itself; use one or "
                    "the other"
                )
            if self.incremental_mode != "incremental":
                raise ValueError(
                    f"incremental_mode={self.incremental_mode!r} cannot be used with "
                    f"num_workers={self.num_workers}: the parts would "
                    + (
                        "each empty the output folder"
                        if self.incremental_mode == "overwrite"
                        else "number new shards differently"
                    )
                    + "; use incremental (and empty the folder before starting the parts)"
                )

    # ------------------------------------------------------------------------------------------
    def engine_options(self) -> _engine.EngineOptions:
        """The engine's option structs for these arguments."""
        options = _engine.EngineOptions()
        fetch = options.fetch
        fetch.thread_count = self.thread_count
        fetch.timeout_s = float(self.timeout)
        fetch.retries = self.retries
        fetch.user_agent_token = self.user_agent_token or ""
        fetch.disallowed_header_directives = [
            d.strip().lower() for d in self.disallowed_header_directives or []
        ]
        fetch.ignore_ssl_certificate = self.ignore_ssl_certificate
        fetch.allow_private_addresses = self.allow_private_addresses
        fetch.dns_servers = list(self.dns_servers or [])
        fetch.max_connections_per_host = self.max_connections_per_host
        fetch.max_requests_per_second_per_host = float(self.max_requests_per_second_per_host)
        fetch.max_body_bytes = self.max_image_bytes
        fetch.total_timeout_s = float(self.request_deadline or 0)
        fetch.user_agent = self.user_agent or ""
        fetch.ca_bundle = self.ca_bundle or ""
        fetch.respect_robots_txt = self.respect_robots_txt
        fetch.shard_timeout_s = float(self.shard_timeout or 0)
        options.fetch = fetch

        image = options.image
        image.image_size = self.image_size
        image.resize_mode = getattr(_engine.ResizeMode, self.resize_mode)
        image.resize_only_if_bigger = self.resize_only_if_bigger
        image.upscale_interpolation = INTERPOLATIONS[self.upscale_interpolation.lower()]
        image.downscale_interpolation = INTERPOLATIONS[self.downscale_interpolation.lower()]
        image.encode_quality = self.encode_quality
        image.encode_format = getattr(_engine.EncodeFormat, self.encode_format)
        image.skip_reencode = self.skip_reencode
        image.disable_all_reencoding = self.disable_all_reencoding
        image.min_image_size = self.min_image_size
        image.max_image_area = float(self.max_image_area)
        image.max_aspect_ratio = float(self.max_aspect_ratio)
        image.pipeline = getattr(_engine.ImagePipeline, self.image_pipeline)
        image.apply_exif_orientation = self.apply_exif_orientation
        image.max_image_pixels = self.max_image_pixels
        options.image = image

        output = options.output
        # parquet and tfrecord shards are staged as files shards, then packed
        # (parquet_output.py, tfrecord_output.py).
        packed = self.output_format in ("parquet", "tfrecord")
        staged_as = "files" if packed else self.output_format
        output.output_format = getattr(_engine.OutputFormat, staged_as)
        output.number_sample_per_shard = self.number_sample_per_shard
        output.oom_shard_count = self.oom_shard_count
        output.save_caption = self.save_caption and not packed
        output.extract_exif = self.extract_exif
        output.compute_hash = getattr(_engine.HashAlgorithm, self.compute_hash or "none")
        options.output = output
        return options


def _is_dns_server(text: Any) -> bool:
    """'127.0.0.1', '127.0.0.1:53', '::1' or '[::1]:53'."""
    if not isinstance(text, str):
        return False
    host, port = text, None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") if rest else None
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return port is None or (port.isdigit() and 0 < int(port) < 65536)


def _expected(name: str, choices: Any) -> str:
    """(option: expected one of a, b, c): appended to the reference's messages."""
    return f" ({name}: expected one of {', '.join(str(c) for c in choices)})"


def _check_str(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {expected}, got {value}")


def _check_number(name: str, value: Any, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
