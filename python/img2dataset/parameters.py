"""One line of help per `download()` parameter: used by `img2dataset --help` and the README's
options table (scripts/options_table.py), so the two never disagree."""

from __future__ import annotations

PARAMETER_HELP: dict[str, str] = {
    "url_list": "Input file, or folder of input files, listing the image URLs.",
    "image_size": "Target size in pixels of the resize mode.",
    "output_folder": "Where shards are written.",
    "processes_count": "Shards processed at the same time (threads of one process).",
    "resize_mode": "no, keep_ratio, keep_ratio_largest, center_crop or border.",
    "resize_only_if_bigger": "Never upscale: leave images smaller than the target as they are.",
    "upscale_interpolation": "nearest, linear, cubic, area or lanczos, used when enlarging.",
    "downscale_interpolation": "nearest, linear, cubic, area or lanczos, used when shrinking.",
    "encode_quality": "JPEG/WebP quality (0-100), or PNG compression level (0-9).",
    "encode_format": "Stored image format: jpg, png or webp.",
    "skip_reencode": "Keep the downloaded bytes when no resize is needed and the format matches.",
    "output_format": "files, webdataset, parquet, tfrecord or dummy.",
    "input_format": "txt, csv, tsv, json, jsonl (each plain or .gz) or parquet.",
    "url_col": "Column holding the URL (columnar inputs).",
    "caption_col": "Column holding the caption; also turns on <key>.txt caption files.",
    "bbox_col": "Column of [x_min, y_min, x_max, y_max] boxes (0..1) to blur; columnar inputs.",
    "thread_count": "Downloads in flight at once per shard.",
    "number_sample_per_shard": "Rows per shard; also sets the width of the keys.",
    "extract_exif": "Store the EXIF metadata of each image in the exif column.",
    "save_additional_columns": "Input columns copied to the metadata (columnar inputs).",
    "timeout": "Seconds allowed to connect and for any stall of a download.",
    "enable_wandb": "Log statistics to Weights & Biases (needs the wandb package).",
    "wandb_project": "Weights & Biases project name.",
    "oom_shard_count": "Digits of shard names (00000) and of the shard part of keys.",
    "compute_hash": "Hash of the downloaded bytes to store: md5, sha256, sha512 or None.",
    "verify_hash": "[column, hash type] to check downloads against (columnar inputs).",
    "distributor": "multiprocessing (threads of this process), pyspark or ray.",
    "subjob_size": "Shards per Spark job (pyspark) or per batch of Ray tasks (ray).",
    "retries": "Extra attempts for a download that failed transiently.",
    "disable_all_reencoding": "Store downloaded bytes untouched: no decode, filter or resize.",
    "min_image_size": "Reject images whose smaller side is below this many pixels.",
    "max_image_area": "Reject images with more pixels than this.",
    "max_aspect_ratio": "Reject images whose longer/shorter side ratio is above this.",
    "incremental_mode": "incremental (skip committed shards), overwrite or extend.",
    "max_shard_retry": "Extra passes over shards that failed as a whole.",
    "user_agent_token": "Token added to the User-Agent, matched by agent-scoped X-Robots-Tag.",
    "disallowed_header_directives": (
        "X-Robots-Tag directives that opt an image out; None: noai, noimageai, noindex, "
        "noimageindex; [] disables the check."
    ),
    "ignore_ssl_certificate": "Do not verify TLS certificates.",
    "allow_private_addresses": (
        "Allow loopback and private addresses (127/8, 10/8, 192.168/16, ...); link-local and "
        "cloud-metadata addresses are always refused."
    ),
    "dns_servers": "DNS servers ('1.1.1.1', '127.0.0.1:5353'); None: the system's resolvers.",
    "max_connections_per_host": "Downloads in flight at once to one host name.",
    "max_requests_per_second_per_host": "Request rate limit per host name; 0: none.",
    "max_image_bytes": "Downloads larger than this fail (too_large), checked while streaming.",
    "request_deadline": "Seconds one download may take, redirects included; None: 6 x timeout.",
    "user_agent": "Replaces the whole User-Agent header.",
    "ca_bundle": "PEM file of certificate authorities to trust instead of the system's.",
    "respect_robots_txt": "Fetch robots.txt once per site and skip what it disallows.",
    "shard_timeout": "Seconds after which a shard's rows not started yet fail; None: never.",
    "image_pipeline": (
        "fast: JPEGs decoded at reduced size when the target is small; exact: full decode as the "
        "reference does."
    ),
    "apply_exif_orientation": "Turn JPEGs upright per their EXIF orientation (reference: no).",
    "max_image_pixels": "Images with more pixels (read from the header) fail before decoding.",
    "shards_span_input_files": "Fill shards across input files (small files: full shards).",
    "retry_failed_samples": "Redo failed samples of done shards: True, or classes ['http_5xx'].",
    "deduplicate_urls": "Download each URL once per run; later copies fail as `duplicate`.",
    "num_workers": "Static split: the number of parts the shards are divided into.",
    "worker_id": "Static split: which part (0 .. num_workers - 1) this run does.",
    "quiet": "Print nothing while running, only the final total line.",
    "save_error_class": (
        "Add an error_class column (dns, timeout, http_404, ...) to the metadata, after the "
        "reference's columns."
    ),
    "html_report": "Write report.html (plots, failures, sample gallery) at the end of a run.",
    "run_summary": "Write _run_summary.json (totals, hints, options) at the end of a run.",
}
