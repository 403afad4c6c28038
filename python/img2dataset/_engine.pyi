"""Type stubs of the C++ extension module (cpp/python/binding.cc)."""

from enum import Enum
from typing import Any

class ResizeMode(Enum):
    no = ...
    keep_ratio = ...
    keep_ratio_largest = ...
    center_crop = ...
    border = ...

class Interpolation(Enum):
    nearest = ...
    linear = ...
    cubic = ...
    area = ...
    lanczos4 = ...

class EncodeFormat(Enum):
    jpg = ...
    png = ...
    webp = ...

class ImagePipeline(Enum):
    fast = ...
    exact = ...

class OutputFormat(Enum):
    files = ...
    webdataset = ...
    dummy = ...

class HashAlgorithm(Enum):
    none = ...
    md5 = ...
    sha256 = ...
    sha512 = ...

class FetchOptions:
    thread_count: int
    timeout_s: float
    retries: int
    user_agent_token: str
    disallowed_header_directives: list[str]
    ignore_ssl_certificate: bool
    max_body_bytes: int
    max_redirects: int
    connect_timeout_s: float
    first_byte_timeout_s: float
    total_timeout_s: float
    min_bytes_per_second: int
    user_agent: str
    ca_bundle: str
    allow_private_addresses: bool
    dns_servers: list[str]
    dns_timeout_s: float
    max_connections_per_host: int
    max_requests_per_second_per_host: float
    max_backoff_s: float
    respect_robots_txt: bool
    shard_timeout_s: float

class ImageOptions:
    image_size: int
    resize_mode: ResizeMode
    resize_only_if_bigger: bool
    upscale_interpolation: Interpolation
    downscale_interpolation: Interpolation
    encode_quality: int
    encode_format: EncodeFormat
    skip_reencode: bool
    disable_all_reencoding: bool
    min_image_size: int
    max_image_area: float
    max_aspect_ratio: float
    pipeline: ImagePipeline
    apply_exif_orientation: bool
    max_image_pixels: int

class OutputOptions:
    output_format: OutputFormat
    number_sample_per_shard: int
    oom_shard_count: int
    save_caption: bool
    extract_exif: bool
    compute_hash: HashAlgorithm

class EngineOptions:
    fetch: FetchOptions
    image: ImageOptions
    output: OutputOptions

class ShardRun:
    @property
    def files(self) -> list[str]: ...
    @property
    def bytes_downloaded(self) -> int: ...
    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]: ...

class Engine:
    @property
    def options(self) -> EngineOptions: ...
    def counters(self) -> dict[str, Any]: ...

def make_engine(options: EngineOptions) -> Engine: ...
def run_shard(engine: Engine, shard_id: int, rows: Any, staging_dir: str) -> ShardRun: ...
def shard_name(shard_id: int, oom_shard_count: int) -> str: ...
def sample_key(
    shard_id: int, index: int, number_sample_per_shard: int, oom_shard_count: int
) -> str: ...
def extract_exif_json(image: bytes) -> str | None: ...

# Single-item calls behind the reference's modules (resizer, blurrer, downloader, writer).
class ImageProcessor:
    def __init__(self, options: ImageOptions) -> None: ...
    def process(
        self,
        body: bytes,
        boxes: list[list[float | None] | None] | None = None,
        single_precision: bool = False,
    ) -> tuple[
        bytes | None, int | None, int | None, int | None, int | None, str | None, str | None
    ]: ...

def blur_bounding_boxes(
    image: Any, boxes: list[list[float | None] | None], single_precision: bool = False
) -> Any: ...

class UrlFetcher:
    def __init__(self, options: FetchOptions) -> None: ...
    def fetch(
        self, urls: list[str], retries: int = 0
    ) -> list[tuple[bytes | None, str | None, str, int]]: ...

class ShardWriter:
    def __init__(self, output_format: OutputFormat, staging_dir: str, shard_name: str) -> None: ...
    def add(
        self, key: str, image: bytes, extension: str, caption: str | None, json: str
    ) -> None: ...
    def finish(self) -> list[str]: ...
    def abandon(self) -> None: ...

class OptOutPolicy:
    def __init__(self, disallowed_directives: list[str], user_agent_token: str) -> None: ...
    def disallows(self, header_value: str) -> bool: ...
