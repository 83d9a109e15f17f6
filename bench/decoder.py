"""Decoder speed: one-token step and prefill on onnxruntime CPU, and the same 64-note continuation with
segue's KV-cache decoder vs a torch eager decoder without a cache (how published music transformers
sample: the whole sequence through the model for every new token), side by side in one run.

    python -m bench.decoder [--model default] [--steps 300]

The torch side loads the same weights when they are there (``models/<name>/weights.npz``, else the
training run's ``runs/<name>/best.pt`` or ``last.pt``); otherwise it builds the same architecture from
``config.json`` with random weights, which gives the same speed. It replays the token sequence the ONNX
decoder produced (sampling each step too), so both do the work of the very same continuation.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import REPO, median, model_folder, ms, pct, seed_phrase, table
from bridge.continuation import Model, PlayConfig, continuation
from bridge.daemon import load_model, sampling_params
from bridge.params import ParamStore
from bridge.sampling import LogitsProcessor, SamplingParams
from bridge.tokens import TokenType

TEMPO = 120.0


class Recording:
    """Wraps a sampler and records the token ids it yields."""

    name = "decoder"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.tokens: list[int] = []

    def generate(self, seed_ids: list[int], params: SamplingParams, rng: np.random.Generator,
                 should_stop: Callable[[], bool]) -> Iterator[int]:
        for token in self.inner.generate(seed_ids, params, rng, should_stop):
            self.tokens.append(int(token))
            yield token


def step_times(bundle: Any, seed_ids: list[int], steps: int) -> tuple[list[int], list[int]]:
    """ns per one-token step (raw session.run with the cache), and ns per prefill of the seed."""
    session = bundle.session
    past_names = bundle.past_names()
    outputs = ["logits", *bundle.present_names()]
    empty = [np.zeros((1, bundle.n_head, 0, bundle.head_dim), np.float32) for _ in past_names]
    ids = np.array([seed_ids], dtype=np.int64)
    prefill = []
    for _ in range(10):
        t0 = time.perf_counter_ns()
        out = session.run(outputs, {"input_ids": ids, **dict(zip(past_names, empty, strict=True))})
        prefill.append(time.perf_counter_ns() - t0)
    past = out[1:]
    token = int(np.argmax(out[0][0, -1]))
    room = bundle.context_length - len(seed_ids) - 1
    per_step = []
    for i in range(steps):
        if i and i % room == 0:  # stay inside the context: restart from the seed's cache
            past = session.run(outputs, {"input_ids": ids, **dict(zip(past_names, empty, strict=True))})[1:]
        t0 = time.perf_counter_ns()
        out = session.run(outputs, {"input_ids": np.array([[token]], dtype=np.int64),
                                    **dict(zip(past_names, past, strict=True))})
        per_step.append(time.perf_counter_ns() - t0)
        past = out[1:]
        token = int(np.argmax(out[0][0, -1]))
    return per_step, prefill


def prefill_by_length(bundle: Any, vocab: int, lengths: list[int]) -> dict[int, float]:
    session = bundle.session
    past_names = bundle.past_names()
    empty = {n: np.zeros((1, bundle.n_head, 0, bundle.head_dim), np.float32) for n in past_names}
    rng = np.random.default_rng(0)
    out: dict[int, float] = {}
    for length in lengths:
        ids = rng.integers(4, vocab, size=(1, length), dtype=np.int64)
        times = []
        for _ in range(5):
            t0 = time.perf_counter_ns()
            session.run(["logits"], {"input_ids": ids, **empty})
            times.append(time.perf_counter_ns() - t0)
        out[length] = median(times)
    return out


def torch_model(folder: Path, name: str) -> tuple[Any, str]:
    """The export side's GPT with the trained weights when the run is there, else random ones."""
    import torch

    from export.model import GPT, GPTConfig

    config = json.loads((folder / name / "config.json").read_text())
    cfg = GPTConfig(vocab_size=config["vocab_size"], context_length=config["context_length"],
                    n_layer=config["n_layer"], n_head=config["n_head"], n_embd=config["n_embd"], dropout=0.0)
    npz = folder / name / "weights.npz"
    if npz.is_file():  # the shipped weights, next to the ONNX file
        from export.model import load_npz

        shown = npz.relative_to(REPO) if npz.is_relative_to(REPO) else npz
        return load_npz(npz), f"weights of {shown}"
    for candidate in ("best.pt", "last.pt", "ckpt.pt"):
        path = REPO / "runs" / name / candidate
        if path.is_file():
            state = torch.load(path, map_location="cpu", weights_only=True)
            run_cfg = GPTConfig.from_dict(state["config"])
            shape = (run_cfg.vocab_size, run_cfg.n_layer, run_cfg.n_embd)
            if shape == (config["vocab_size"], config["n_layer"], config["n_embd"]):
                model = GPT(run_cfg)
                model.load_state_dict(state["model"])
                return model.eval(), f"weights of {path.relative_to(REPO)}"
    torch.manual_seed(0)
    return GPT(cfg).eval(), "random weights, same architecture (no training run here)"


