/**
 * Optional system tools (Jupyter for headless notebooks, Chromium for PNG/SVG export).
 * Where one is missing, features degrade with one clear message; CI sets
 * CCI_REQUIRE_SYSTEM=1 so that a missing tool fails there instead.
 */
import { UserError } from "./errors";
import { info } from "./progress";

export const REQUIRE_SYSTEM_ENV = "CCI_REQUIRE_SYSTEM";

export function systemToolsRequired(): boolean {
  return process.env[REQUIRE_SYSTEM_ENV] === "1";
}

const warned = new Set<string>();

/** Report a missing tool: an error under CCI_REQUIRE_SYSTEM=1, else one message per tool. */
export function missingTool(tool: string, howToGet: string): void {
  const message = `${tool} not found — ${howToGet}`;
  if (systemToolsRequired()) throw new UserError(`${message} (required because ${REQUIRE_SYSTEM_ENV}=1)`);
  if (!warned.has(tool)) info(`note: ${message}; skipping`);
  warned.add(tool);
}

/** Whether a command runs (exit 0), bounded: through the one child helper. */
export { commandWorks } from "./child";
