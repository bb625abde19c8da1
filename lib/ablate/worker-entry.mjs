// Worker entry when cci runs from the TypeScript sources (no fresh dist/ build, or vitest/notebooks):
// registers tsx in this thread, then loads the worker itself.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
