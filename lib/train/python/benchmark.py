#!/usr/bin/env python3
"""Calibrate the compute plan on this machine: LoRA micro-steps at the recipe's base shape.

    python train.py --benchmark [--out calibration.json] [--tiny] [--lengths 256,512] [--repeats 5]
    python benchmark.py …            (the same)

Run inside a run bundle written by `cci train plan`. It builds the recipe's base model in its
exact Llama shape from compute.json (random weights: nothing is downloaded), puts the recipe's
LoRA on it (run.json: r, alpha, dropout, target modules), enables gradient checkpointing, and
times a few batch-1 forward+backward micro-steps at the recipe's train-length quantiles
(compute.json's lengthQuantiles), one AdamW step, and a prompt-only scoring forward. It writes
calibration.json in the measurement format of ../shared/measurements/h200-lora-throughput.json,
which `cci train plan --calibration FILE` reads.

--tiny overrides the shape (2 layers, hidden 64) so it runs on a CPU in seconds: the file then
says so (`"tiny": true`) and the plan prints that its times are not the recipe's.
4-bit bases are measured in bf16 (the file says `"quantized_4bit": false`); the plan applies its
stated 4-bit factor. Needs torch, transformers and peft; on CUDA the weights are bf16 under
autocast (adapters fp32, as PEFT keeps them), on a CPU float32.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

TINY_SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
TINY_VOCAB = 8192
PEAK_BF16 = 989e12  # the H200/H100 bf16 peak the measurement's mfu_vs_989T column is relative to


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="train.py --benchmark", description=__doc__.split("\n")[0])
    p.add_argument("--bundle", default=str(Path(__file__).resolve().parent), help="run bundle (default: this file's folder)")
    p.add_argument("--out", default=None, help="calibration file (default BUNDLE/calibration.json)")
    p.add_argument("--tiny", action="store_true", help="a 2-layer, 64-wide stand-in of the shape (CPU tests)")
    p.add_argument("--lengths", default=None, help="comma-separated sequence lengths (default: compute.json's length quantiles)")
    p.add_argument("--repeats", type=int, default=None, help="timed micro-steps per length after 2 warm-ups (default 5, --tiny 2)")
    p.add_argument("--device", default=None, help="cuda, cuda:N or cpu (default cuda when available)")
    p.add_argument("--batched", action="store_true", help="also time scoring at batch 16 and training at batch 8 (default on CUDA)")
    return p.parse_args(argv)


def fail(msg: str) -> int:
    print(f"benchmark: {msg}", file=sys.stderr)
    return 2


def read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(fail(f"{path}: no {what} (run inside a bundle written by `cci train plan`)"))
    except json.JSONDecodeError as e:
        raise SystemExit(fail(f"{path}: not JSON ({e})"))


def lengths_from(compute: dict, given: str | None) -> list[int]:
    if given:
        try:
            out = sorted({int(x) for x in given.split(",") if x.strip()})
        except ValueError:
            raise SystemExit(fail(f"--lengths {given}: expected comma-separated whole numbers"))
        if not out or out[0] < 2:
            raise SystemExit(fail(f"--lengths {given}: lengths must be ≥ 2"))
        return out
    q = compute.get("lengthQuantiles") or {}
    out = sorted({int(q[k]) for k in ("p10", "p50", "p90", "max") if isinstance(q.get(k), (int, float)) and q[k] >= 2})
    if not out:
        raise SystemExit(fail("compute.json has no lengthQuantiles; give --lengths"))
    return out


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    bundle = Path(args.bundle).resolve()
    run = read_json(bundle / "run.json", "run.json")
    compute = read_json(bundle / "compute.json", "compute.json")
    shape = compute.get("shape")
    if not isinstance(shape, dict):
        return fail(f"{bundle / 'compute.json'}: no shape (plan the bundle again with this version of cci)")
    lengths = lengths_from(compute, args.lengths)
    out = Path(args.out).resolve() if args.out else bundle / "calibration.json"
    if args.device == "cpu" and not args.tiny:  # before torch: the full shape would be built in RAM
        return fail(f"--device cpu without --tiny would build {run.get('model_id')}'s full shape in RAM (tens of GB); add --tiny for a CPU rehearsal")

    import torch
    import transformers
    import peft
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    dev = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = dev.startswith("cuda")
    if not cuda and not args.tiny:
        return fail(f"no CUDA device: {run.get('model_id')}'s full shape would be built in RAM (tens of GB); add --tiny for a CPU rehearsal, or calibrate on the GPU machine")
    repeats = args.repeats or (2 if args.tiny else 5)
    batched = args.batched or cuda
    dims = {k: shape[k] for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "vocab_size")}
    if args.tiny:
        dims.update(TINY_SHAPE, vocab_size=min(dims["vocab_size"], TINY_VOCAB))
    dtype = torch.bfloat16 if cuda else torch.float32
    if args.tiny and not cuda:
        torch.set_num_threads(1)  # a tiny model on a shared CPU: more threads only contend (10× slower here)

    def sync():
        if cuda:
            torch.cuda.synchronize(dev)

    torch.manual_seed(0)
    t_build = time.perf_counter()
    cfg = LlamaConfig(max_position_embeddings=max(4096, lengths[-1]), tie_word_embeddings=bool(shape.get("tie_word_embeddings", False)), use_cache=False, **dims)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(dev):
            model = LlamaForCausalLM(cfg)
    finally:
        torch.set_default_dtype(prev)
    n_params = sum(p.numel() for p in model.parameters())
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    lora = LoraConfig(task_type="CAUSAL_LM", r=run["lora_r"], lora_alpha=run["lora_alpha"], lora_dropout=run["lora_dropout"], target_modules=list(run["lora_target_modules"]))
    # The adapter's dtype as the bundle trains it (train.py adapter_dtypes; trl: PEFT's default upcast).
    from train import adapter_dtypes, peft_dtype_kwargs

    rule = run.get("adapter_dtype", "original")
    model = get_peft_model(model, lora, **(peft_dtype_kwargs() if rule != "trl" else {}))
    if rule != "trl":
        adapter_dtypes(model, rule)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=float(run.get("lr", 2e-4)), weight_decay=0.1)
    sync()
    entry = {
        "params": n_params,
        "lora_params": sum(p.numel() for p in trainable),
        "lora_dtype": str(trainable[0].dtype),
        "build_s": round(time.perf_counter() - t_build, 1),
        "shape": dims,
        "tiny": bool(args.tiny),
        "quantized_4bit": False,
        "dtype": str(dtype),
        "recipe": run.get("name"),
        "train": {},
        "score_b1": {},
    }
    print(f"benchmark: {run['model_id']} on {dev}: {n_params / 1e9:.3f} B parameters{' (--tiny)' if args.tiny else ''}, lengths {lengths}", flush=True)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda else (lambda: torch.autocast("cpu", enabled=False))
    V = dims["vocab_size"]

    def forward_backward(ids):
        labels = ids.clone()
        labels[:, : max(0, ids.shape[1] - 4)] = -100  # the target is the last few tokens, as in the recipes
        with autocast():
            loss = model(input_ids=ids, labels=labels, attention_mask=torch.ones_like(ids)).loss
        loss.backward()

    def timed(fn, n, warm):
        ts = []
        for i in range(warm + n):
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            if i >= warm:
                ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    def score(x):
        with torch.no_grad(), autocast():
            try:
                model(input_ids=x, attention_mask=torch.ones_like(x), logits_to_keep=1)
            except TypeError:  # transformers before logits_to_keep (4.41): all positions
                model(input_ids=x, attention_mask=torch.ones_like(x))

    for L in lengths:
        ids = torch.randint(0, V, (1, L), device=dev)
        model.train()
        if cuda:
            torch.cuda.reset_peak_memory_stats(dev)
        micro = timed(lambda: forward_backward(ids), repeats, 2)
        sync()
        t0 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        opt_s = time.perf_counter() - t0
        peak = torch.cuda.max_memory_allocated(dev) / 2**30 if cuda else None
        entry["train"][str(L)] = {"micro_s": round(micro, 5), "opt_s": round(opt_s, 5), "peak_GiB": peak and round(peak, 2), "mfu_vs_989T": round(6 * n_params * L / micro / PEAK_BF16, 4)}
        model.eval()
        x = torch.randint(0, V, (1, L), device=dev)
        entry["score_b1"][str(L)] = round(timed(lambda: score(x), max(2, repeats - 1), 1), 5)
        if batched:
            x16 = torch.randint(0, V, (16, L), device=dev)
            entry.setdefault("score_b16", {})[str(L)] = round(timed(lambda: score(x16), 2, 1) / 16, 5)
            model.train()
            ids8 = torch.randint(0, V, (8, L), device=dev)
            entry.setdefault("train_b8", {})[str(L)] = round(timed(lambda: forward_backward(ids8), 2, 1) / 8, 5)
            opt.zero_grad(set_to_none=True)
        print(f"benchmark:  L {L}: micro-step {micro:.4f} s, scoring {entry['score_b1'][str(L)]:.4f} s/example" + (f", batch 8 {entry['train_b8'][str(L)]:.4f} s/sequence" if batched else ""), flush=True)

    device_name = torch.cuda.get_device_name(torch.device(dev)) if cuda else "cpu"
    result = {
        "device": device_name,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "provenance": {"gpu": device_name, "stack": f"torch {torch.__version__}, transformers {transformers.__version__}, PEFT {peft.__version__}", "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "method": "train.py --benchmark (lib/train/python/benchmark.py): random weights in the recipe's shape, batch 1, median of the timed micro-steps", "source": str(out.name)},
        "shapes": {run["model_id"]: entry},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    print(f"benchmark: wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
