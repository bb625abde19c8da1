// The print-layout check of test/charts-print.test.ts on the real corpus: every catalog chart at
// both column presets, drawn in Chromium, every text inside the image, none overlapping, none
// drawn under 8 pt (bar labels Plotly shrinks to fit count at their drawn size). The sample has
// short conversations and few examples; the real corpus has the long tails and the large counts.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartRenderer, findChromium } from "../../lib/charts/browser";
import { systemToolsRequired } from "../../lib/util/system";
import { chartWorkspace, printLayout, PRINT_CASES } from "../helpers/chart-workspace";
import { hasShared, importedCorpus } from "./shared";

const run = hasShared && (findChromium() !== null || systemToolsRequired());

describe.skipIf(!run)("every catalog chart at print size on the real corpus", () => {
  let renderer: ChartRenderer | null = null;
  let fixture: ReturnType<typeof chartWorkspace>;
  beforeAll(async () => {
    fixture = chartWorkspace(await importedCorpus());
    renderer = await ChartRenderer.open();
  });
  afterAll(async () => {
    await renderer?.close();
    rmSync(fixture.root, { recursive: true, force: true });
  });

  it.each(PRINT_CASES)("%s at --column %s: every text inside the image, none overlapping, none under 8 pt", async (name, column) => {
    const drawn = await printLayout(renderer!, fixture, name, column);
    expect(drawn.texts).toBeGreaterThan(3);
    expect(drawn.problems).toEqual([]);
  });
});
