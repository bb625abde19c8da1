import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { refineText } from "../lib/refine/refine";
import { FAITHFUL_RULES } from "../lib/refine/rules";
import { UserError } from "../lib/util/errors";
import {
  FAITHFUL_VARIANT,
  addVariantOptions,
  isFaithful,
  loadVariantFile,
  parseAddRule,
  resolveVariant,
  saveVariantFile,
  variantDigest,
  variantFromOptions,
  variantFromRecord,
  variantRecord,
  type VariantSpec,
} from "../lib/variant/variant";
import { scratch } from "./helpers/scratch";

const tmp = scratch("cci-variant-");

const SPEC: VariantSpec = {
  name: "keep-greetings",
  disable: ["delete-greetings"],
  alt: ["newline-to-space"],
  add: [{ name: "collapse-spaces", pattern: " {2,}", replacement: " ", after: "delete-jamo" }],
  prompts: "fixed",
};

const errorsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message.split("\n");
  }
  throw new Error("expected a UserError");
};

describe("variant object", () => {
  it("the empty spec is the faithful variant, with the faithful table itself", () => {
    const v = resolveVariant({});
    expect(v.name).toBe("faithful");
    expect(v.rules).toBe(FAITHFUL_RULES);
    expect(isFaithful(v)).toBe(true);
    expect(variantDigest(v)).toBe(variantDigest(FAITHFUL_VARIANT));
  });

  it("builds the table: disabled off, alternative swapped in place, custom rule after the named one", () => {
    const v = resolveVariant(SPEC);
    const names = v.rules.map((r) => r.name);
    expect(names).toEqual(["collapse-whitespace", "ieung-to-eung", "shorten-dots-questions", "delete-symbols", "name-to-speaker", "delete-jamo", "collapse-spaces", "blank-symbol-only", "strip"]);
    expect(v.prompts).toBe("fixed");
    expect(isFaithful(v)).toBe(false);
    // the custom rule runs: jamo deleted between words leaves two spaces, collapsed after
    expect(refineText("안녕 ㅋㅋ 좋아", v.rules)).toBe("안녕 좋아");
    expect(refineText("안녕 ㅋㅋ 좋아", FAITHFUL_RULES)).toBe("좋아");
  });

  it("derives a name from the tweaks when none is given", () => {
    expect(resolveVariant({ disable: ["delete-greetings"] }).name).toBe("no-delete-greetings");
    expect(resolveVariant({ prompts: "fixed", alt: ["newline-to-space"] }).name).toBe("alt-newline-to-space+fixed-prompts");
  });

  it("reports every error, one line each, with the source", () => {
    const lines = errorsOf(() =>
      resolveVariant(
        {
          disable: ["no-such-rule", "strip"],
          alt: ["strip", "delete-jamo"],
          add: [
            { name: "x", pattern: "(", replacement: "", after: "strip" },
            { name: "y", pattern: "a", replacement: "", after: "nowhere" },
            { name: "delete-jamo", pattern: "a", replacement: "", after: "start" },
          ],
          prompts: "odd",
          colour: "red",
        } as unknown as VariantSpec,
        "v.json",
      ),
    );
    expect(lines.every((l) => l.startsWith("v.json: "))).toBe(true);
    expect(lines).toEqual([
      expect.stringMatching(/colour: unknown key/),
      expect.stringMatching(/disable: unknown rule no-such-rule/),
      expect.stringMatching(/alt: strip is both disabled and swapped.*--disable strip or --alt strip/),
      expect.stringMatching(/alt: rule delete-jamo has no alternative/),
      expect.stringMatching(/add\[0\] \(x\): bad pattern "\("/),
      expect.stringMatching(/add\[1\] \(y\): after "nowhere": no such rule/),
      expect.stringMatching(/add\[2\] \(delete-jamo\): duplicate rule name delete-jamo/),
      expect.stringMatching(/prompts: expected faithful or fixed/),
    ]);
  });

  it("a custom rule may follow one added before it, and may not reuse its name", () => {
    const ok = resolveVariant({ add: [{ name: "a1", pattern: "x", replacement: "y", after: "start" }, { name: "a2", pattern: "y", replacement: "z", after: "a1" }] });
    expect(ok.rules.slice(0, 2).map((r) => r.name)).toEqual(["a1", "a2"]);
    expect(errorsOf(() => resolveVariant({ add: [{ name: "a1", pattern: "x", replacement: "", after: "start" }, { name: "a1", pattern: "y", replacement: "", after: "end" }] }))).toEqual([
      expect.stringMatching(/add\[1\] \(a1\): duplicate rule name a1/),
    ]);
  });

  it("the record names the full table in Python syntax; it rebuilds the same variant", () => {
    const v = resolveVariant(SPEC);
    const rec = JSON.parse(JSON.stringify(variantRecord(v)));
    expect(rec.name).toBe("keep-greetings");
    expect(rec.prompts).toBe("fixed");
    expect(rec.rules).toHaveLength(9);
    expect(rec.rules[6]).toEqual({ name: "collapse-spaces", python: 'regex.sub(r" {2,}", " ", text)' });
    expect(variantDigest(variantFromRecord(rec))).toBe(variantDigest(v));
    expect(variantDigest(v)).toMatch(/^[0-9a-f]{64}$/);
    expect(variantDigest(resolveVariant({ ...SPEC, name: "other" }))).not.toBe(variantDigest(v));
    // a record whose table no longer matches its spec is refused
    rec.rules[0].python = "something else";
    expect(() => variantFromRecord(rec, "run.json")).toThrow(/run\.json: variant keep-greetings: its recorded rule table differs/);
  });
});