def torch_no_cache(model: Any, scheme: Any, seed_ids: list[int], tokens: list[int], params: SamplingParams,
                   context: int) -> int:
    """ns to produce ``tokens`` after ``seed_ids`` the no-cache way: a full forward pass per token."""
    import torch

    processor = LogitsProcessor(scheme, params)
    rng = np.random.default_rng(0)
    state = scheme.state_after(seed_ids)
    ids = list(seed_ids)
    with torch.inference_mode():  # warm-up, not timed
        for length in (len(ids), len(ids) + 1, len(ids) + 2):
            model(torch.tensor([(ids * 4)[:length][-context:]], dtype=torch.long))
    t0 = time.perf_counter_ns()
    with torch.inference_mode():
        for token in tokens:
            window = torch.tensor([ids[-context:]], dtype=torch.long)
            logits, _ = model(window)
            processor.choose(logits[0, -1].float().numpy(), state, rng)  # the sampling work of eager loops
            ids.append(token)  # ... but follow the ONNX decoder's tokens: both make the same continuation
            state = TokenType(int(scheme.last_type[token]))
    return time.perf_counter_ns() - t0


def memory_step_times(scheme: Any, seed_ids: list[int], tokens: list[int], store: ParamStore) -> list[int]:
    """ns per token of the phrase memory's copy expert along a continuation (the seed and four earlier
    phrases like it in memory, the registry's weight and match length), mixing included."""
    from bridge.copying import BaseCodes, SeedCopy

    codes = BaseCodes(scheme)
    context = int(store.get("memory_order"))
    weight = float(store.get("memory_weight"))
    logits = np.zeros(scheme.vocab_size, dtype=np.float32)
    times = []
    for _ in range(3):
        memory = SeedCopy(codes, [seed_ids] * (1 + int(store.get("memory_phrases"))), context)
        memory.feed(codes.of(seed_ids[-context:]))
        for token in tokens:
            t0 = time.perf_counter_ns()
            memory.mix(logits, weight)
            memory.feed(codes.codes[token])
            times.append(time.perf_counter_ns() - t0)
    return times


def style_step_times(model: Any, folder: Path, seed_ids: list[int], tokens: list[int],
                     store: ParamStore) -> list[int]:
    """ns per token of the style expert (the shipped style's variable-order model) along a continuation:
    its next-token distribution, the linear mixture at the registry's blend, and feeding the token. The
    style is read from the model's folder (``folder``)."""
    from bridge.samplers.blend import style_model_of
    from bridge.style import Style
    from bridge.style_model import StyleMixer

    expert = style_model_of(Style.load(folder, str(store.get("style")) or "fiddle"))
    logits = np.zeros(model.scheme.vocab_size, dtype=np.float32)
    times = []
    for _ in range(3):
        mixer = StyleMixer(expert, seed_ids, float(store.get("blend")))
        for token in tokens:
            t0 = time.perf_counter_ns()
            mixer.mix(logits)
            mixer.feed(token)
            times.append(time.perf_counter_ns() - t0)
    return times


def expert_step_times(make: Callable[[], tuple[Callable[[np.ndarray, float], Any], Callable[[int], None]]],
                      weight: float, vocab: int, tokens: list[int]) -> list[int]:
    """ns per token of an expert along a continuation (its ``mix`` at ``weight``, then its ``feed``), three
    times over, each time from a fresh ``make()``, which gives the pair."""
    logits = np.zeros(vocab, dtype=np.float32)
    times = []
    for _ in range(3):
        mix, feed = make()
        for token in tokens:
            t0 = time.perf_counter_ns()
            mix(logits, weight)
            feed(token)
            times.append(time.perf_counter_ns() - t0)
    return times


