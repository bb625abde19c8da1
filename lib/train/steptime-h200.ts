/**
 * The first step-time measurement, shipped as data: LoRA training and scoring at the four bases'
 * real shapes on one H200 (../shared/measurements/h200-lora-throughput.json, copied verbatim
 * but for its run time, with its provenance). The plan fits its step-time model to these figures;
 * `cci train calibrate` writes a file of the same shape for another GPU.
 */
import type { Calibration } from "./steptime";

export const H200_MEASUREMENT: Calibration = {
 "provenance": {
  "gpu": "NVIDIA H200 (141 GB, driver 580), one GPU",
  "stack": "torch 2.11.0+cu130, transformers 5.17.0, PEFT 0.21.0; no bitsandbytes (no 4-bit figures)",
  "date": "2026-12-04",
  "method": "random bf16 weights in each base's Llama shape, LoRA r 16 on the 7 projections + lm_head (adapter fp32, autocast bf16), gradient checkpointing, AdamW, batch 1; micro_s = median of 5 forward+backward after 2 warm-ups; score_b1/b16 = s per example of a prompt-only forward; train_b8 = s per sequence of a batch-8 forward+backward",
  "source": "../shared/measurements/h200-lora-throughput.json (probe: ../shared/gpu-probe/probe.py); recipes = the probe's per-recipe hours from Llama-3 token lengths, 44 × 64 micro-steps"
 },
 "device": "NVIDIA H200",
 "torch": "2.11.0+cu130",
 "transformers": "5.17.0",
 "peft": "0.21.0",
 "shapes": {
  "beomi/Solar-Ko-Recovery-11B": {
   "params": 10993668096,
   "lora_params": 64004096,
   "lora_dtype": "torch.float32",
   "build_s": 2.3,
   "train": {
    "256": {
     "micro_s": 0.8372,
     "opt_s": 0.1421,
     "peak_GiB": 21.74,
     "mfu_vs_989T": 0.02
    },
    "512": {
     "micro_s": 0.9063,
     "opt_s": 0.0188,
     "peak_GiB": 22.13,
     "mfu_vs_989T": 0.038
    },
    "768": {
     "micro_s": 0.9498,
     "opt_s": 0.0201,
     "peak_GiB": 22.39,
     "mfu_vs_989T": 0.054
    },
    "1024": {
     "micro_s": 0.8766,
     "opt_s": 0.0135,
     "peak_GiB": 22.65,
     "mfu_vs_989T": 0.078
    },
    "1536": {
     "micro_s": 0.7869,
     "opt_s": 0.0218,
     "peak_GiB": 23.2,
     "mfu_vs_989T": 0.13
    }
   },
   "score_b1": {
    "256": 0.10083,
    "512": 0.145,
    "768": 0.11726,
    "1024": 0.08866,
    "1536": 0.14607
   },
   "score_b16": {
    "256": 0.01425,
    "512": 0.02782,
    "768": 0.04186,
    "1024": 0.05609,
    "1536": 0.08352
   },
   "train_b8": {
    "512": 0.1016,
    "1024": 0.1975
   }
  },
  "chihoonlee10/T3Q-ko-solar-dpo-v7.0": {
   "params": 10731524096,
   "lora_params": 63492096,
   "lora_dtype": "torch.float32",
   "build_s": 1.3,
   "train": {
    "256": {
     "micro_s": 0.884,
     "opt_s": 0.049,
     "peak_GiB": 21.24,
     "mfu_vs_989T": 0.019
    },
    "512": {
     "micro_s": 0.7303,
     "opt_s": 0.02,
     "peak_GiB": 21.48,
     "mfu_vs_989T": 0.046
    },
    "768": {
     "micro_s": 0.5668,
     "opt_s": 0.0133,
     "peak_GiB": 21.67,
     "mfu_vs_989T": 0.088
    },
    "1024": {
     "micro_s": 0.7934,
     "opt_s": 0.0216,
     "peak_GiB": 21.85,
     "mfu_vs_989T": 0.084
    },
    "1536": {
     "micro_s": 0.6286,
     "opt_s": 0.013,
     "peak_GiB": 22.21,
     "mfu_vs_989T": 0.159
    }
   },
   "score_b1": {
    "256": 0.08135,
    "512": 0.08958,
    "768": 0.08857,
    "1024": 0.16085,
    "1536": 0.09348
   },
   "score_b16": {
    "256": 0.0142,
    "512": 0.02773,
    "768": 0.04179,
    "1024": 0.05618,
    "1536": 0.08347
   },
   "train_b8": {
    "512": 0.1009,
    "1024": 0.1963
   }
  },
  "x2bee/POLAR-14B-v0.5": {
   "params": 14221316096,
   "lora_params": 84463616,
   "lora_dtype": "torch.float32",
   "build_s": 1.9,
   "train": {
    "256": {
     "micro_s": 1.0117,
     "opt_s": 0.0986,
     "peak_GiB": 28.13,
     "mfu_vs_989T": 0.022
    },
    "512": {
     "micro_s": 1.0213,
     "opt_s": 0.0285,
     "peak_GiB": 28.4,
     "mfu_vs_989T": 0.043
    },
    "768": {
     "micro_s": 0.8111,
     "opt_s": 0.0211,
     "peak_GiB": 28.61,
     "mfu_vs_989T": 0.082
    },
    "1024": {
     "micro_s": 0.9083,
     "opt_s": 0.0211,
     "peak_GiB": 28.82,
     "mfu_vs_989T": 0.097
    },
    "1536": {
     "micro_s": 0.8427,
     "opt_s": 0.0244,
     "peak_GiB": 29.25,
     "mfu_vs_989T": 0.157
    }
   },
   "score_b1": {
    "256": 0.17759,
    "512": 0.11093,
    "768": 0.11527,
    "1024": 0.12246,
    "1536": 0.12514
   },
   "score_b16": {
    "256": 0.019,
    "512": 0.03756,
    "768": 0.05597,
    "1024": 0.07451,
    "1536": 0.1116
   },
   "train_b8": {
    "512": 0.1382,
    "1024": 0.2615
   }
  }
 },
 "recipes": {
  "CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.712,
   "eval_h": 0.0214,
   "tokens_per_s": 618
  },
  "CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.712,
   "eval_h": 0.0214,
   "tokens_per_s": 618
  },
  "CustomRefDefinitionDataset-POLAR-14B-v0.5-QLoRA_2e-4": {
   "model": "x2bee/POLAR-14B-v0.5",
   "train_h": 0.743,
   "eval_h": 0.0199,
   "tokens_per_s": 621
  },
  "CustomRefDefinitionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.716,
   "eval_h": 0.0213,
   "tokens_per_s": 644
  },
  "CustomRefInstructionDataset-POLAR-14B-v0.5-QLoRA_1e-4": {
   "model": "x2bee/POLAR-14B-v0.5",
   "train_h": 0.744,
   "eval_h": 0.0199,
   "tokens_per_s": 618
  },
  "CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.715,
   "eval_h": 0.0213,
   "tokens_per_s": 642
  },
  "CustomRefInstructionDataset-T3Q-ko-solar-dpo-v7.0-LoRA_2e-4": {
   "model": "chihoonlee10/T3Q-ko-solar-dpo-v7.0",
   "train_h": 0.54,
   "eval_h": 0.0158,
   "tokens_per_s": 850
  },
  "CustomRefOfficialTermDataset-POLAR-14B-v0.2-QLoRA_2e-4": {
   "model": "x2bee/POLAR-14B-v0.5",
   "train_h": 0.748,
   "eval_h": 0.02,
   "tokens_per_s": 603
  },
  "Refined_CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.705,
   "eval_h": 0.0218,
   "tokens_per_s": 569
  },
  "Refined_SystemRefOfficialTermDataset-POLAR-14B-v0.5-QLoRA_2e-4": {
   "model": "x2bee/POLAR-14B-v0.5",
   "train_h": 0.671,
   "eval_h": 0.02,
   "tokens_per_s": 1026
  },
  "SystemRefOfficialTermDataset-Solar-Ko-Recovery-11B-LoRA_1e-4": {
   "model": "beomi/Solar-Ko-Recovery-11B",
   "train_h": 0.706,
   "eval_h": 0.0176,
   "tokens_per_s": 1036
  }
 }
};

/** The bundle's own entrypoints on that H200 (../shared/measurements/h200-bundle-run.json, the figures cited). */
export const H200_BUNDLE_RUN = {
  train_py: { seconds: 35.6, metricsLines: 8, note: "a small random Llama (4 layers, Llama-3 vocabulary) at the bundle's model id; TRL 0.9.4 and datasets stood in" },
  predict_py: { seconds: 23.2, rows: 151, maxAbsDiffVsIndependent: 3.720554497821382e-8, note: "the 151 real dev prompts, loading included" },
} as const;