describe("variant files", () => {
  it("round-trip file → object → file, in JSON and YAML", () => {
    for (const ext of ["json", "yaml"]) {
      const d = tmp();
      const a = join(d, `a.${ext}`);
      const b = join(d, `b.${ext}`);
      saveVariantFile(SPEC, a);
      const v = loadVariantFile(a);
      saveVariantFile(v, b);
      expect(readFileSync(b, "utf8")).toBe(readFileSync(a, "utf8"));
      expect(variantDigest(loadVariantFile(b))).toBe(variantDigest(resolveVariant(SPEC)));
    }
  });

  it("a hand-written YAML file reads as the same variant as its JSON twin", () => {
    const d = tmp();
    writeFileSync(join(d, "v.yml"), "name: keep-greetings\ndisable: [delete-greetings]\nalt:\n  - newline-to-space\nadd:\n  - name: collapse-spaces\n    pattern: ' {2,}'\n    replacement: ' '\n    after: delete-jamo\nprompts: fixed\n");
    expect(variantDigest(loadVariantFile(join(d, "v.yml")))).toBe(variantDigest(resolveVariant(SPEC)));
  });

  it("bad files: one line naming the file", () => {
    const d = tmp();
    writeFileSync(join(d, "bad.json"), "{ not json");
    expect(errorsOf(() => loadVariantFile(join(d, "bad.json")))[0]).toMatch(/bad\.json: not valid JSON/);
    expect(errorsOf(() => loadVariantFile(join(d, "none.json")))[0]).toMatch(/none\.json: cannot read the rules file/);
    writeFileSync(join(d, "unknown.json"), JSON.stringify({ disable: ["delete-greting"] }));
    expect(errorsOf(() => loadVariantFile(join(d, "unknown.json")))).toEqual([expect.stringMatching(/unknown\.json: disable: unknown rule delete-greting/)]);
  });
});

describe("variant flags", () => {
  const parse = (...argv: string[]) => {
    const cmd = addVariantOptions(new Command().exitOverride(), { prompts: true });
    cmd.parse(argv, { from: "user" });
    return variantFromOptions(cmd.opts());
  };

  it("--add-rule splits at the first =, the last => and the last @", () => {
    expect(parseAddRule("dots=\\.{2,}=>…@shorten-dots-questions")).toEqual({ name: "dots", pattern: "\\.{2,}", replacement: "…", after: "shorten-dots-questions" });
    expect(parseAddRule("eq=a=b=>c@start")).toEqual({ name: "eq", pattern: "a=b", replacement: "c", after: "start" });
    expect(parseAddRule("mail=\\w+@\\w+=>@end")).toEqual({ name: "mail", pattern: "\\w+@\\w+", replacement: "", after: "end" });
    expect(() => parseAddRule("no-arrow=abc@end")).toThrow(/expected 'NAME=PATTERN=>REPLACEMENT@AFTER'/);
  });

  it("flags build the same variant as the file; flags on top of a file add to it", () => {
    const d = tmp();
    const f = join(d, "v.json");
    saveVariantFile(SPEC, f);
    const fromFlags = parse("--disable", "delete-greetings", "--alt", "newline-to-space", "--add-rule", "collapse-spaces= {2,}=> @delete-jamo", "--prompt-mode", "fixed");
    expect(variantRecord(fromFlags).rules).toEqual(variantRecord(loadVariantFile(f)).rules);
    expect(parse("--rules", f).name).toBe("keep-greetings");
    const more = parse("--rules", f, "--disable", "strip");
    expect(more.rules.map((r) => r.name)).not.toContain("strip");
    expect(more.rules.map((r) => r.name)).toContain("collapse-spaces");
    expect(more.name).not.toBe("keep-greetings");
  });

  it("--disable X --alt X is refused as a conflict; --mode is an alias of --prompt-mode", () => {
    expect(errorsOf(() => parse("--disable", "newline-to-space", "--alt", "newline-to-space"))).toEqual([expect.stringMatching(/newline-to-space is both disabled and swapped/)]);
    expect(variantFromOptions({ mode: "fixed" }).prompts).toBe("fixed");
    expect(() => variantFromOptions({ mode: "fixed", promptMode: "faithful" })).toThrow(/disagree/);
    expect(() => variantFromOptions({ promptMode: "loose" })).toThrow(/--prompt-mode: expected faithful or fixed/);
  });
});
