import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../lib/tokenize/load";
import { lossFigure } from "../lib/train/figures";
import { parseMetrics } from "../lib/train/status";
import { labelMaskHtml, maskSummary } from "../lib/train/views";
import { LLAMA3 } from "./helpers/train";

describe("training views", () => {
  it("renders a row's label mask: prompt grey, target bold, eos boxed", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const eos = tok.tokenizer.convert_tokens_to_ids(tok.eosToken) as number;
    const a = tok.tokenizer.convert_tokens_to_ids("A") as number;
    const row = { id: "x", input_ids: [9906, 11, a, eos], labels: [-100, -100, a, eos] };
    expect(maskSummary(row, eos)).toEqual({ tokens: 4, masked: 2, trained: 2, eosPositions: [3] });
    const html = labelMaskHtml(tok, row);
    expect(html.match(/<span /g)).toHaveLength(4);
    expect(html).toContain(`title="2: id ${a}, label ${a}" style="padding:0 1px;margin:0 1px;background:#cde4f7;font-weight:bold;border-right:1px dotted #ccc">A</span>`);
    expect(html).toContain(`outline:2px solid #D55E00">&lt;|end_of_text|&gt;</span>`);
    expect(html).toMatch(/title="0: id 9906, label -100" style="[^"]*color:#888/);
  });

  it("decodes a Korean syllable split across byte-level tokens as one character, not \ufffd", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const text = "뷁궯 똠방각하";
    const ids = tok.tokenizer.encode(text, { add_special_tokens: false }) as number[];
    // The premise: some token alone decodes to a partial character.
    expect(ids.some((id) => tok.tokenizer.decode([id]).includes("\ufffd"))).toBe(true);
    const row = { id: "x", input_ids: ids, labels: ids.map((id, i) => (i < 2 ? -100 : id)) };
    const html = labelMaskHtml(tok, row);
    expect(html).not.toContain("\ufffd");
    const shown = html.replace(/<[^>]+>/g, "");
    expect(shown.replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
    expect(html).toMatch(/ids \d+ \d+.* \(one character\)/);
  });

  it("reads metrics.jsonl, skipping a torn last line, and draws train and eval curves", () => {
    const text = ['{"step": 1, "epoch": 0.5, "loss": 2.0, "eval_loss": null}', '{"step": 2, "epoch": 1.0, "loss": null, "eval_loss": 1.5}', '{"step": 3, "ep'].join("\n");
    const m = parseMetrics(text);
    expect(m.map((l) => l.step)).toEqual([1, 2]);
    const fig = lossFigure([{ name: "r", metrics: m }], "t");
    expect(fig.data.map((d) => [d.name, d.x, d.y])).toEqual([
      ["r (train)", [1], [2.0]],
      ["r (eval)", [2], [1.5]],
    ]);
  });
});
