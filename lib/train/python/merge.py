#!/usr/bin/env python3
"""Merge a run bundle's LoRA adapter into its base model (PEFT merge_and_unload, bf16).

  python merge.py --bundle DIR [--out DIR/merged] [--device cpu|cuda:0] [--force]

For servers that cannot apply a LoRA on lm_head (the recipes train one, SPEC §6): the merged
folder is a plain model with the adapter's weights folded in, plus the adapter's tokenizer.
Written to a temporary folder beside the target and renamed into place, so a killed merge never
leaves a half-written model where `cci serve plan` looks for one.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile


def fail(msg):
    print(f"merge.py: {msg}", file=sys.stderr)
    sys.exit(2)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--out")
    ap.add_argument("--device", default="cpu", help="where the merge runs (cpu needs the model's size in RAM)")
    ap.add_argument("--force", action="store_true", help="replace an existing merged folder")
    a = ap.parse_args(argv)
    run_path = os.path.join(a.bundle, "run.json")
    try:
        run = json.load(open(run_path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail(f"{run_path}: cannot read ({e})")
    adapter = os.path.join(a.bundle, run.get("save_dir", "adapter"))
    if not os.path.isfile(os.path.join(adapter, "adapter_config.json")):
        fail(f"{adapter}: no trained adapter (adapter_config.json); train the run first")
    out = a.out or os.path.join(a.bundle, "merged")
    if os.path.exists(out) and not a.force:
        fail(f"{out}: exists; --force to merge again")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    import transformers

    major = int(transformers.__version__.split(".")[0])
    kw = {"dtype": torch.bfloat16} if major >= 5 else {"torch_dtype": torch.bfloat16}
    # The base in bf16 even for the QLoRA recipes: merging into 4-bit weights is lossy, and
    # servers quantise the merged model themselves where they are told to.
    base = AutoModelForCausalLM.from_pretrained(run["model_id"], device_map=a.device, **kw)
    model = PeftModel.from_pretrained(base, adapter).merge_and_unload()
    tok = AutoTokenizer.from_pretrained(adapter)
    parent = os.path.dirname(os.path.abspath(out))
    tmp = tempfile.mkdtemp(prefix=".merged-", dir=parent)
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        with open(os.path.join(tmp, "cci-merge.json"), "w", encoding="utf-8") as f:
            json.dump({"base": run["model_id"], "adapter": os.path.relpath(adapter, parent), "dtype": "bfloat16",
                       "transformers": transformers.__version__}, f, indent=2)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(json.dumps({"merged": out}))


if __name__ == "__main__":
    main()
