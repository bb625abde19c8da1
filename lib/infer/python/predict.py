#!/usr/bin/env python3
"""Faithful scoring of one training run bundle, as the original's run/test.py (SPEC §7).

Loads the base model (4-bit NF4 with double quantisation and bf16 compute where run.json says
load_in_4bit, else bf16) plus the LoRA adapter from {bundle}/adapter, then scores one example
at a time (batch 1, no padding): one forward pass over the prompt only, the logits of the
tokens "A", "B", "C" at the last position, softmax over those three, argmax (exact ties -> A,
as np.argmax). The answer is decided as the original decided it: run/test.py's
torch.tensor([...]) of three bf16 scalars stays bf16, so its softmax ran in bf16 and ties made by
bf16 rounding of the probabilities also went to A (--softmax bf16, the default); --softmax float64
decides on the exact probabilities instead. The sidecar always holds the float64 probabilities,
and {bundle}/predict/{name}.scoring.json records which softmax decided and every example where
the two disagree. Writes

  OUT            the raw split file with each "output" filled, as Python
                 json.dump(ensure_ascii=False, indent=4) -- no trailing newline;
  OUT.probs      {name}.probs.json beside it: {"<id>": [p1, p2, p3], ...} in file order.

The prompts come from `cci predict` (INPUTS: one JSON object per line, {"id", "input_ids"} --
the chat template with the generation prompt, rendered and tokenized exactly as training did),
or, for rows carrying {"id", "messages"} instead, from tokenizer.apply_chat_template as the
original did.

  python3 predict.py --check [--bundle DIR --inputs FILE --base-file FILE --answer-ids A,B,C]
      validates the arguments and files with the standard library only (no torch);
  python3 predict.py --bundle DIR --inputs FILE --base-file FILE --out FILE --answer-ids A,B,C
      scores (needs the pinned stack of the bundle's requirements.txt and a GPU).

Secrets (HF_TOKEN for gated bases) come from the environment; nothing is written or logged.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

ANSWERS = ("inference_1", "inference_2", "inference_3")
LETTERS = ("A", "B", "C")
# run.json keys scoring reads, with a check each (the run-bundle contract guarantees more).
RUN_KEYS = {
    "name": lambda v: isinstance(v, str) and v != "",
    "model_id": lambda v: isinstance(v, str) and v != "",
    "load_in_4bit": lambda v: isinstance(v, bool),
    "save_dir": lambda v: isinstance(v, str) and v != "",
}
EXIT_INPUT = 2
EXIT_STACK = 3


class InputError(Exception):
    """Bad input: reported as one line, no traceback."""


def file_sha256(path):
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file")
    except ValueError as e:
        raise InputError(f"{path}: not valid JSON ({e})")


def read_run(bundle):
    path = os.path.join(bundle, "run.json")
    run = read_json(path)
    if not isinstance(run, dict):
        raise InputError(f"{path}: expected a JSON object")
    for key, ok in RUN_KEYS.items():
        if key not in run:
            raise InputError(f"{path}: {key}: missing")
        if not ok(run[key]):
            raise InputError(f"{path}: {key}: unexpected value {run[key]!r}")
    return run


def read_inputs(path):
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file")
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise InputError(f"{path}: line {n}: not valid JSON ({e})")
            where = f"{path}: line {n}"
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                raise InputError(f"{where}: id: expected a string")
            where = f"{path}: example {row['id']}"
            ids = row.get("input_ids")
            if ids is not None:
                if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
                    raise InputError(f"{where}: input_ids: expected a non-empty list of token ids")
            elif not isinstance(row.get("messages"), list):
                raise InputError(f"{where}: expected input_ids (or messages)")
            rows.append(row)
    if not rows:
        raise InputError(f"{path}: no examples")
    return rows


def parse_answer_ids(text):
    try:
        ids = [int(x) for x in text.split(",")]
    except ValueError:
        ids = []
    if len(ids) != 3 or any(i < 0 for i in ids) or len(set(ids)) != 3:
        raise InputError(f"--answer-ids {text}: expected three distinct token ids, e.g. 32,33,34")
    return ids


def check_alignment(base, base_path, inputs, inputs_path):
    if not isinstance(base, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in base):
        raise InputError(f"{base_path}: expected a JSON array of examples with ids")
    if len(base) != len(inputs):
        raise InputError(f"{inputs_path}: {len(inputs)} prompts but {base_path} has {len(base)} examples")
    for i, (ex, row) in enumerate(zip(base, inputs)):
        if ex["id"] != row["id"]:
            raise InputError(f"{inputs_path}: line {i + 1}: id {row['id']} but {base_path} has {ex['id']} there")


def softmax3(scores):
    """Softmax over three scores in float64, shifted by the maximum."""
    m = max(scores)
    e = [math.exp(s - m) for s in scores]
    z = sum(e)
    return [x / z for x in e]


SOFTMAXES = ("bf16", "float64")


def softmax3_bf16(scores):
    """The original's softmax (SPEC §7): torch.softmax over a bf16 tensor of the three logits (on
    the CPU, where torch.tensor puts it), then cast to float32 — torch itself where it is installed
    (scoring always has it), else softmax3_bf16_stdlib (the standard-library checks and tests)."""
    try:
        import torch
    except ImportError:
        return softmax3_bf16_stdlib(scores)
    return [float(x) for x in torch.softmax(torch.tensor(scores, dtype=torch.bfloat16), dim=0).to(torch.float32)]


def _f32(x):
    """x rounded to float32 (round to nearest even)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _bf16(x):
    """A float32 value rounded to bfloat16 (round to nearest even), as torch's .to(torch.bfloat16)."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def softmax3_bf16_stdlib(scores):
    """torch's CPU softmax of a bf16 tensor, restated: float32 max, exp(x - max) and sum, times
    1/sum, each result rounded to bf16. test/real-engines.test.ts checks it equals torch's."""
    xs = [_f32(s) for s in scores]
    m = max(xs)
    e = [_f32(math.exp(_f32(x - m))) for x in xs]
    inv = _f32(1.0 / _f32(_f32(e[0] + e[1]) + e[2]))
    return [_bf16(_f32(v * inv)) for v in e]


