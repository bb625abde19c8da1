#!/usr/bin/env python3
"""Train one recipe of the winning entry exactly as its run/train.py did (cci-workbench SPEC §6a).

Run from a run bundle written by `cci train plan` (this file sits in the bundle's root):

    python train.py --model_id … --custom_dataset … --save_dir adapter --epoch 4 --lr 2e-4 \
        --gradient_accumulation_steps 64 [--load_in_4bit] --lora_r 16 --lora_alpha 32 \
        --lora_dropout 0.01 --lora_target_modules q_proj k_proj v_proj o_proj gate_proj up_proj down_proj lm_head

(the exact command is run.json's "argv"), with the pinned stack of requirements.txt.

Engines (run.json "engine"; argv ends in `--engine E` for modern and fast):
  faithful  the pinned 2024 stack (requirements.txt): TRL 0.9.4's SFTTrainer, as the original;
  modern    current transformers/PEFT without TRL (requirements-modern.txt): plain
            transformers.Trainer pieces (optimizer, scheduler, evaluate) under a loop that replays
            transformers 4.41's update schedule on purpose (SPEC §6a: windows across epochs,
            training stops at max_steps), batch 1, the original collator, loss / 64 per micro-step;
  fast      the modern stack, the same windows, LoRA, learning rate and optimizer steps, but each
            window's examples sorted by length and run --micro_batch_size at a time (padding
            masked, loss = per-example mean / 64, so the objective is the original's); an
            approximation: only the floating-point order, batched kernels and dropout draws differ.
A small version-compatibility layer (chat_ids, dtype_kwargs, training_arguments) lets one file
serve transformers 4.41 and 4.57–5.x. stack.json (beside run.json) records which libraries ran.

    python3 train.py --check

validates the bundle with the standard library only (run.json keys, sha256 of every file, row
shapes, label masks) and exits 0 or 1. torch, transformers, peft, trl and datasets are imported
only on the training path.

What the training path does, point for point (SPEC §5, §6a):
  * re-tokenizes the bundled prompt rows with the model's own tokenizer: source =
    apply_chat_template(messages, add_generation_prompt=True), target tokenized with
    add_special_tokens=False, labels = -100 over the source (a tokenizer without a chat template
    gets the bundle's chat_template.legacy.jinja, planned with --template legacy, or is refused
    in one line); in train mode (train and dev) an
    example is skipped when its source is longer than tokenizer.model_max_length. When the bundle
    holds pre-tokenized rows, training is refused if any id differs, naming the first example;
  * AutoModelForCausalLM in bfloat16, device_map="auto", 4-bit NF4 double-quant with bf16 compute
    when --load_in_4bit; pad_token = eos_token;
  * get_peft_model(LoraConfig(...)) before the trainer, so TRL 0.9.4 neither prepares the model
    for k-bit training nor casts the adapter;
  * the adapter in the original's dtypes (--adapter_dtype original, the default): PEFT 0.11.1
    made each LoRA A/B in the dtype of its base layer's weight when that is floating point, so a
    bf16 recipe trains bf16 adapters (AdamW's states bf16 too), every lm_head LoRA is bf16, and a
    4-bit recipe's other adapters stay fp32 (their base weight is packed uint8). PEFT >= 0.12
    upcasts every adapter to fp32 unless told otherwise, and PEFT 0.21 casts a 4-bit layer's
    adapter to its compute dtype, so the rule is applied here explicitly (adapter_dtypes).
    --adapter_dtype fp32 (run.json "adapter_dtype") trains every adapter in fp32 instead — a
    documented deviation (lib/train/ENGINES.md);
  * the original collator: pad input_ids with pad_token_id, labels with -100, and
    attention_mask = input_ids != pad_token_id (every eos is masked out of attention);
  * SFTConfig with the original's values; trainer.train(), save_model(), then the adapter and the
    tokenizer saved to --save_dir.
It also logs one JSON line per optimizer step and per evaluation to metrics.jsonl and keeps
status.json (running / done / failed). Secrets such as HF_TOKEN are read from the environment by
huggingface_hub and never written.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import sys
import time
from pathlib import Path

IGNORE_INDEX = -100
SPLITS = ("train", "dev")
METRICS = "metrics.jsonl"
STACK = "stack.json"
ENGINES = ("faithful", "modern", "fast", "trl")
TRAIN_PY_ENGINES = ("faithful", "modern", "fast")
STATUS = "status.json"
LEGACY_TEMPLATE = "chat_template.legacy.jinja"  # lib/tokenize/legacy-templates.ts LEGACY_TEMPLATE_FILE
ADAPTER_DTYPES = ("original", "fp32")

# run.json keys this entrypoint relies on (notes/CONTRACT-runs.md), with their JSON types.
RUN_KEYS = {
    "name": str,
    "index": int,
    "model_id": str,
    "custom_dataset": str,
    "data": str,
    "mode": str,
    "lr": (int, float),
    "epoch": int,
    "gradient_accumulation_steps": int,
    "load_in_4bit": bool,
    "lora_r": int,
    "lora_alpha": int,
    "lora_dropout": (int, float),
    "lora_target_modules": list,
    "engine": str,
    "argv": list,
    "save_dir": str,
    "files": dict,
    "tokenizer": (dict, type(None)),
    "splits": dict,
    "eos": str,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The original's arguments (scripts/train_model_N.sh), plus --check and --bundle."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model_id", type=str)
    p.add_argument("--custom_dataset", type=str)
    p.add_argument("--save_dir", type=str, default="adapter")
    p.add_argument("--epoch", type=int, default=4)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--gradient_accumulation_steps", type=int, default=64)
    p.add_argument("--load_in_4bit", action="store_true")
    p.add_argument("--lora_r", type=int, default=16)
    p.add_argument("--lora_alpha", type=int, default=32)
    p.add_argument("--lora_dropout", type=float, default=0.01)
    p.add_argument("--lora_target_modules", type=str, nargs="+")
    p.add_argument("--engine", choices=TRAIN_PY_ENGINES, default="faithful", help="faithful (pinned stack, TRL 0.9.4), modern or fast (current stack, no TRL)")
    p.add_argument("--micro_batch_size", type=int, default=8, help="fast: sequences per micro-step (the window of 64 stays the same)")
    p.add_argument("--compile", action="store_true", help="fast: torch.compile the model (optional, experimental)")
    p.add_argument("--adapter_dtype", choices=ADAPTER_DTYPES, default="original", help="original: each LoRA in its base layer's dtype, as PEFT 0.11.1 (bf16 on bf16 layers, fp32 on 4-bit ones); fp32: every adapter fp32")
    p.add_argument("--check", action="store_true", help="validate the bundle (standard library only) and exit")
    p.add_argument("--bundle", type=str, default=str(Path(__file__).resolve().parent), help="bundle folder (default: this file's)")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------
# Bundle check: standard library only.


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path.name}: line {n}: not valid JSON ({e.msg})") from None
    return rows


def check_prompt_row(row: object, where: str) -> list[str]:
    if not isinstance(row, dict):
        return [f"{where}: not a JSON object"]
    problems = []
    if not isinstance(row.get("id"), str):
        problems.append(f"{where}: id: expected a string")
    msgs = row.get("messages")
    if not isinstance(msgs, list) or [m.get("role") if isinstance(m, dict) else None for m in msgs] != ["system", "user"]:
        problems.append(f"{where}: messages: expected [system, user] messages")
    elif not all(isinstance(m.get("content"), str) for m in msgs):
        problems.append(f"{where}: messages: content must be strings")
    if not isinstance(row.get("target"), str):
        problems.append(f"{where}: target: expected a string")
    return problems


def check_token_row(row: object, where: str) -> list[str]:
    """input_ids and labels: ints, same length, labels = -100 over a prefix then the ids themselves."""
    if not isinstance(row, dict):
        return [f"{where}: not a JSON object"]
    ids, labels = row.get("input_ids"), row.get("labels")
    if not isinstance(row.get("id"), str):
        return [f"{where}: id: expected a string"]
    if not isinstance(ids, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in ids):
        return [f"{where}: input_ids: expected a list of token ids"]
    if not isinstance(labels, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in labels):
        return [f"{where}: labels: expected a list of integers"]
    if len(ids) != len(labels):
        return [f"{where}: labels: {len(labels)} labels for {len(ids)} input_ids"]
    source = 0
    while source < len(labels) and labels[source] == IGNORE_INDEX:
        source += 1
    if source == 0:
        return [f"{where}: labels: the prompt is not masked (labels must start with -100)"]
    for i in range(source, len(labels)):
        if labels[i] != ids[i]:
            return [f"{where}: labels: position {i} is {labels[i]}, expected -100 over the prompt then the target ids ({ids[i]})"]
    return []


def load_rows(bundle: Path, rel: str, problems: list[str]) -> list[dict] | None:
    """A JSONL file of the bundle, or None with the problem noted."""
    if not (bundle / rel).is_file():
        problems.append(f"{rel}: missing")
        return None
    try:
        return read_jsonl(bundle / rel)
    except ValueError as e:
        problems.append(str(e))
        return None


def check_bundle(bundle: Path) -> tuple[dict | None, list[str]]:
    """Every problem of a bundle, as lines naming the file, row and field."""
    run_path = bundle / "run.json"
    try:
        run = json.loads(run_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return None, [f"run.json: cannot read ({e})"]
    if not isinstance(run, dict):
        return None, ["run.json: expected a JSON object"]
    problems = []
    for key, kind in RUN_KEYS.items():
        if key not in run:
            problems.append(f"run.json: {key}: missing")
        elif not isinstance(run[key], kind) or (kind is int and isinstance(run[key], bool)):
            problems.append(f"run.json: {key}: wrong type ({type(run[key]).__name__})")
    if problems:
        return run, problems
    if not 1 <= run["index"] <= 11:
        problems.append(f"run.json: index: {run['index']} is not 1–11")
    if run["data"] not in ("raw", "refined"):
        problems.append(f"run.json: data: expected raw or refined, got {run['data']!r}")
    if run["engine"] not in ENGINES:
        problems.append(f"run.json: engine: expected {', '.join(ENGINES)}, got {run['engine']!r}")
    if run["save_dir"] != "adapter":
        problems.append(f"run.json: save_dir: expected \"adapter\", got {run['save_dir']!r}")
    if run["engine"] in TRAIN_PY_ENGINES:
        problems += [f"run.json: argv: {m}" for m in argv_problems(run)]
    tok = run["tokenizer"]
    if tok is not None and not (isinstance(tok.get("dir"), str) and isinstance(tok.get("files"), dict)):
        problems.append("run.json: tokenizer: expected null or {dir, files}")

    for rel, digest in sorted(run["files"].items()):
        path = bundle / rel
        if not path.is_file():
            problems.append(f"{rel}: listed in run.json but missing")
        elif sha256_file(path) != digest:
            problems.append(f"{rel}: sha256 differs from run.json (the file changed after planning)")
    data_dir = bundle / "data"
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*")):
            rel = path.relative_to(bundle).as_posix()
            if path.is_file() and rel not in run["files"]:
                problems.append(f"{rel}: not listed in run.json files")

    for split in SPLITS:
        info = run["splits"].get(split)
        rel = f"data/{split}.jsonl"
        if not isinstance(info, dict):
            problems.append(f"run.json: splits.{split}: missing")
            continue
        rows = load_rows(bundle, rel, problems)
        if rows is None:
            continue
        for n, row in enumerate(rows, 1):
            problems += check_prompt_row(row, f"{rel}: line {n}")
            if isinstance(row, dict) and isinstance(row.get("target"), str) and row["target"] and not row["target"].endswith(run["eos"]):
                problems.append(f"{rel}: line {n} ({row.get('id')}): target does not end in the eos {run['eos']!r}")
        if len(rows) != info.get("rows"):
            problems.append(f"{rel}: {len(rows)} rows, run.json says {info.get('rows')}")
        ids = [r.get("id") for r in rows if isinstance(r, dict)]
        if len(set(ids)) != len(ids):
            problems.append(f"{rel}: repeated ids")
        tok_rel = f"data/{split}.tokens.jsonl"
        if (bundle / tok_rel).is_file():
            tokens = load_rows(bundle, tok_rel, problems)
            if tokens is None:
                continue
            for n, row in enumerate(tokens, 1):
                problems += check_token_row(row, f"{tok_rel}: line {n}")
            dropped = set(info.get("dropped") or [])
            kept = [i for i in ids if i not in dropped]
            got = [r.get("id") for r in tokens if isinstance(r, dict)]
            if got != kept:
                n = next((k for k, (a, b) in enumerate(zip(got, kept)) if a != b), min(len(got), len(kept)))
                problems.append(f"{tok_rel}: line {n + 1}: ids are not the kept prompt rows in order (expected {kept[n] if n < len(kept) else None!r})")
            if len(tokens) != info.get("kept"):
                problems.append(f"{tok_rel}: {len(tokens)} rows, run.json says {info.get('kept')} kept")
        elif tok is not None:
            problems.append(f"{tok_rel}: missing although run.json names a tokenizer")
    return run, problems


def run_check(bundle: Path) -> int:
    run, problems = check_bundle(bundle)
    if problems:
        for p in problems:
            print(f"check: {bundle.name}: {p}", file=sys.stderr)
        return 1
    s = run["splits"]
    print(f"check: {run['name']}: OK (train {s['train']['kept']}/{s['train']['rows']} rows, dev {s['dev']['kept']}/{s['dev']['rows']} rows, {len(run['files'])} files)")
    return 0


def args_match_run(args: argparse.Namespace, run: dict) -> list[str]:
    """The command line must be the planned one: a hand-edited launch is refused, not trained."""
    want = {
        "model_id": run["model_id"],
        "custom_dataset": run["custom_dataset"],
        "save_dir": run["save_dir"],
        "epoch": run["epoch"],
        "lr": float(run["lr"]),
        "gradient_accumulation_steps": run["gradient_accumulation_steps"],
        "load_in_4bit": run["load_in_4bit"],
        "lora_r": run["lora_r"],
        "lora_alpha": run["lora_alpha"],
        "lora_dropout": float(run["lora_dropout"]),
        "lora_target_modules": run["lora_target_modules"],
        "engine": run["engine"],
        "adapter_dtype": run.get("adapter_dtype", "original"),  # bundles planned before the switch: the original's
    }
    bad = [f"--{k}: {getattr(args, k)!r}, run.json says {v!r}" for k, v in want.items() if getattr(args, k) != v]
    if not bad and run["argv"][1:2] == ["train.py"]:
        # Options without a run.json field of their own: as run.json's argv has them.
        try:
            planned = parse_args([str(a) for a in run["argv"][2:]])
        except SystemExit:
            return bad
        bad += [f"--{k}: {getattr(args, k)!r}, run.json's argv says {getattr(planned, k)!r}" for k in ("micro_batch_size", "compile") if getattr(args, k) != getattr(planned, k)]
    return bad


def argv_problems(run: dict) -> list[str]:
    """run.json's argv must be `python train.py` with the arguments its own fields say."""
    argv = run["argv"]
    if argv[1:2] != ["train.py"]:
        return [f"expected python train.py …, got {argv[:2]!r}"]
    try:
        args = parse_args([str(a) for a in argv[2:]])
    except SystemExit:
        return ["train.py does not accept these arguments"]
    return args_match_run(args, run)


