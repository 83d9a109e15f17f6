"""ModelBundle.load: manifest checksums, safe names, config and graph checks, clear errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from test_tokens import train_tokenizer

from bridge.model import ModelBundle, ModelError, available_models, check_name, load_npz, pick_providers
from export.model import GPT, GPTConfig
from export.onnx_export import export_onnx


def write_manifest(models_root: Path, default: str | None = None) -> None:
    """A manifest listing every file of every model folder, with its sha256."""
    models = {}
    for folder in sorted(p for p in models_root.iterdir() if p.is_dir()):
        files = [
            {"path": f"{folder.name}/{f.name}", "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
            for f in sorted(folder.iterdir())
            if f.is_file()
        ]
        models[folder.name] = {"files": files, "metrics": {}}
    manifest = {"version": 1, "default": default or next(iter(models)), "models": models}
    (models_root / "manifest.json").write_text(json.dumps(manifest, indent=1))


def build_model(
    models_root: Path,
    name: str = "tiny",
    bpe_vocab: int | None = 420,
    vocab_size: int | None = None,
    context_length: int = 64,
    seed: int = 0,
) -> Path:
    """A small random-weight decoder exported by the project's own export path, listed in the manifest."""
    tok_dir = models_root.parent / f"{models_root.name}-tok-{bpe_vocab}"
    tok_path = tok_dir / "tokenizer.json" if tok_dir.exists() else train_tokenizer(tok_dir, bpe_vocab)
    from miditok import TSD

    vocab = vocab_size or len(TSD(params=tok_path))
    torch.manual_seed(seed)
    cfg = GPTConfig(
        vocab_size=vocab, context_length=context_length, n_layer=2, n_head=2, n_embd=32, dropout=0.0
    )
    export_onnx(GPT(cfg), tok_path, models_root / name)
    write_manifest(models_root)
    return models_root / name


@pytest.fixture(scope="module")
def models_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_model(root)
    return root


def test_loads_the_default_model(models_root):
    bundle = ModelBundle.load(models_root, threads=1)
    assert bundle.name == "tiny" and bundle.vocab_size == 420
    assert bundle.provider == "CPUExecutionProvider"
    assert (bundle.n_layer, bundle.n_head, bundle.head_dim, bundle.context_length) == (2, 2, 16, 64)
    assert set(bundle.past_names()) <= set(bundle.input_names)
    assert available_models(models_root) == ["tiny"]
    assert ModelBundle.load(models_root, "tiny").name == "tiny"


def test_providers_prefer_cuda_when_offered():
    assert pick_providers(["CUDAExecutionProvider", "CPUExecutionProvider"])[0] == "CUDAExecutionProvider"
    assert pick_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]


@pytest.mark.parametrize("name", ["../tiny", "a/b", "..", "", "/etc", "tiny\\..\\x", ".hidden", "x..y"])
def test_names_with_paths_are_refused(models_root, name):
    with pytest.raises(ModelError, match="invalid model name"):
        ModelBundle.load(models_root, name)
    with pytest.raises(ModelError):
        check_name(name)