def decide(scores, softmax="bf16"):
    """The answer index: argmax (ties -> A) over the bf16 softmax (the original's) or the float64 one."""
    if softmax not in SOFTMAXES:
        raise InputError(f"--softmax {softmax}: expected {' or '.join(SOFTMAXES)}")
    return argmax_first(softmax3_bf16(scores) if softmax == "bf16" else softmax3(scores))


def argmax_first(values):
    """np.argmax: the first index of the largest value (exact ties -> A)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def prediction_text(examples):
    """Python json.dump(..., ensure_ascii=False, indent=4): the original's form, no final newline."""
    return json.dumps(examples, ensure_ascii=False, indent=4)


def probs_text(ids, rows):
    """The sidecar cci reads: one "id": [p1, p2, p3] line per example, in file order."""
    lines = [f"  {json.dumps(i, ensure_ascii=False)}: [{', '.join(repr(float(p)) for p in row)}]" for i, row in zip(ids, rows)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def probs_path(out):
    return (out[:-5] if out.lower().endswith(".json") else out) + ".probs.json"


def write_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def journal_path(out):
    return (out[:-5] if out.lower().endswith(".json") else out) + ".journal.jsonl"


class Journal:
    """Resume for a long GPU run, in the format cci's own journal uses: a header line, then one
    {"id", "scores"} line per scored example, appended as soon as it is known. A killed run is
    continued without rescoring; a journal of other inputs is refused; a torn last line is ignored."""

    def __init__(self, path, fingerprint, fresh=False):
        self.path = path
        self.done = {}
        header = {"journal": "cci-predict", "fingerprint": fingerprint}
        if fresh and os.path.exists(path):
            os.remove(path)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            try:
                first = json.loads(lines[0])
            except ValueError:
                first = None
            if not isinstance(first, dict) or first.get("journal") != "cci-predict":
                raise InputError(f"{path}: not a cci predict journal (delete it, or pass --fresh)")
            if first.get("fingerprint") != fingerprint:
                raise InputError(f"{path}: journal of a different run; pass --fresh to start over")
            for line in lines[1:]:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("id"), str) and isinstance(row.get("scores"), list) and len(row["scores"]) == 3:
                    self.done[row["id"]] = row["scores"]
            if lines[-1] != "":
                with open(path, "a", encoding="utf-8") as f:
                    f.write("\n")
        else:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(header) + "\n")

    def record(self, id_, scores):
        self.done[id_] = scores
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": id_, "scores": scores}) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def remove(self):
        if os.path.exists(self.path):
            os.remove(self.path)


