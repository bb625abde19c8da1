/**
 * The ids scoring reads (SPEC §7): `vocab["A"]`, `vocab["B"]`, `vocab["C"]` — the tokens whose
 * string is exactly the letter (not `▁A`, not `ĠA`).
 */
import { UserError } from "../util/errors";
import type { LoadedTokenizer } from "./load";

export type AnswerIds = Record<"A" | "B" | "C", number>;

export function answerTokenIds(tok: LoadedTokenizer): AnswerIds {
  const vocab = tok.tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
  const get = (t: string) => (vocab instanceof Map ? vocab.get(t) : Object.hasOwn(vocab, t) ? vocab[t] : undefined);
  const ids = {} as AnswerIds;
  for (const letter of ["A", "B", "C"] as const) {
    const id = get(letter);
    if (id === undefined) throw new UserError(`${tok.dir}: tokenizer.json: the vocabulary has no token "${letter}" (scoring reads vocab["${letter}"])`);
    ids[letter] = id;
  }
  return ids;
}
