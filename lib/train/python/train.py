#!/usr/bin/env python3
"""Train one recipe of the winning entry exactly as its run/train.py did (cci-workbench SPEC §6a).

Run from a run bundle written by `cci train plan` (this file sits in the bundle's root):

    python train.py --model_id … --custom_dataset … --save_dir adapter --epoch 4 --lr 2e-4 \
        --gradient_accumulation_steps 64 [--load_in_4bit] --lora_r 16 --lora_alpha 32 \
        --lora_dropout 0.01 --lora_target_modules q_proj k_proj v_proj o_proj gate_proj up_proj down_proj lm_head

(the exact command is run.json's "argv"), with the pinned stack of requirements.txt.

    python3 train.py --check

validates the bundle with the standard library only (run.json keys, sha256 of every file, row
shapes, label masks) and exits 0 or 1. torch, transformers, peft, trl and datasets are imported
only on the training path.

What the training path does, point for point (SPEC §5, §6a):
  * re-tokenizes the bundled prompt rows with the model's own tokenizer: source =
    apply_chat_template(messages, add_generation_prompt=True), target tokenized with
    add_special_tokens=False, labels = -100 over the source; in train mode (train and dev) an
    example is skipped when its source is longer than tokenizer.model_max_length. When the bundle
    holds pre-tokenized rows, training is refused if any id differs, naming the first example;
  * AutoModelForCausalLM in bfloat16, device_map="auto", 4-bit NF4 double-quant with bf16 compute
    when --load_in_4bit; pad_token = eos_token;
  * get_peft_model(LoraConfig(...)) before the trainer, so TRL 0.9.4 neither prepares the model
    for k-bit training nor casts the adapter;
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
STATUS = "status.json"

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
    if run["engine"] not in ("faithful", "trl"):
        problems.append(f"run.json: engine: expected faithful or trl, got {run['engine']!r}")
    if run["save_dir"] != "adapter":
        problems.append(f"run.json: save_dir: expected \"adapter\", got {run['save_dir']!r}")
    if run["engine"] == "faithful":
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
    }
    return [f"--{k}: {getattr(args, k)!r}, run.json says {v!r}" for k, v in want.items() if getattr(args, k) != v]


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
# Training path: the pinned stack of requirements.txt.


def tokenize_split(tokenizer, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """src/data.py in train mode (SPEC §5): source ids, target ids, labels, the length rule."""
    kept, dropped = [], []
    for row in rows:
        source = tokenizer.apply_chat_template(row["messages"], add_generation_prompt=True)
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


def train(args: argparse.Namespace, bundle: Path, run: dict) -> None:
    import torch
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(args.model_id)
    tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token != run["eos"]:
        raise SystemExit(f"train: {args.model_id}'s eos is {tokenizer.eos_token!r} but the bundled targets end in {run['eos']!r}; plan again with this model's tokenizer (cci train plan --tokenizer DIR)")

    datasets = {}
    for split in SPLITS:
        rows = read_jsonl(bundle / "data" / f"{split}.jsonl")
        kept, dropped = tokenize_split(tokenizer, rows)
        print(f"train: {split}: {len(kept)} examples, {len(dropped)} skipped (prompt longer than model_max_length {tokenizer.model_max_length})", flush=True)
        bundled_path = bundle / "data" / f"{split}.tokens.jsonl"
        if bundled_path.is_file():
            diff = first_difference(kept, read_jsonl(bundled_path))
            if diff:
                raise SystemExit(f"train: data/{split}.tokens.jsonl: {diff}. The tokenizer used to plan differs from {args.model_id}'s; refusing to train")
        datasets[split] = Dataset.from_dict({"input_ids": [r["input_ids"] for r in kept], "labels": [r["labels"] for r in kept]})

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
        torch_dtype=torch.bfloat16,
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
        train(args, bundle, run)
    except BaseException as e:
        write_status(bundle, "failed", error=str(e)[:500])
        raise
    write_status(bundle, "done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