def write_status(bundle: Path, state: str, **extra: object) -> None:
    status = {"state": state, "pid": os.getpid(), "host": socket.gethostname(), "time": time.time(), **extra}
    tmp = bundle / f".{STATUS}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(status) + "\n", encoding="utf-8")
    os.replace(tmp, bundle / STATUS)


# ---------------------------------------------------------------------------------------------
# Version compatibility: what changed between transformers 4.41 and 5.x, in one place.


def version_tuple(v: str | None) -> tuple[int, ...]:
    """'4.41.1' → (4, 41, 1); a stand-in module without __version__ counts as the pinned 4.41."""
    import re

    return tuple(int(x) for x in re.findall(r"\d+", v or "4.41.1")[:3])


def chat_ids(tokenizer, messages: list[dict]) -> list[int]:
    """Source ids of SPEC §5. transformers >= 5 returns a BatchEncoding unless told otherwise;
    return_dict=False (accepted since 4.3x) asks every version for the plain list of ids."""
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=False)
    if isinstance(ids, dict) or hasattr(ids, "keys"):  # a BatchEncoding all the same
        ids = ids["input_ids"]
    return list(ids)


def dtype_kwargs(transformers_version: str | None, dtype) -> dict:
    """from_pretrained's dtype argument: `torch_dtype` up to 4.55, `dtype` from 4.56 (5.x warns on the old name)."""
    return {"dtype": dtype} if version_tuple(transformers_version) >= (4, 56) else {"torch_dtype": dtype}


