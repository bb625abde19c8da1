"""What an environment holds: Python, the engine's libraries, and the GPUs torch sees (one JSON line)."""
import importlib
import json
import sys

out = {"python": sys.version.split()[0], "libs": {}, "cuda": None, "gpus": []}
for name in ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "bitsandbytes", "huggingface_hub"):
    try:
        out["libs"][name] = importlib.import_module(name).__version__
    except Exception:
        out["libs"][name] = None
try:
    import torch

    out["cuda"] = torch.version.cuda
    if torch.cuda.is_available():
        out["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
except Exception as e:  # a broken torch install: say so, do not crash the probe
    out["torch_error"] = str(e)
print(json.dumps(out))