def dtype_kwarg(dtype):
    """`dtype=` from transformers 4.56 on (`torch_dtype=` is deprecated there), `torch_dtype=` before."""
    import transformers

    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


def batched_logits(forward, prompt_ids, inputs, batch_size, journal_done=lambda: {}):
    """last_logits(row) for score_rows: batch 1 calls forward per row (the original); batch N
    scores a row together with the next N-1 rows not yet scored (nor in the journal) and keeps
    their logits until score_rows asks for them, so answers, order and the journal are as at batch 1."""
    if batch_size <= 1:
        return lambda row: forward([prompt_ids(row)])[0]
    cache = {}
    order = {row["id"]: k for k, row in enumerate(inputs)}

    def last_logits(row):
        if row["id"] not in cache:
            done = journal_done()
            batch = [row]
            for other in inputs[order[row["id"]] + 1:]:
                if len(batch) >= batch_size:
                    break
                if other["id"] not in done and other["id"] not in cache:
                    batch.append(other)
            for r, scores in zip(batch, forward([prompt_ids(r) for r in batch])):
                cache[r["id"]] = scores
        return cache.pop(row["id"])

    return last_logits


def score_rows(last_logits, inputs, on_progress=lambda n: None, journal=None, softmax="bf16", disagreements=None):
    """The rule (SPEC §7) over every prompt: last_logits(row) gives the A, B, C logits at the last
    position; `softmax` decides (bf16: the original's), the float64 probabilities are returned.
    Examples where the other softmax would answer differently are appended to `disagreements`.
    With a journal, examples it holds are not scored again and new ones are recorded."""
    probs, answers = [], []
    other = "float64" if softmax == "bf16" else "bf16"
    for n, row in enumerate(inputs, 1):
        scores = journal.done.get(row["id"]) if journal else None
        if scores is None:
            scores = [float(x) for x in last_logits(row)]
            if journal:
                journal.record(row["id"], scores)
        p = softmax3(scores)
        probs.append(p)
        k = decide(scores, softmax)
        answers.append(ANSWERS[k])
        if disagreements is not None:
            j = decide(scores, other)
            if j != k:
                disagreements.append({"id": row["id"], "logits": scores, softmax: ANSWERS[k], other: ANSWERS[j]})
        on_progress(n)
    return probs, answers


def scoring_record_path(bundle, out):
    """{bundle}/predict/{name}.scoring.json: beside the bundle's inputs, not among the prediction
    files (a folder of predictions is read as ensemble members)."""
    name = os.path.basename(out)
    name = name[:-5] if name.lower().endswith(".json") else name
    return os.path.join(bundle, "predict", f"{name}.scoring.json")


def scoring_record(softmax, n, disagreements):
    """Which softmax decided the answers, and where the other one would have answered differently."""
    return {
        "decided_by": softmax,
        "original": softmax == "bf16",
        "rule": "argmax (ties -> inference_1) over softmax of the A, B, C logits computed in " + ("bf16, as run/test.py" if softmax == "bf16" else "float64 (not the original's bf16)"),
        "sidecar": "float64 probabilities",
        "examples": n,
        "differ": len(disagreements),
        "disagreements": disagreements,
    }


