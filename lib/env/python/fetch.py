"""Fetch base models (or only their tokenizers) from the Hugging Face Hub for `cci train fetch`.

  fetch.py plan MODEL...                        sizes (bytes) per model: one JSON line
  fetch.py get [--tokenizers-only] [--local-dir DIR] MODEL...

HF_HOME (the cache) and HF_TOKEN (gated or private repos; the four bases are public) come from
the environment only; nothing here writes or prints a token.
"""
import json
import os
import sys

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                   "chat_template.json", "tokenizer.model", "config.json", "generation_config.json"]
WEIGHTS = (".safetensors", ".bin", ".json", ".model", ".jinja", ".txt", ".py")


def sizes(models, tokenizers_only):
    from huggingface_hub import HfApi

    api = HfApi()
    out = {}
    for m in models:
        info = api.model_info(m, files_metadata=True)
        files = [s for s in info.siblings if (s.rfilename in TOKENIZER_FILES if tokenizers_only else s.rfilename.endswith(WEIGHTS))]
        out[m] = {"bytes": sum((s.size or 0) for s in files), "files": len(files)}
    return out


def get(models, tokenizers_only, local_dir):
    from huggingface_hub import snapshot_download

    for m in models:
        kw = {"allow_patterns": TOKENIZER_FILES} if tokenizers_only else {"allow_patterns": [f"*{e}" for e in WEIGHTS]}
        if local_dir:
            kw["local_dir"] = os.path.join(local_dir, m)
        path = snapshot_download(m, **kw)
        print(json.dumps({"model": m, "path": path}), flush=True)


def main(argv):
    if not argv or argv[0] not in ("plan", "get"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd, rest = argv[0], argv[1:]
    tok = "--tokenizers-only" in rest
    rest = [a for a in rest if a != "--tokenizers-only"]
    local_dir = None
    if "--local-dir" in rest:
        i = rest.index("--local-dir")
        local_dir = rest[i + 1]
        rest = rest[:i] + rest[i + 2:]
    try:
        if cmd == "plan":
            print(json.dumps(sizes(rest, tok)))
        else:
            get(rest, tok, local_dir)
    except Exception as e:  # one line, never a traceback with a URL that might carry credentials
        print(f"fetch.py: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
