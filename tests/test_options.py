"""Every download() parameter of the reference is accepted; bad values raise before any side
effect, with the reference's messages where it has one."""

from __future__ import annotations

import inspect
import math

import pytest

from img2dataset import download
from img2dataset.options import DownloadOptions

# Name, default and position of every parameter of the reference img2dataset 1.47.0.
REFERENCE_SIGNATURE = [
    ("url_list", inspect.Parameter.empty),
    ("image_size", 256),
    ("output_folder", "images"),
    ("processes_count", 1),
    ("resize_mode", "border"),
    ("resize_only_if_bigger", False),
    ("upscale_interpolation", "lanczos"),
    ("downscale_interpolation", "area"),
    ("encode_quality", 95),
    ("encode_format", "jpg"),
    ("skip_reencode", False),
    ("output_format", "files"),
    ("input_format", "txt"),
    ("url_col", "url"),
    ("caption_col", None),
    ("bbox_col", None),
    ("thread_count", 256),
    ("number_sample_per_shard", 10000),
    ("extract_exif", True),
    ("save_additional_columns", None),
    ("timeout", 10),
    ("enable_wandb", False),
    ("wandb_project", "img2dataset"),
    ("oom_shard_count", 5),
    ("compute_hash", "sha256"),
    ("verify_hash", None),
    ("distributor", "multiprocessing"),
    ("subjob_size", 1000),
    ("retries", 0),
    ("disable_all_reencoding", False),
    ("min_image_size", 0),
    ("max_image_area", math.inf),
    ("max_aspect_ratio", math.inf),
    ("incremental_mode", "incremental"),
    ("max_shard_retry", 1),
    ("user_agent_token", None),
    ("disallowed_header_directives", None),
    ("ignore_ssl_certificate", False),
]


def test_signature_matches_the_reference():
    parameters = list(inspect.signature(download).parameters.values())
    reference = parameters[: len(REFERENCE_SIGNATURE)]
    assert [(p.name, p.default) for p in reference] == REFERENCE_SIGNATURE
    # Additions come after, keyword-only, so positional calls keep their meaning.
    for extra in parameters[len(REFERENCE_SIGNATURE) :]:
        assert extra.kind is inspect.Parameter.KEYWORD_ONLY
        assert extra.default is not inspect.Parameter.empty


def test_default_arguments_are_valid():
    options = DownloadOptions.from_arguments({"url_list": "urls.txt"})
    assert options.fetch.header_directives == ["noai", "noimageai", "noindex", "noimageindex"]
    assert options.engine_options().fetch.thread_count == 256


def test_empty_directive_list_disables_the_check():
    options = DownloadOptions.from_arguments(
        {"url_list": "u.txt", "disallowed_header_directives": []}
    )
    assert options.fetch.header_directives == []
    assert options.engine_options().fetch.disallowed_header_directives == []


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"resize_mode": "stretch"}, ValueError, "Invalid option for resize_mode: stretch"),
        ({"upscale_interpolation": "Fancy"}, ValueError, "Invalid option for interpolation: fancy"),
        ({"encode_format": "gif"}, ValueError, "Invalid encode format gif"),
        (
            {"encode_format": "png", "encode_quality": 95},
            ValueError,
            "For png, encode quality represents compression whichmust be between 0 and 9, got 95",
        ),
        ({"output_format": "zip"}, ValueError, "Invalid output format zip"),
        ({"input_format": "xml"}, ValueError, "Invalid input format xml"),
        ({"compute_hash": "crc"}, ValueError, "Unsupported hash to compute: crc"),
        (
            {"verify_hash": ["h", "md5"]},
            ValueError,
            "verify_hash and compute_hash must be the same but got md5 and sha256",
        ),
        ({"distributor": "dask"}, ValueError, "Distributor dask not supported"),
        ({"incremental_mode": "append"}, ValueError, "Unknown incremental mode append"),
        ({"image_size": -3}, ValueError, "image_size must be a positive integer, got -3"),
        ({"thread_count": 0}, ValueError, "thread_count must be a positive integer, got 0"),
        ({"retries": -1}, ValueError, "retries must be an integer >= 0, got -1"),
        ({"timeout": 0}, ValueError, "timeout must be a positive number, got 0"),
        ({"image_size": "big"}, TypeError, "image_size must be an integer, got 'big'"),
        ({"skip_reencode": "yes"}, TypeError, "skip_reencode must be True or False, got 'yes'"),
    ],
)
def test_invalid_values_name_the_option(tmp_path, arguments, error, message):
    output = tmp_path / "out"
    with pytest.raises(error) as raised:
        download(url_list=str(tmp_path / "urls.txt"), output_folder=str(output), **arguments)
    text = str(raised.value)
    assert text.startswith(message)  # the reference's words, where it had a check
    name = next(iter(arguments))
    assert name in text  # the option...
    value = arguments[name]
    assert any(
        str(v).lower() in text.lower() for v in (value if isinstance(value, list) else [value])
    )
    assert "expected" in text or "must be" in text  # ...and what is expected
    assert not output.exists()  # nothing is created before validation passes