def library_versions() -> dict:
    """Installed versions of the stack, read from package metadata (nothing imported)."""
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "bitsandbytes"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_stack(bundle: Path, engine: str, **extra: object) -> None:
    """stack.json: which engine and libraries trained this bundle (run.json says what was planned)."""
    stack = {"engine": engine, "libraries": library_versions(), **extra}
    tmp = bundle / f".{STACK}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(stack, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, bundle / STACK)


# ---------------------------------------------------------------------------------------------
# Adapter dtype (SPEC §6a).


def peft_dtype_kwargs() -> dict:
    """get_peft_model's autocast_adapter_dtype=False where PEFT has it (>= 0.12): no blanket fp32 upcast."""
    import inspect

    from peft import get_peft_model

    return {"autocast_adapter_dtype": False} if "autocast_adapter_dtype" in inspect.signature(get_peft_model).parameters else {}


def adapter_dtypes(model, choice: str) -> dict:
    """Set every LoRA weight's dtype and return {module suffix: dtype name} (what stack.json records).

    original: PEFT 0.11.1's rule (LoraLayer.update_layer: `self.to(weight.device, dtype=weight.dtype)`
    when the base weight is floating point): a bf16 layer's LoRA is bf16, a 4-bit layer's (packed
    uint8 weight) stays fp32 as created. Stated here rather than left to the installed PEFT: 0.12+
    upcasts to fp32 by default and 0.21 casts a 4-bit layer's LoRA to its bf16 compute dtype.
    fp32: every LoRA weight fp32 (PEFT >= 0.12's default; a deviation from the original)."""
    import torch

    if choice not in ADAPTER_DTYPES:
        raise SystemExit(f"train: --adapter_dtype {choice!r}: expected {' or '.join(ADAPTER_DTYPES)}")
    seen: dict[str, str] = {}
    for name, module in model.named_modules():
        if not (hasattr(module, "lora_A") and hasattr(module, "get_base_layer")):
            continue
        base = module.get_base_layer().weight
        dtype = torch.float32 if choice == "fp32" or not base.dtype.is_floating_point else base.dtype
        for part in ("lora_A", "lora_B"):
            for p in getattr(module, part).parameters():
                p.data = p.data.to(dtype)
        short = name.rsplit(".", 1)[-1]
        kind = str(dtype).replace("torch.", "")
        if seen.setdefault(short, kind) != kind:
            seen[short] = "mixed"
    return dict(sorted(seen.items()))


