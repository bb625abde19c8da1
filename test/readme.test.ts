/**
 * The README a newcomer finishes (issue 30 item 6): at most 2,500 words, and every relative link
 * in it and in the guide pages it points to resolves to a file or folder in the checkout.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const PAGES = ["README.md", "reports/guide/runbook.md", "reports/guide/commands.md", "reports/guide/development.md"];

/** Markdown link targets outside code blocks: [text](target). */
function links(md: string): string[] {
  const prose = md.replace(/```[^]*?```/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe("README and guide pages", () => {
  it("README.md has at most 2,500 words", () => {
    const words = readFileSync(join(ROOT, "README.md"), "utf8").split(/\s+/).filter(Boolean).length;
    expect(words).toBeLessThanOrEqual(2500);
  });

  it.each(PAGES)("every relative link in %s resolves", (page) => {
    const file = join(ROOT, page);
    const broken = links(readFileSync(file, "utf8"))
      .filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith("#"))
      .map((t) => decodeURIComponent(t.split("#")[0]))
      // ../shared lives beside the checkout and may be absent (a clone without it): not checked here.
      .filter((t) => !resolve(dirname(file), t).startsWith(resolve(ROOT, "..", "shared")))
      .filter((t) => !existsSync(resolve(dirname(file), t)));
    expect(broken).toEqual([]);
  });
});
