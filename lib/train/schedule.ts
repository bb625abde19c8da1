/**
 * Optimizer steps as transformers 4.41's Trainer counts them (SPEC §6a), batch 1, one process.
 *
 * The scheduler's total (`max_steps`) is computed up front in `_inner_training_loop`:
 *   len_dataloader = examples (batch 1)
 *   num_update_steps_per_epoch = max(len_dataloader // gradient_accumulation_steps, 1)
 *   max_steps = ceil(num_train_epochs * num_update_steps_per_epoch)
 * The loop then steps the optimizer when
 *   total_batched_samples % gradient_accumulation_steps == 0          (counted across epochs)
 *   or (steps_in_epoch <= gradient_accumulation_steps and this is the epoch's last batch)
 * and stops as soon as global_step >= max_steps (DefaultFlowCallback). So:
 * - an epoch's last, partial window gets its own update only when the epoch has at most
 *   `gradient_accumulation_steps` examples; otherwise its gradients carry over into the next
 *   epoch's first window (total_batched_samples is never reset);
 * - when windows run across epochs, the last epoch ends early, at max_steps, with some of its
 *   examples never seen. The evaluation of that epoch still runs.
 * This module replays that loop instead of writing the arithmetic down.
 */

export interface ScheduleOptions {
  epochs: number;
  gradientAccumulationSteps: number;
}

/**
 * Which Trainer loop steps the optimizer: transformers 4.41's (the original; train.py's faithful,
 * modern and fast engines replay it) or transformers ≥ 4.46's (5.x's `_run_epoch`, what `trl sft`
 * of TRL 1.x runs, as SFTTrainer keeps the Trainer's loop).
 */
export const LOOPS = ["transformers-4.41", "transformers-4.46+"] as const;
export type Loop = (typeof LOOPS)[number];

export interface Schedule {
  /** The Trainer loop these steps are from. */
  loop: Loop;
  examples: number;
  /** max(examples // accumulation, 1): what the scheduler assumes per epoch. */
  updateStepsPerEpoch: number;
  /** The scheduler's total: cosine decay and warm-up are laid over this many steps. */
  maxSteps: number;
  /** Optimizer updates the loop really makes (never more than maxSteps). */
  realSteps: number;
  /** Updates made in each epoch. */
  stepsPerEpoch: number[];
  /** Training examples forwarded in each epoch (the last one may stop early). */
  examplesPerEpoch: number[];
  /** Examples of the last epoch never seen because training stopped at maxSteps. */
  unseenInLastEpoch: number;
  /** Updates whose window spans an epoch boundary. */
  windowsAcrossEpochs: number;
}

export function trainerSchedule(examples: number, opts: ScheduleOptions): Schedule {
  const ga = opts.gradientAccumulationSteps;
  const updateStepsPerEpoch = Math.max(Math.floor(examples / ga), 1);
  const maxSteps = Math.ceil(opts.epochs * updateStepsPerEpoch);
  const stepsPerEpoch: number[] = [];
  const examplesPerEpoch: number[] = [];
  let total = 0;
  let globalStep = 0;
  let windowStartEpoch = 0;
  let windowsAcrossEpochs = 0;
  let stop = false;
  for (let epoch = 0; epoch < Math.ceil(opts.epochs) && !stop; epoch++) {
    let steps = 0;
    let seen = 0;
    for (let step = 0; step < examples; step++) {
      total++;
      seen++;
      const lastSmallEpoch = examples <= ga && step + 1 === examples;
      if (total % ga === 0 || lastSmallEpoch) {
        if (windowStartEpoch !== epoch) windowsAcrossEpochs++;
        globalStep++;
        steps++;
        windowStartEpoch = step + 1 === examples ? epoch + 1 : epoch;
        if (globalStep >= maxSteps) {
          stop = true;
          break;
        }
      }
    }
    stepsPerEpoch.push(steps);
    examplesPerEpoch.push(seen);
  }
  const last = examplesPerEpoch.length ? examplesPerEpoch[examplesPerEpoch.length - 1] : 0;
  return {
    loop: "transformers-4.41",
    examples,
    updateStepsPerEpoch,
    maxSteps,
    realSteps: globalStep,
    stepsPerEpoch,
    examplesPerEpoch,
    unseenInLastEpoch: examples - last,
    windowsAcrossEpochs,
  };
}

/**
 * transformers ≥ 4.46's loop (5.18's `set_initial_training_values` and `_run_epoch`), batch 1:
 *   num_update_steps_per_epoch = max(ceil(len_dataloader / gradient_accumulation_steps), 1)
 *   max_steps = ceil(num_train_epochs * num_update_steps_per_epoch)
 * each epoch is cut into windows of `gradient_accumulation_steps` batches, the last one holding
 * the remainder, and the optimizer steps at the end of every window (`do_sync_step`: the step
 * counter `(step + 1) % ga == 0` or the epoch's last batch; `step` restarts every epoch); the
 * loop stops once global_step >= max_steps (DefaultFlowCallback). Replayed, not written down.
 */
export function modernTrainerSchedule(examples: number, opts: ScheduleOptions): Schedule {
  const ga = opts.gradientAccumulationSteps;
  const updateStepsPerEpoch = Math.max(Math.ceil(examples / ga), 1);
  const maxSteps = Math.ceil(opts.epochs * updateStepsPerEpoch);
  const stepsPerEpoch: number[] = [];
  const examplesPerEpoch: number[] = [];
  let globalStep = 0;
  let stop = false;
  for (let epoch = 0; epoch < Math.ceil(opts.epochs) && !stop; epoch++) {
    let steps = 0;
    let seen = 0;
    const remainder = examples % ga || ga;
    let step = -1;
    for (let update = 0; update < updateStepsPerEpoch && !stop; update++) {
      const batches = Math.min(update === updateStepsPerEpoch - 1 ? remainder : ga, examples - (step + 1));
      for (let i = 0; i < batches; i++) {
        step++;
        seen++;
        if ((step + 1) % ga === 0 || step + 1 === examples) {
          globalStep++;
          steps++;
          if (globalStep >= maxSteps) {
            stop = true;
            break;
          }
        }
      }
    }
    stepsPerEpoch.push(steps);
    examplesPerEpoch.push(seen);
  }
  const last = examplesPerEpoch.length ? examplesPerEpoch[examplesPerEpoch.length - 1] : 0;
  return { loop: "transformers-4.46+", examples, updateStepsPerEpoch, maxSteps, realSteps: globalStep, stepsPerEpoch, examplesPerEpoch, unseenInLastEpoch: examples - last, windowsAcrossEpochs: 0 };
}

/** The loop each engine runs: train.py's engines replay 4.41's on purpose; `trl sft` runs its transformers'. */
export const ENGINE_LOOP: Record<"faithful" | "modern" | "fast" | "trl", Loop> = {
  faithful: "transformers-4.41",
  modern: "transformers-4.41",
  fast: "transformers-4.41",
  trl: "transformers-4.46+",
};

/** The optimizer steps an engine makes on `examples` kept train examples. */
export function engineSchedule(engine: keyof typeof ENGINE_LOOP, examples: number, opts: ScheduleOptions): Schedule {
  return ENGINE_LOOP[engine] === "transformers-4.41" ? trainerSchedule(examples, opts) : modernTrainerSchedule(examples, opts);
}
