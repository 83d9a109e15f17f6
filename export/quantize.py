"""An int8 variant of a decoder for the CPU, shipped only at equal quality.

``onnxruntime.quantization.quantize_dynamic`` turns the weights of the MatMuls into int8 (activations
are quantized on the fly). The variant is measured against the fp32 graph on the same test windows
(NLL per token) and timed side by side (one-token step with a half-full cache); it is written into the
model's ``config.json`` as ``onnx_int8`` only when its NLL is within ``QUALITY_TOLERANCE`` of fp32's.
The runtime then uses it on the CPU execution provider (``segue serve --precision`` chooses).

    python -m export.quantize --models models --name default --data data/tokens
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

INT8_FILE = "decoder.int8.onnx"
QUALITY_TOLERANCE = 0.01  # nats per token: what "equal quality" allows


def _session(path: Path) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _empty_past(config: dict, length: int = 0, rng: np.random.Generator | None = None) -> dict:
    shape = (1, config["n_head"], length, config["head_dim"])
    make = (lambda: rng.standard_normal(shape).astype(np.float32)) if rng is not None else (
        lambda: np.zeros(shape, np.float32))
    return {f"past_key_values.{i}.{kv}": make() for i in range(config["n_layer"]) for kv in ("key", "value")}


def window_nll(session: object, config: dict, tokens: np.ndarray, windows: int = 300) -> float:
    """Mean NLL per token over ``windows`` evenly spaced full-context windows (prefill logits)."""
    ctx = config["context_length"]
    starts = np.linspace(0, len(tokens) - ctx - 1, num=windows).astype(int)
    past = _empty_past(config)
    total, count = 0.0, 0
    for s in starts:
        window = tokens[s : s + ctx + 1].astype(np.int64)
        logits = session.run(["logits"], {"input_ids": window[None, :-1], **past})[0][0].astype(np.float64)
        top = logits.max(axis=-1, keepdims=True)
        log_probs = logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))
        total -= float(log_probs[np.arange(ctx), window[1:]].sum())
        count += ctx
    return total / count


def step_ms(session: object, config: dict, rounds: int = 300) -> tuple[float, float]:
    """p50 and p99 of a one-token step with a half-full cache, in ms."""
    past = _empty_past(config, config["context_length"] // 2, np.random.default_rng(0))
    feed = {"input_ids": np.array([[5]], dtype=np.int64), **past}
    for _ in range(20):
        session.run(None, feed)
    times = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        session.run(None, feed)
        times.append(time.perf_counter_ns() - start)
    return float(np.percentile(times, 50) / 1e6), float(np.percentile(times, 99) / 1e6)


def quantize_decoder(folder: Path, test_tokens: np.ndarray) -> dict:
    """Write ``INT8_FILE`` next to ``decoder.onnx``, measure both; returns the figures.

    ``config.json`` gains ``onnx_int8`` when the variant is within ``QUALITY_TOLERANCE``; otherwise the
    file is removed and the config keeps fp32 only.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    fp32_path, int8_path = folder / config["onnx"], folder / INT8_FILE
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8)
    fp32, int8 = _session(fp32_path), _session(int8_path)
    figures: dict = {
        "fp32_nll": round(window_nll(fp32, config, test_tokens), 4),
        "int8_nll": round(window_nll(int8, config, test_tokens), 4),
    }
    # timed alternately, three rounds each, so both see the same machine
    p50s: dict[str, list[float]] = {"fp32": [], "int8": []}
    for _ in range(3):
        for name, session in (("fp32", fp32), ("int8", int8)):
            p50s[name].append(step_ms(session, config)[0])
    figures.update({
        "fp32_step_p50_ms": round(float(np.median(p50s["fp32"])), 3),
        "int8_step_p50_ms": round(float(np.median(p50s["int8"])), 3),
        "fp32_mb": round(fp32_path.stat().st_size / 1e6, 2),
        "int8_mb": round(int8_path.stat().st_size / 1e6, 2),
        "nll_windows": 300,
    })
    figures["speedup"] = round(figures["fp32_step_p50_ms"] / figures["int8_step_p50_ms"], 2)
    equal = figures["int8_nll"] - figures["fp32_nll"] <= QUALITY_TOLERANCE
    faster = figures["speedup"] > 1.0
    figures["shipped"] = bool(equal and faster)
    if figures["shipped"]:
        config["onnx_int8"] = INT8_FILE
    else:
        config.pop("onnx_int8", None)
        int8_path.unlink()
    config_path.write_text(json.dumps(config, indent=1) + "\n")
    log.info("int8: NLL %.4f vs fp32 %.4f, step p50 %.3f vs %.3f ms (%.2fx): %s",
             figures["int8_nll"], figures["fp32_nll"], figures["int8_step_p50_ms"],
             figures["fp32_step_p50_ms"], figures["speedup"],
             "shipped" if figures["shipped"] else "not shipped")
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m export.quantize", description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--name", default="default")
    parser.add_argument("--data", type=Path, default=Path("data/tokens"), help="folder with test.npy")
    parser.add_argument("--register", action="store_true",
                        help="also update the model's files and metrics in the manifest")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    figures = quantize_decoder(args.models / args.name, np.load(args.data / "test.npy"))
    if args.register:
        from export.manifest import load_manifest, register_model

        entry = load_manifest(args.models)["models"][args.name]
        files = [f["path"].split("/", 1)[1] for f in entry["files"] if not f["path"].endswith(INT8_FILE)]
        if figures["shipped"]:
            files.append(INT8_FILE)
        metrics = dict(entry.get("metrics", {}), int8=figures)
        register_model(args.models, args.name, files, metrics=metrics)
    print(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
