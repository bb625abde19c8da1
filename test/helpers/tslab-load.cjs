// Evaluates one cell with tslab's own converter and executor — the TypeScript version and
// CommonJS evaluation the notebooks' kernel uses — and exits 0 only when it ran cleanly.
// Usage: node --import tsx test/helpers/tslab-load.cjs ROOT CELL
const { join } = require("node:path");
const [root, cell] = process.argv.slice(2);
process.chdir(root);
const { createConverter } = require(join(root, "node_modules/tslab/dist/converter.js"));
const { createExecutor } = require(join(root, "node_modules/tslab/dist/executor.js"));
const converter = createConverter();
const executor = createExecutor(root, { node: converter }, { log: console.log, error: console.error });
executor.execute(cell).then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