def write_outputs(out, base, answers, probs):
    """The prediction file (the base with outputs filled, key order kept) and its sidecar."""
    filled = []
    for ex, answer in zip(base, answers):
        ex = dict(ex)
        ex["output"] = answer
        filled.append(ex)
    write_atomic(out, prediction_text(filled))
    write_atomic(probs_path(out), probs_text([ex["id"] for ex in base], probs))


def validate(args):
    """Everything that can be checked without torch. Returns (run, inputs, base, answer_ids)."""
    run = read_run(args.bundle) if args.bundle else None
    if run is not None:
        adapter = os.path.join(args.bundle, run["save_dir"])
        if not args.check and not os.path.isfile(os.path.join(adapter, "adapter_config.json")):
            raise InputError(f"{adapter}: no adapter_config.json (train the recipe first)")
    inputs = read_inputs(args.inputs) if args.inputs else None
    base = read_json(args.base_file) if args.base_file else None
    if inputs is not None and base is not None:
        check_alignment(base, args.base_file, inputs, args.inputs)
    answer_ids = parse_answer_ids(args.answer_ids) if args.answer_ids else None
    if getattr(args, "batch_size", 1) < 1:
        raise InputError(f"--batch-size {args.batch_size}: expected a whole number >= 1")
    if args.out and args.base_file and os.path.abspath(args.out) == os.path.abspath(args.base_file):
        raise InputError(f"{args.out}: refusing to write over the input file")
    return run, inputs, base, answer_ids


def settle_chat_template(tokenizer, bundle, adapter, inputs):
    """Rows of messages are rendered by the adapter's tokenizer, under the rule `cci train plan`
    and train.py follow: its own template (train.py saves the one it trained with); else the
    bundle's legacy default (planned with --template legacy); else one line, no traceback."""
    if getattr(tokenizer, "chat_template", None) or not any("messages" in r for r in inputs):
        return
    legacy = os.path.join(bundle, "chat_template.legacy.jinja")
    if os.path.isfile(legacy):
        with open(legacy, encoding="utf-8") as f:
            tokenizer.chat_template = f.read()
        return
    raise InputError(f"{adapter}: the tokenizer has no chat template to render the messages with; "
                     "score without --tokenize-in-python (cci renders the ids; --template legacy for transformers 4.41's class default)")