def beat_step_times(scheme: Any, seed_ids: list[int], tokens: list[int], store: ParamStore) -> list[int]:
    """ns per token of the seed's beat (``BarCopy.mix_time`` at the registry's weight, then the feed)
    along a continuation."""
    from bridge.bar_copy import BarCopy, TimeMoves

    moves = TimeMoves(scheme)

    def make() -> tuple[Any, Any]:
        bar = BarCopy(scheme, seed_ids, moves=moves)
        return bar.mix_time, bar.feed

    return expert_step_times(make, float(store.get("beat_weight")), scheme.vocab_size, tokens)


def pitch_step_times(scheme: Any, seed_ids: list[int], tokens: list[int], store: ParamStore) -> list[int]:
    """ns per token of the seed's pitch classes (``SeedProfile.mix`` at the registry's weight, then the
    feed) along a continuation."""
    from bridge.seed_profile import FeatureTable, SeedProfile

    table = FeatureTable.pitch_classes(scheme)

    def make() -> tuple[Any, Any]:
        profile = SeedProfile(table, seed_ids)
        return profile.mix, profile.feed

    return expert_step_times(make, float(store.get("pitch_weight")), scheme.vocab_size, tokens)


def bar_tables_times(scheme: Any, seed_ids: list[int], runs: int = 300) -> list[int]:
    """ns to build the seed's bar and beat tables when an answer starts (the seed already walked, as
    the sampler's walk has it)."""
    from bridge.bar_copy import BarCopy, TimeMoves
    from bridge.seed_walk import SeedWalk

    walk, moves = SeedWalk(scheme).walk(seed_ids), TimeMoves(scheme)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        BarCopy(scheme, seed_ids, walk=walk, moves=moves)
        times.append(time.perf_counter_ns() - t0)
    return times


