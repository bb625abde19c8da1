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

export interface Schedule {
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
