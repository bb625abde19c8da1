/**
 * References that name no utterance. The original renders such an example (the reference block
 * just leaves it out), and its own refinement makes them (it drops emptied utterances but keeps
 * reference_id), so prompts never refuse one: they warn, by example id.
 */
import { utteranceIds, type Example } from "../corpus/schema";

/** `id: ref, …` for each reference_id that names no utterance of its conversation. */
export function danglingReferences(examples: readonly Example[]): { id: string; refs: string[] }[] {
  const out: { id: string; refs: string[] }[] = [];
  for (const ex of examples) {
    const named = new Set(ex.input.conversation.flatMap((u) => utteranceIds(u)));
    const refs = ex.input.reference_id.filter((r) => !named.has(r));
    if (refs.length > 0) out.push({ id: ex.id, refs });
  }
  return out;
}

/** One warning line naming the examples (at most 10 shown), or undefined when there are none. */
export function danglingWarning(examples: readonly Example[]): string | undefined {
  const found = danglingReferences(examples);
  if (found.length === 0) return undefined;
  const shown = found.slice(0, 10).map((f) => `${f.id} (${f.refs.join(", ")})`).join(", ");
  const more = found.length > 10 ? `, … (${found.length} in all)` : "";
  return `warning: reference_id naming no utterance in ${found.length === 1 ? "example" : `${found.length} examples`} ${shown}${more}; rendered without them, as the original does`;
}