def groove_times(scheme: Any, seed: list[Any], seed_ids: list[int], runs: int = 300) -> list[int]:
    """ns to take the seed's groove when an answer starts (``seed_groove`` on the primed decoder's
    onsets, at the registry's strength)."""
    from bridge.continuation import seed_groove
    from bridge.tokens import encoding_origin

    cfg = PlayConfig(tempo_bpm=TEMPO)
    onsets = scheme.stream_decoder(seed_ids).primed_onsets
    start = encoding_origin(seed, cfg.meter, cfg.bar_origin)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        seed_groove(scheme, seed, seed_ids, cfg, start, onsets)
        times.append(time.perf_counter_ns() - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--steps", type=int, default=300, help="one-token steps to time")
    parser.add_argument("--notes", type=int, default=64, help="continuation length compared with torch")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (default 1, like segue's onnxruntime session)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.torch_threads)
    folder, name = model_folder(args.model)
    model = load_model(name, [folder])
    sampler = model.samplers["decoder"]
    bundle = sampler.bundle
    scheme = model.scheme
    seed = seed_phrase(32)
    seed_ids = scheme.encode(seed, TEMPO)

    graph = Path(bundle.session._model_path).name
    fp32_bundle = None
    if bundle.config.get("onnx_int8") and graph == bundle.config["onnx_int8"]:
        fp32_bundle = load_model(name, [folder], precision="fp32").samplers["decoder"].bundle
    per_step, prefill_seed = step_times(bundle, seed_ids, args.steps)
    fp32_step = step_times(fp32_bundle, seed_ids, args.steps)[0] if fp32_bundle is not None else None
    prefill = prefill_by_length(bundle, scheme.vocab_size, [16, 64, bundle.context_length * 3 // 4])

    params = sampling_params(ParamStore())  # the daemon's defaults
    recording = Recording(sampler)
    rec_model = Model(model.name, scheme, {"decoder": recording})
    cfg = PlayConfig(length_notes=args.notes, length_beats=0, tempo_bpm=TEMPO, max_tokens=100_000)
    sampler._cache = None  # a cold start: the seed is prefilled inside the timed run
    t0 = time.perf_counter_ns()
    notes = list(continuation(rec_model, seed, cfg, params, np.random.default_rng(1)))
    ort_ns = time.perf_counter_ns() - t0
    tokens = [t for t in recording.tokens if t != scheme.eos_id]

    memory_ns = memory_step_times(scheme, seed_ids, tokens, ParamStore())
    style_ns = style_step_times(model, folder, seed_ids, tokens, ParamStore())
    groove_ns = groove_times(scheme, seed, seed_ids)
    beat_ns = beat_step_times(scheme, seed_ids, tokens, ParamStore())
    tables_ns = bar_tables_times(scheme, seed_ids)
    pitch_ns = pitch_step_times(scheme, seed_ids, tokens, ParamStore())

    tmodel, weights = torch_model(folder, name)
    torch_ns = torch_no_cache(tmodel, scheme, seed_ids, tokens, params, bundle.context_length)
    ratio = torch_ns / ort_ns

    numbers = {
        "model": name, "layers": bundle.n_layer, "d_model": bundle.n_head * bundle.head_dim,
        "vocab": scheme.vocab_size, "context": bundle.context_length, "provider": bundle.provider,
        "seed_tokens": len(seed_ids), "step_p50_ms": pct(per_step, 0.5) / 1e6,
        "step_p99_ms": pct(per_step, 0.99) / 1e6, "prefill_seed_ms": median(prefill_seed) / 1e6,
        "prefill_ms": {str(k): v / 1e6 for k, v in prefill.items()}, "notes": len(notes),
        "tokens": len(tokens), "ort_ms": ort_ns / 1e6, "torch_no_cache_ms": torch_ns / 1e6, "ratio": ratio,
        "torch_threads": torch.get_num_threads(), "torch_weights": weights, "graph": graph,
        "fp32_step_p50_ms": pct(fp32_step, 0.5) / 1e6 if fp32_step else None,
        "memory_p50_ms": pct(memory_ns, 0.5) / 1e6, "memory_p99_ms": pct(memory_ns, 0.99) / 1e6,
        "style_p50_ms": pct(style_ns, 0.5) / 1e6, "style_p99_ms": pct(style_ns, 0.99) / 1e6,
        "groove_p50_ms": pct(groove_ns, 0.5) / 1e6, "groove_p99_ms": pct(groove_ns, 0.99) / 1e6,
        "beat_p50_ms": pct(beat_ns, 0.5) / 1e6, "beat_p99_ms": pct(beat_ns, 0.99) / 1e6,
        "bar_tables_p50_ms": pct(tables_ns, 0.5) / 1e6,
        "pitch_p50_ms": pct(pitch_ns, 0.5) / 1e6, "pitch_p99_ms": pct(pitch_ns, 0.99) / 1e6,
    }
    rows = [
        ("model", f"{name}: {bundle.n_layer} layers, d={numbers['d_model']}, vocab {scheme.vocab_size}, "
                  f"context {bundle.context_length}", ""),
        (f"one-token step, onnxruntime CPU (1 thread), {graph}, p50", ms(pct(per_step, 0.5)), "<= 1 ms"),
        ("one-token step, p99", ms(pct(per_step, 0.99)), ""),
        (f"prefill of the 32-note seed ({len(seed_ids)} tokens)", ms(median(prefill_seed)), ""),
    ]
    if fp32_step:
        rows += [("one-token step, fp32 graph (--precision fp32), p50 / p99",
                  f"{ms(pct(fp32_step, 0.5))} / {ms(pct(fp32_step, 0.99))}", "")]
    rows += [(f"prefill of {k} tokens", ms(v), "") for k, v in prefill.items()]
    rows += [
        (f"{len(notes)}-note continuation ({len(tokens)} tokens), segue: ONNX + KV cache", ms(ort_ns), ""),
        (f"same continuation, torch eager without cache ({torch.get_num_threads()} threads)", ms(torch_ns),
         ""),
        ("speed-up, same run", f"{ratio:.1f}x", ">= 10x"),
        ("phrase memory per token (match, copy set and mixing), p50 / p99",
         f"{ms(pct(memory_ns, 0.5))} / {ms(pct(memory_ns, 0.99))}", "<= 0.1 ms"),
        ("style expert per token (variable-order distribution, mixing, feed), p50 / p99",
         f"{ms(pct(style_ns, 0.5))} / {ms(pct(style_ns, 0.99))}", "<= 0.1 ms"),
        ("the seed's beat per token (time moves' share, feed), p50 / p99",
         f"{ms(pct(beat_ns, 0.5))} / {ms(pct(beat_ns, 0.99))}", ""),
        ("the seed's pitch classes per token (over-played classes held back, feed), p50 / p99",
         f"{ms(pct(pitch_ns, 0.5))} / {ms(pct(pitch_ns, 0.99))}", ""),
        (f"the seed's bar and beat tables, once an answer ({len(seed_ids)} seed tokens), p50 / p99",
         f"{ms(pct(tables_ns, 0.5))} / {ms(pct(tables_ns, 0.99))}", ""),
        (f"the seed's groove, once an answer ({len(seed)}-note seed), p50 / p99",
         f"{ms(pct(groove_ns, 0.5))} / {ms(pct(groove_ns, 0.99))}", ""),
    ]
    print(table(rows, "Decoder (python -m bench.decoder)"))
    print(f"\ntorch side: {weights}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