# ---------------------------------------------------------------------------------------------
# Training path: the pinned stack of requirements.txt.


def tokenize_split(tokenizer, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """src/data.py in train mode (SPEC §5): source ids, target ids, labels, the length rule."""
    kept, dropped = [], []
    for row in rows:
        source = chat_ids(tokenizer, row["messages"])
        target = tokenizer(row["target"], return_attention_mask=False, add_special_tokens=False)["input_ids"] if row["target"] else []
        if len(source) > tokenizer.model_max_length:
            dropped.append(row["id"])
            continue
        kept.append({"id": row["id"], "input_ids": list(source) + list(target), "labels": [IGNORE_INDEX] * len(source) + list(target)})
    return kept, dropped


def first_difference(ours: list[dict], bundled: list[dict]) -> str | None:
    """None when the re-tokenized rows equal the bundled ones; else a line naming the first example that differs."""
    for a, b in zip(ours, bundled):
        if a["id"] != b["id"]:
            return f"example {b['id']}: kept by the planner but not here (or the reverse: {a['id']})"
        for field in ("input_ids", "labels"):
            if a[field] != b[field]:
                pos = next((i for i, (x, y) in enumerate(zip(a[field], b[field])) if x != y), min(len(a[field]), len(b[field])))
                return f"example {a['id']}: {field} differ at position {pos} (here {len(a[field])} tokens, bundled {len(b[field])})"
    if len(ours) != len(bundled):
        return f"{len(ours)} examples kept here, {len(bundled)} bundled"
    return None


class DataCollatorForSupervisedDataset:
    """The original's collator: pad ids with pad_token_id and labels with -100; attention_mask =
    input_ids != pad_token_id, so every eos token (pad = eos) is masked out of attention."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, instances):
        import torch

        input_ids, labels = tuple([torch.tensor(i[key]) for i in instances] for key in ("input_ids", "labels"))
        input_ids = torch.nn.utils.rnn.pad_sequence(input_ids, batch_first=True, padding_value=self.tokenizer.pad_token_id)
        labels = torch.nn.utils.rnn.pad_sequence(labels, batch_first=True, padding_value=IGNORE_INDEX)
        return dict(input_ids=input_ids, labels=labels, attention_mask=input_ids.ne(self.tokenizer.pad_token_id))


def metrics_callback(path: Path):
    """A TrainerCallback writing one JSON line per optimizer step and per evaluation."""
    from transformers import TrainerCallback

    class MetricsCallback(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.t0 = time.time()
            path.write_text("", encoding="utf-8")

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if "loss" not in logs and "eval_loss" not in logs:
                return  # the end-of-training summary
            line = {
                "step": state.global_step,
                "epoch": state.epoch,
                "loss": logs.get("loss"),
                "eval_loss": logs.get("eval_loss"),
                "learning_rate": logs.get("learning_rate"),
                "grad_norm": logs.get("grad_norm"),
                "tokens": getattr(state, "num_input_tokens_seen", None),
                "elapsed": round(time.time() - getattr(self, "t0", time.time()), 3),
                "max_steps": state.max_steps,
            }
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    return MetricsCallback()


def settle_chat_template(tokenizer, bundle: Path, model_id: str) -> None:
    """One rule with `cci train plan` (lib/tokenize/load.ts): the tokenizer's own chat template;
    else the legacy class default the plan rendered with (--template legacy), bundled as
    LEGACY_TEMPLATE because today's transformers has no class defaults (4.41 had, and would have
    used the same text); else a refusal in one line, before any weights are loaded. Set on the
    tokenizer, the template is also saved with the adapter, so scoring renders the same ids."""
    if getattr(tokenizer, "chat_template", None):
        return
    legacy = bundle / LEGACY_TEMPLATE
    if legacy.is_file():
        tokenizer.chat_template = legacy.read_text(encoding="utf-8")
        print(f"train: {model_id}'s tokenizer has no chat template: using the plan's legacy default ({LEGACY_TEMPLATE})", flush=True)
        return
    raise SystemExit(f"train: {model_id}'s tokenizer has no chat template; plan again with --tokenizer DIR --template legacy "
                     "(transformers 4.41's class default, as the original rendered it) or give a tokenizer with its own template")


def load_tokenizer(args: argparse.Namespace, run: dict, bundle: Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_id)
    settle_chat_template(tokenizer, bundle, args.model_id)
    tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token != run["eos"]:
        raise SystemExit(f"train: {args.model_id}'s eos is {tokenizer.eos_token!r} but the bundled targets end in {run['eos']!r}; plan again with this model's tokenizer (cci train plan --tokenizer DIR)")
    return tokenizer


def tokenized_splits(args: argparse.Namespace, bundle: Path, tokenizer) -> dict[str, list[dict]]:
    """Each split re-tokenized by the model's tokenizer and checked against the bundled ids."""
    out = {}
    for split in SPLITS:
        rows = read_jsonl(bundle / "data" / f"{split}.jsonl")
        kept, dropped = tokenize_split(tokenizer, rows)
        print(f"train: {split}: {len(kept)} examples, {len(dropped)} skipped (prompt longer than model_max_length {tokenizer.model_max_length})", flush=True)
        bundled_path = bundle / "data" / f"{split}.tokens.jsonl"
        if bundled_path.is_file():
            diff = first_difference(kept, read_jsonl(bundled_path))
            if diff:
                raise SystemExit(f"train: data/{split}.tokens.jsonl: {diff}. The tokenizer used to plan differs from {args.model_id}'s; refusing to train")
        out[split] = kept
    return out