def test_reserved_additional_columns_are_refused():
    with pytest.raises(ValueError, match="You cannot use in save_additional_columns") as raised:
        DownloadOptions.from_arguments({"url_list": "u", "save_additional_columns": ["key"]})
    assert str(raised.value).endswith(
        "{'key'}.img2dataset reserves these columns for its own use. "
        "Please remove them from save_additional_columns."
    )


@pytest.mark.parametrize("distributor", ["pyspark", "ray"])
def test_distributor_without_its_package_is_a_clear_error(tmp_path, monkeypatch, distributor):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == distributor else real(name)
    )
    with pytest.raises(ImportError, match=f"distributor='{distributor}' needs the {distributor}"):
        download(url_list="u.txt", output_folder=str(tmp_path / "out"), distributor=distributor)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"num_workers": 0}, "num_workers"),
        ({"num_workers": 2, "worker_id": 2}, "worker_id must be below num_workers"),
        ({"worker_id": -1}, "worker_id"),
        ({"num_workers": 2, "distributor": "pyspark"}, "use one or the other"),
        ({"num_workers": 2, "incremental_mode": "overwrite"}, "each empty the output folder"),
        ({"num_workers": 2, "incremental_mode": "extend"}, "number new shards differently"),
    ],
)
def test_static_split_options_are_validated(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        download(url_list="u.txt", output_folder=str(tmp_path / "out"), **arguments)
    assert not (tmp_path / "out").exists()


def test_missing_url_list_raises_before_creating_output(tmp_path):
    with pytest.raises(FileNotFoundError, match="url_list"):
        download(url_list=str(tmp_path / "missing.txt"), output_folder=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_empty_folder_raises_reference_message(tmp_path):
    with pytest.raises(ValueError, match="No file found at path .* with extension txt"):
        download(url_list=str(tmp_path), output_folder=str(tmp_path / "out"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("bbox_col", "faces"),
        ("save_additional_columns", ["uid"]),
        ("verify_hash", ["sha256_col", "sha256"]),
    ],
)
def test_column_options_with_a_txt_input_are_a_clear_error_before_any_download(
    tmp_path, name, value
):
    # The reference ignored save_additional_columns and verify_hash with txt inputs, and failed
    # every shard with a KeyError on bbox_col, after minutes of retries.
    (tmp_path / "urls.txt").write_text("http://127.0.0.1:1/a.jpg\n")
    with pytest.raises(ValueError, match=f"{name}=.* needs an input with columns"):
        download(
            url_list=str(tmp_path / "urls.txt"),
            output_folder=str(tmp_path / "out"),
            **{name: value},
        )
    assert not (tmp_path / "out").exists()


def test_the_option_groups_are_the_signature():
    """Every download() parameter lives in exactly one group, with the signature's default and
    a line of help; the groups hold nothing else."""
    import dataclasses

    from img2dataset.options import GROUPS, option_fields

    fields = option_fields()
    signature = inspect.signature(download).parameters
    assert sum(len(dataclasses.fields(group)) for group in GROUPS.values()) == len(fields)
    assert list(sorted(fields)) == sorted(signature)
    for name, parameter in signature.items():
        field = fields[name][1]
        default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert default == parameter.default, name
        assert field.metadata["help"].strip(), name


def test_help_and_docstring_come_from_the_table():
    from img2dataset.cli import help_text
    from img2dataset.options import option_help

    for name in inspect.signature(download).parameters:
        assert option_help(name) in download.__doc__, name
        assert f"--{name} [" in help_text(), name


def test_each_group_checks_its_own_options_and_the_engine_gets_them():
    options = DownloadOptions.from_arguments(
        {"url_list": "u.txt", "timeout": 3, "image_size": 64, "compute_hash": "md5"}
    )
    engine = options.engine_options()
    assert (engine.fetch.timeout_s, engine.image.image_size) == (3.0, 64)
    assert engine.output.compute_hash.name == "md5"
    assert options.with_changes(timeout=5).fetch.timeout == 5
    assert options.arguments()["image_size"] == 64
    with pytest.raises(TypeError, match="unknown option"):
        DownloadOptions.from_arguments({"url_list": "u.txt", "image_sise": 64})


def test_the_engine_stub_lists_the_bindings_option_fields():
    """python/img2dataset/_engine.pyi, written by hand, has every field of the engine's option
    structs, and no other."""
    import ast
    from pathlib import Path

    from img2dataset import _engine

    stub = ast.parse((Path(_engine.__file__).parent / "_engine.pyi").read_text())
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    for name in ("FetchOptions", "ImageOptions", "OutputOptions", "EngineOptions"):
        stubbed = {
            statement.target.id
            for statement in classes[name].body
            if isinstance(statement, ast.AnnAssign)
        }
        bound = {
            attribute
            for attribute in dir(getattr(_engine, name)())
            if not attribute.startswith("_")
        }
        assert stubbed == bound, name
