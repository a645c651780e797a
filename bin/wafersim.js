#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built from src/ by scripts/setup.sh).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("wafersim: not built yet. Run `npm run setup` (or `npm test` / `npm start`) first.\n");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
