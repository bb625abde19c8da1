/**
 * vitest globalSetup: every test (and every `cci` process a test spawns) makes its temp folders
 * under one private root, which is removed when the run ends — so `npm test` leaves no
 * `/tmp/cci-*` folders behind, whatever an individual test forgets to clean up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "cci-test-run-"));
  const prior = process.env.TMPDIR;
  // os.tmpdir() reads TMPDIR on every call; test workers and spawned processes inherit it.
  process.env.TMPDIR = root;
  return () => {
    if (prior === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = prior;
    rmSync(root, { recursive: true, force: true });
  };
}