def score(args, run, inputs, base, answer_ids):
    # The pinned stack (SPEC §6a), imported only here so --check runs on the standard library.
    try:
        import torch
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    except ImportError as e:
        print(f"predict.py: scoring needs torch, transformers, peft and bitsandbytes (pip install -r requirements.txt): {e}", file=sys.stderr)
        sys.exit(EXIT_STACK)

    adapter = os.path.join(args.bundle, run["save_dir"])
    quantization = None
    if run["load_in_4bit"]:
        quantization = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_use_double_quant=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
    model = AutoModelForCausalLM.from_pretrained(
        run["model_id"], device_map=args.device, quantization_config=quantization, **dtype_kwarg(torch.bfloat16)
    )
    model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(adapter)
    vocab = tokenizer.get_vocab()
    for letter, expected in zip(LETTERS, answer_ids):
        if vocab.get(letter) != expected:
            raise InputError(f"{adapter}: vocab[{letter!r}] is {vocab.get(letter)}, but the prompts were built with {expected}")

    settle_chat_template(tokenizer, args.bundle, adapter, inputs)

    def prompt_ids(row):
        if "input_ids" in row:
            return row["input_ids"]
        # return_dict=False: transformers >= 5 returns a BatchEncoding by default; the ids are wanted.
        return list(tokenizer.apply_chat_template(row["messages"], add_generation_prompt=True, tokenize=True, return_dict=False))

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def forward(batch_ids):
        """A, B, C logits at each prompt's last position; several prompts left-padded into one forward."""
        width = max(len(x) for x in batch_ids)
        ids = torch.tensor([[pad_id] * (width - len(x)) + list(x) for x in batch_ids], dtype=torch.long, device=model.device)
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in batch_ids], dtype=torch.long, device=model.device)
        kw = {}
        if len(batch_ids) > 1:
            # Left padding: positions count real tokens only, so each prompt sees what it sees alone.
            kw = {"attention_mask": mask, "position_ids": (mask.cumsum(-1) - 1).clamp(min=0)}
        with torch.no_grad():
            logits = model(input_ids=ids, **kw).logits[:, -1]
        # bf16 logits are exact in float64: the rule then runs as lib/infer/rule.ts does.
        return [[float(row[i]) for i in answer_ids] for row in logits]

    journal = Journal(journal_path(args.out), {"backend": "faithful", "bundle": run["name"], "inputs": file_sha256(args.inputs), "answer_ids": answer_ids}, fresh=args.fresh)
    last_logits = batched_logits(forward, prompt_ids, inputs, args.batch_size, journal_done=lambda: journal.done)

    def progress(n):
        if n % 25 == 0 or n == len(inputs):
            print(f"predict.py: {run['name']}: {n}/{len(inputs)}", file=sys.stderr, flush=True)

    if journal.done:
        print(f"predict.py: resuming: {len(journal.done)} examples already scored in {journal.path}", file=sys.stderr)
    disagreements = []
    probs, answers = score_rows(last_logits, inputs, progress, journal, softmax=args.softmax, disagreements=disagreements)
    write_outputs(args.out, base, answers, probs)
    record = scoring_record_path(args.bundle, args.out)
    write_atomic(record, json.dumps(scoring_record(args.softmax, len(inputs), disagreements), indent=1) + "\n")
    journal.remove()
    whose = "the original's" if args.softmax == "bf16" else "not the original's bf16"
    print(f"predict.py: wrote {args.out} and {probs_path(args.out)}; answers decided by the {args.softmax} softmax ({whose}), "
          f"{len(disagreements)} of {len(inputs)} would differ under the other ({record})", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="validate arguments and files with the standard library only, then exit")
    ap.add_argument("--bundle", help="run bundle folder (run.json, adapter/)")
    ap.add_argument("--inputs", help='JSONL of prompts: {"id", "input_ids"} (or {"id", "messages"}) per line, in base-file order')
    ap.add_argument("--base-file", help="the raw split file (e.g. resource/data/test.json) whose outputs are filled")
    ap.add_argument("--out", help="prediction file to write (the .probs.json sidecar goes beside it)")
    ap.add_argument("--answer-ids", help="token ids of A,B,C (vocab['A'], vocab['B'], vocab['C'])")
    ap.add_argument("--device", default="cuda:0", help="device_map for the model (default cuda:0, as the original)")
    ap.add_argument("--fresh", action="store_true", help="ignore (delete) the journal of an interrupted run instead of resuming it")
    ap.add_argument("--batch-size", type=int, default=1, help="prompts per forward pass, left-padded (default 1, as the original)")
    ap.add_argument("--softmax", choices=SOFTMAXES, default="bf16", help="which softmax decides the answer: bf16 (default, the original's, ties -> A) or float64")
    args = ap.parse_args(argv)
    try:
        run, inputs, base, answer_ids = validate(args)
        if args.check:
            given = [k for k in ("bundle", "inputs", "base_file", "answer_ids") if getattr(args, k)]
            print(f"predict.py: ok (python {sys.version.split()[0]}, standard-library check{': ' + ', '.join(given) if given else ''})")
            return 0
        missing = [f"--{k.replace('_', '-')}" for k in ("bundle", "inputs", "base_file", "out", "answer_ids") if not getattr(args, k)]
        if missing:
            raise InputError(f"scoring needs {', '.join(missing)}")
        score(args, run, inputs, base, answer_ids)
        return 0
    except InputError as e:
        print(f"predict.py: {e}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