def train(args: argparse.Namespace, bundle: Path, run: dict) -> None:
    import torch
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    import transformers
    import trl
    from trl import SFTConfig, SFTTrainer

    if getattr(trl, "__version__", None) is not None and version_tuple(trl.__version__)[:2] != (0, 9):
        raise SystemExit(f"train: the faithful engine runs the pinned stack (requirements.txt: TRL 0.9.4), found TRL {trl.__version__}; "
                         "plan with --engine modern (or fast) for the current stack (requirements-modern.txt)")
    tokenizer = load_tokenizer(args, run, bundle)
    splits = tokenized_splits(args, bundle, tokenizer)
    datasets = {split: Dataset.from_dict({"input_ids": [r["input_ids"] for r in kept], "labels": [r["labels"] for r in kept]}) for split, kept in splits.items()}

    quantization_config = None
    if args.load_in_4bit:
        quantization_config = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_use_double_quant=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    model = AutoModelForCausalLM.from_pretrained(
        args.model_id,
        **dtype_kwargs(getattr(transformers, "__version__", None), torch.bfloat16),
        device_map="auto",
        quantization_config=quantization_config,
    )
    lora_config = LoraConfig(
        task_type="CAUSAL_LM",
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=args.lora_target_modules,
    )
    model = get_peft_model(model, lora_config)
    dtypes = adapter_dtypes(model, args.adapter_dtype)
    write_stack(bundle, "faithful", adapter_dtype=args.adapter_dtype, adapter_dtypes=dtypes)
    model.print_trainable_parameters()

    training_args = SFTConfig(
        output_dir=args.save_dir,
        overwrite_output_dir=True,
        do_train=True,
        do_eval=True,
        eval_strategy="epoch",
        per_device_train_batch_size=1,
        per_device_eval_batch_size=1,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.lr,
        weight_decay=0.1,
        num_train_epochs=args.epoch,
        max_steps=-1,
        lr_scheduler_type="cosine",
        warmup_steps=20,
        neftune_noise_alpha=None,
        logging_steps=1,
        log_level="info",
        save_strategy="no",
        bf16=True,
        gradient_checkpointing=True,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        max_seq_length=1024,
        packing=True,
        seed=42,
        # Bookkeeping only (not in the original): counts input tokens for metrics.jsonl.
        include_num_input_tokens_seen=True,
    )
    trainer = SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=datasets["train"],
        eval_dataset=datasets["dev"],
        data_collator=DataCollatorForSupervisedDataset(tokenizer),
        tokenizer=tokenizer,
        callbacks=[metrics_callback(bundle / METRICS)],
    )
    trainer.train()
    trainer.save_model()
    model.save_pretrained(args.save_dir)
    tokenizer.save_pretrained(args.save_dir)