def test_unknown_model_and_missing_manifest(models_root, tmp_path):
    with pytest.raises(ModelError, match="not in .*known: tiny"):
        ModelBundle.load(models_root, "other")
    with pytest.raises(ModelError, match="does not exist"):
        ModelBundle.load(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(ModelError, match="not valid JSON"):
        ModelBundle.load(tmp_path)
    assert available_models(tmp_path) == []


def _copy(models_root: Path, tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "models"
    shutil.copytree(models_root, root)
    return root


def test_missing_file(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    (root / "tiny" / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json is missing"):
        ModelBundle.load(root)


def test_sha_mismatch(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    onnx_path = root / "tiny" / "decoder.onnx"
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="decoder.onnx is corrupt or was changed"):
        ModelBundle.load(root)


def test_manifest_paths_must_stay_in_the_model_folder(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["models"]["tiny"]["files"][0]["path"] = "../outside/decoder.onnx"
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="is not a file of models/tiny/"):
        ModelBundle.load(root)


def test_corrupt_onnx_with_matching_sha(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    (root / "tiny" / "decoder.onnx").write_bytes(b"not an onnx graph")
    write_manifest(root)
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        ModelBundle.load(root)


def test_config_vocab_must_match_the_tokenizer(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    config_path = root / "tiny" / "config.json"
    config = json.loads(config_path.read_text())
    config["vocab_size"] = 999
    config_path.write_text(json.dumps(config))
    write_manifest(root)
    with pytest.raises(ModelError, match="vocab_size 999 does not match the tokenizer's 420"):
        ModelBundle.load(root)


def test_onnx_logits_must_match_the_tokenizer(tmp_path):
    root = tmp_path / "models"
    model_dir = build_model(root, vocab_size=430)  # graph trained for another vocabulary
    config = json.loads((model_dir / "config.json").read_text())
    config["vocab_size"] = 420  # a config edited to match the tokenizer does not hide it
    (model_dir / "config.json").write_text(json.dumps(config))
    write_manifest(root)
    with pytest.raises(ModelError, match="logits have 430 entries but the tokenizer has 420"):
        ModelBundle.load(root)


def test_config_format_is_checked(models_root, tmp_path):
    root = _copy(models_root, tmp_path)
    config_path = root / "tiny" / "config.json"
    config = json.loads(config_path.read_text())
    config["format"] = "something-else"
    config_path.write_text(json.dumps(config))
    write_manifest(root)
    with pytest.raises(ModelError, match="format is 'something-else'"):
        ModelBundle.load(root)


def test_npz_never_unpickles(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, a=np.arange(3))
    assert load_npz(good)["a"].tolist() == [0, 1, 2]
    bad = tmp_path / "bad.npz"
    np.savez(bad, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ModelError, match="cannot read arrays"):
        load_npz(bad)


def test_loading_a_model_never_imports_torch(models_root):
    import subprocess
    import sys

    code = (
        "import sys; from bridge.model import ModelBundle; from bridge.samplers import DecoderSampler; "
        f"DecoderSampler(ModelBundle.load({str(models_root)!r})); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr


def test_threads_must_be_positive(models_root):
    with pytest.raises(ModelError, match="threads must be >= 1"):
        ModelBundle.load(models_root, threads=0)


def test_the_int8_variant_is_measured_and_loaded_on_the_cpu(models_root, tmp_path):
    from export.quantize import INT8_FILE, quantize_decoder

    root = _copy(models_root, tmp_path)
    folder = root / "tiny"
    tokens = np.random.default_rng(0).integers(3, 300, 4000)
    figures = quantize_decoder(folder, tokens)
    assert figures["int8_mb"] < figures["fp32_mb"] and figures["fp32_step_p50_ms"] > 0
    assert abs(figures["int8_nll"] - figures["fp32_nll"]) < 0.05  # random weights: near log(vocab) both
    config = json.loads((folder / "config.json").read_text())
    assert ("onnx_int8" in config) == figures["shipped"] == (folder / INT8_FILE).exists()
    # whatever the timing decided, the loader's choice is checked with the variant in place
    config["onnx_int8"] = INT8_FILE
    (folder / "config.json").write_text(json.dumps(config))
    if not (folder / INT8_FILE).exists():
        quantize_dynamic(str(folder / "decoder.onnx"), str(folder / INT8_FILE), weight_type=QuantType.QInt8)
    write_manifest(root)
    auto = ModelBundle.load(root, "tiny")
    fp32 = ModelBundle.load(root, "tiny", precision="fp32")
    assert auto.session._model_path.endswith(INT8_FILE) and fp32.session._model_path.endswith("decoder.onnx")
    ids = np.array([[1, 5, 9]], dtype=np.int64)
    feeds = {n: np.zeros((1, 2, 0, 16), np.float32) for n in auto.past_names()}
    a = auto.session.run(["logits"], {"input_ids": ids, **feeds})[0]
    b = fp32.session.run(["logits"], {"input_ids": ids, **feeds})[0]
    assert np.abs(a - b).max() < 0.1 * np.abs(b).max() + 0.05  # close, not equal: int8 weights
    with pytest.raises(ModelError, match="precision must be one of"):
        ModelBundle.load(root, "tiny", precision="fp16")


def test_int8_is_refused_when_the_model_has_none(models_root):
    with pytest.raises(ModelError, match="has no int8 graph"):
        ModelBundle.load(models_root, "tiny", precision="int8")
