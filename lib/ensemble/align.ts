/** Members must answer the same examples in the same order as the base (SPEC §7 checks length; we also check ids). */
import type { Example } from "../corpus/schema";
import { UserError } from "../util/errors";

export interface Aligned {
  file: string;
  examples: readonly Example[];
}

/** Refuse the first member whose length or ids differ from the base, naming file, index and both ids. */
export function assertAligned(base: Aligned, members: readonly Aligned[]): void {
  for (const m of members) {
    if (m.examples.length !== base.examples.length)
      throw new UserError(`${m.file}: ${m.examples.length} examples, but the base ${base.file} has ${base.examples.length}`);
    const i = m.examples.findIndex((ex, k) => ex.id !== base.examples[k].id);
    if (i >= 0)
      throw new UserError(`${m.file}: example #${i + 1}: id ${m.examples[i].id} does not line up with ${base.file}'s ${base.examples[i].id}`);
  }
}