# ---------------------------------------------------------------------------------------------
# Training path: modern and fast (current transformers/PEFT, no TRL).


def replay_schedule(n: int, epochs: int, ga: int, order) -> tuple[list[tuple], int]:
    """transformers 4.41's loop (SPEC §6a; lib/train/schedule.ts replays the same), as events:
    ("example", epoch, index) forwards one example into the current window, ("update",) steps the
    optimizer, ("eval", epoch) evaluates at an epoch's end. The sample counter runs across epochs,
    an epoch's last partial window updates only when the epoch has at most `ga` examples, and
    training stops at max_steps = ceil(epochs · max(n // ga, 1)). order(epoch) gives the shuffle."""
    max_steps = int(epochs * max(n // ga, 1) + 0.999999)
    events, total, step = [], 0, 0
    for epoch in range(epochs):
        stop = False
        idx = order(epoch)
        for k in range(n):
            total += 1
            events.append(("example", epoch, idx[k]))
            if total % ga == 0 or (n <= ga and k + 1 == n):
                events.append(("update",))
                step += 1
                if step >= max_steps:
                    stop = True
                    break
        events.append(("eval", epoch))
        if stop:
            break
    return events, max_steps


def schedule_summary(events: list[tuple], n: int) -> dict:
    """The replayed schedule in compute.json's terms (maxSteps, realSteps, stepsPerEpoch, …)."""
    steps, seen, epoch, ex = [], [], -1, 0
    for e in events:
        if e[0] == "example":
            if e[1] != epoch:
                epoch = e[1]
                steps.append(0)
                seen.append(0)
            seen[-1] += 1
        elif e[0] == "update":
            steps[-1] += 1
    return {"examples": n, "realSteps": sum(steps), "stepsPerEpoch": steps, "examplesPerEpoch": seen, "unseenInLastEpoch": n - (seen[-1] if seen else 0)}


def check_planned_schedule(bundle: Path, summary: dict) -> None:
    """The planner's schedule (compute.json, from lib/train/schedule.ts) must be the one replayed here."""
    try:
        planned = json.loads((bundle / "compute.json").read_text(encoding="utf-8"))["schedule"]
    except (OSError, KeyError, json.JSONDecodeError):
        return
    for key in ("examples", "realSteps", "stepsPerEpoch", "examplesPerEpoch", "unseenInLastEpoch"):
        if key in planned and planned[key] != summary[key]:
            raise SystemExit(f"train: compute.json: schedule.{key} is {planned[key]!r} but this run replays {summary[key]!r}; plan again (cci train plan) with the tokenizer used here")


def micro_batches(window: list[dict], size: int) -> list[list[dict]]:
    """fast: a window's examples sorted by length (longest first), `size` at a time."""
    ordered = sorted(window, key=lambda r: -len(r["input_ids"]))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def per_example_loss(model, batch: dict, logits_positions: bool = True):
    """Mean token cross-entropy of each row over its labelled positions (padding and prompt are
    -100), computing logits only where a label is predicted when the model supports it."""
    import torch
    import torch.nn.functional as F

    labels = batch["labels"][:, 1:]
    wanted = (labels != IGNORE_INDEX).any(0).nonzero().squeeze(1)
    kwargs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    logits = None
    if logits_positions:
        try:
            logits = model(**kwargs, logits_to_keep=wanted).logits  # [B, len(wanted), V]
            labels = labels[:, wanted]
        except TypeError:  # an architecture without logits_to_keep: every position's logits
            logits = None
    if logits is None:
        logits = model(**kwargs).logits[:, :-1]
    ce = F.cross_entropy(logits.float().transpose(1, 2), labels, ignore_index=IGNORE_INDEX, reduction="none")
    counts = (labels != IGNORE_INDEX).sum(1).clamp(min=1)
    return ce.sum(1) / counts


def training_arguments(transformers_version: str | None, use_cuda: bool, **kw):
    """TrainingArguments with the original's values; CPU needs use_cpu for bf16 (transformers 5)."""
    import dataclasses

    from transformers import TrainingArguments

    fields = {f.name for f in dataclasses.fields(TrainingArguments)}
    if not use_cuda and "use_cpu" in fields:
        kw["use_cpu"] = True
    dropped = sorted(k for k in kw if k not in fields)
    if dropped:
        print(f"train: TrainingArguments of transformers {transformers_version} has no {', '.join(dropped)}; left out", flush=True)
    return TrainingArguments(**{k: v for k, v in kw.items() if k in fields})


def train_modern(args: argparse.Namespace, bundle: Path, run: dict) -> None:
    """modern and fast: the original's semantics on the current stack, without TRL."""

    import torch
    import transformers
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Trainer

    fast = args.engine == "fast"
    tv = transformers.__version__
    use_cuda = torch.cuda.is_available()
    transformers.set_seed(42)
    tokenizer = load_tokenizer(args, run, bundle)
    splits = tokenized_splits(args, bundle, tokenizer)
    train_rows, dev_rows = ([{"input_ids": r["input_ids"], "labels": r["labels"]} for r in splits[s]] for s in SPLITS)

    quantization_config = None
    if args.load_in_4bit:
        quantization_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_use_double_quant=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    model = AutoModelForCausalLM.from_pretrained(args.model_id, **dtype_kwargs(tv, torch.bfloat16), device_map="auto" if use_cuda else None, quantization_config=quantization_config)
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, target_modules=args.lora_target_modules), **peft_dtype_kwargs())
    dtypes = adapter_dtypes(model, args.adapter_dtype)
    model.print_trainable_parameters()
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    peft_model = model  # what is saved; `model` is what runs (compiled with --compile)
    if fast and args.compile:
        model = torch.compile(model)

    targs = training_arguments(
        tv, use_cuda, output_dir=args.save_dir, do_train=True, do_eval=True, eval_strategy="epoch",
        per_device_train_batch_size=1, per_device_eval_batch_size=1, gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.lr, weight_decay=0.1, num_train_epochs=args.epoch, max_steps=-1, lr_scheduler_type="cosine",
        warmup_steps=20, logging_steps=1, log_level="info", save_strategy="no", bf16=True, seed=42, optim="adamw_torch",
        max_grad_norm=1.0, report_to="none", remove_unused_columns=False, disable_tqdm=True,
    )
    collator = DataCollatorForSupervisedDataset(tokenizer)
    trainer = Trainer(model=peft_model, args=targs, train_dataset=train_rows, eval_dataset=dev_rows, data_collator=collator)

    ga, n = args.gradient_accumulation_steps, len(train_rows)
    gen = torch.Generator().manual_seed(42)
    orders = [torch.randperm(n, generator=gen).tolist() for _ in range(args.epoch)]
    events, max_steps = replay_schedule(n, args.epoch, ga, lambda e: orders[e])
    summary = {"maxSteps": max_steps, **schedule_summary(events, n)}
    check_planned_schedule(bundle, summary)
    trainer.create_optimizer_and_scheduler(num_training_steps=max_steps)
    optimizer, scheduler = trainer.optimizer, trainer.lr_scheduler
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    device = next(p.device for p in peft_model.parameters())
    autocast = lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)  # bf16=True: mixed precision as the Trainer ran it
    write_stack(bundle, args.engine, device=str(device), gpu=torch.cuda.get_device_name(0) if use_cuda else None, schedule=summary,
                micro_batch_size=args.micro_batch_size if fast else 1, compile=bool(fast and args.compile), loss="per-example mean / gradient_accumulation_steps",
                adapter_dtype=args.adapter_dtype, adapter_dtypes=dtypes)

    metrics = bundle / METRICS
    metrics.write_text("", encoding="utf-8")
    t0 = time.time()
    state = {"step": 0, "tokens": 0, "window": [], "seen": [0] * args.epoch}

    def log(**line):
        base = {"step": state["step"], "epoch": None, "loss": None, "eval_loss": None, "learning_rate": None, "grad_norm": None,
                "tokens": state["tokens"], "elapsed": round(time.time() - t0, 3), "max_steps": max_steps}
        with open(metrics, "a", encoding="utf-8") as f:
            f.write(json.dumps({**base, **line}) + "\n")

    def to_device(batch):
        return {k: v.to(device) for k, v in batch.items()}

    def evaluate(epoch: int) -> float:
        if not fast:
            loss = trainer.evaluate()["eval_loss"]
            model.train()  # evaluate() leaves the model in eval mode; 4.41's training_step set train mode each step
            return loss
        model.eval()
        with torch.no_grad(), autocast():
            losses = [per_example_loss(model, to_device(collator(b))) for b in micro_batches(dev_rows, args.micro_batch_size)]
        model.train()
        return float(torch.cat(losses).mean())

    model.train()
    window_loss, epoch_now = 0.0, 0
    for ev in events:
        if ev[0] == "example":
            epoch_now = ev[1]
            state["seen"][ev[1]] += 1
            row = train_rows[ev[2]]
            state["tokens"] += len(row["input_ids"])
            if fast:
                state["window"].append(row)
                continue
            with autocast():
                loss = model(**to_device(collator([row]))).loss
            (loss / ga).backward()
            window_loss += float(loss.detach()) / ga
        elif ev[0] == "update":
            if fast:
                for mb in micro_batches(state["window"], args.micro_batch_size):
                    with autocast():
                        loss = per_example_loss(model, to_device(collator(mb))).sum() / ga
                    loss.backward()
                    window_loss += float(loss.detach())
                state["window"] = []
            grad_norm = float(torch.nn.utils.clip_grad_norm_(trainable, 1.0))
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            log(epoch=round(epoch_now + state["seen"][epoch_now] / n, 4), loss=window_loss, learning_rate=scheduler.get_last_lr()[0], grad_norm=grad_norm)
            print(f"train: step {state['step']}/{max_steps} loss {window_loss:.4f}", flush=True)
            window_loss = 0.0
        else:
            eval_loss = evaluate(ev[1])
            log(epoch=round(ev[1] + state["seen"][ev[1]] / n, 4), eval_loss=eval_loss)
            print(f"train: epoch {ev[1] + 1} eval_loss {eval_loss:.4f}", flush=True)
    if state["step"] != max_steps:
        raise SystemExit(f"train: {state['step']} optimizer steps made, {max_steps} planned")
    peft_model.save_pretrained(args.save_dir)
    tokenizer.save_pretrained(args.save_dir)


def main(argv: list[str]) -> int:
    if "--benchmark" in argv:  # calibration, not training: benchmark.py beside this file (cci train calibrate)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import benchmark
        return benchmark.main([a for a in argv if a != "--benchmark"])
    args = parse_args(argv)
    bundle = Path(args.bundle).resolve()
    if args.check:
        return run_check(bundle)
    run, problems = check_bundle(bundle)
    if problems:
        for p in problems:
            print(f"train: {bundle.name}: {p}", file=sys.stderr)
        return 1
    mismatch = args_match_run(args, run)
    if mismatch:
        for m in mismatch:
            print(f"train: {bundle.name}: {m}", file=sys.stderr)
        return 1
    os.chdir(bundle)  # save_dir and the trainer's output_dir are relative to the bundle
    write_status(bundle, "running")
    try:
        if args.engine == "faithful":
            write_stack(bundle, "faithful")  # rewritten with the adapter's dtypes once the model is built
            train(args, bundle, run)
        else:
            train_modern(args, bundle, run)
    except BaseException as e:
        write_status(bundle, "failed", error=str(e)[:500])
        raise
    write_status(bundle, "done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
