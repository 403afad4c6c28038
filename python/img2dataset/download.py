"""`download()`: the reference img2dataset's entry point, same parameters, same defaults.

The options are checked here; the run itself is job.py's, imported on the call, so that
`import img2dataset` stays light (no pyarrow, fsspec or numpy until a run starts)."""

from __future__ import annotations

import inspect
import math

from .options import DownloadOptions, option_help


def download(
    url_list: str,
    image_size: int = 256,
    output_folder: str = "images",
    processes_count: int = 1,
    resize_mode: str = "border",
    resize_only_if_bigger: bool = False,
    upscale_interpolation: str = "lanczos",
    downscale_interpolation: str = "area",
    encode_quality: int = 95,
    encode_format: str = "jpg",
    skip_reencode: bool = False,
    output_format: str = "files",
    input_format: str = "txt",
    url_col: str = "url",
    caption_col: str | None = None,
    bbox_col: str | None = None,
    thread_count: int = 256,
    number_sample_per_shard: int = 10000,
    extract_exif: bool = True,
    save_additional_columns: list[str] | None = None,
    timeout: int = 10,
    enable_wandb: bool = False,
    wandb_project: str = "img2dataset",
    oom_shard_count: int = 5,
    compute_hash: str | None = "sha256",
    verify_hash: list[str] | None = None,
    distributor: str = "multiprocessing",
    subjob_size: int = 1000,
    retries: int = 0,
    disable_all_reencoding: bool = False,
    min_image_size: int = 0,
    max_image_area: float = math.inf,
    max_aspect_ratio: float = math.inf,
    incremental_mode: str = "incremental",
    max_shard_retry: int = 1,
    user_agent_token: str | None = None,
    disallowed_header_directives: list[str] | None = None,
    ignore_ssl_certificate: bool = False,
    *,
    allow_private_addresses: bool = False,
    dns_servers: list[str] | None = None,
    max_connections_per_host: int = 64,
    max_requests_per_second_per_host: float = 0,
    max_image_bytes: int = 64 * 1024 * 1024,
    request_deadline: float | None = None,
    user_agent: str | None = None,
    ca_bundle: str | None = None,
    respect_robots_txt: bool = False,
    shard_timeout: float | None = 3600,
    image_pipeline: str = "fast",
    apply_exif_orientation: bool = True,
    max_image_pixels: int = 100_000_000,
    shards_span_input_files: bool = False,
    retry_failed_samples: bool | list[str] = False,
    deduplicate_urls: bool = False,
    num_workers: int = 1,
    worker_id: int = 0,
    quiet: bool = False,
    save_error_class: bool = False,
    html_report: bool = False,
    run_summary: bool = False,
) -> None:
    """Download the images of `url_list`, resize them and write them as shards to
    `output_folder`.

    Every parameter up to `ignore_ssl_certificate` has the name, position and default of the
    reference img2dataset; the keyword-only ones after it are this version's additions. See
    `img2dataset --help` or the README for each one. Invalid arguments raise before anything is
    created on disk. Samples that fail are recorded in the metadata with their `status` and
    `error_message`; shards that fail as a whole are retried `max_shard_retry` times and
    reported at the end.
    """
    options = DownloadOptions.from_arguments(dict(locals()))
    from .job import run  # pyarrow, fsspec and the rest load when a run starts

    run(options)


def _parameters_doc() -> str:
    """The docstring's Parameters section, from the options' help lines."""
    lines = ["", "", "    Parameters", "    ----------"]
    for name, parameter in inspect.signature(download).parameters.items():
        required = parameter.default is inspect.Parameter.empty
        default = "required" if required else f"default {parameter.default!r}"
        lines += [f"    {name} ({default})", f"        {option_help(name)}"]
    return "\n".join(lines) + "\n"


download.__doc__ = (download.__doc__ or "").rstrip() + _parameters_doc()
