#!/usr/bin/env node
// Bundles the in-cluster program and everything it imports (our packages, undici, ...) into one
// file, dist/image/in-cluster.mjs, which is all the container image needs besides Node itself.
// Run `npm run build` at the repository root first: the typed clients are generated sources.
import { build } from "esbuild";

const outfile = process.argv[2] ?? new URL("../dist/image/in-cluster.mjs", import.meta.url).pathname;
await build({
  entryPoints: [new URL("../src/in-cluster.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["source"],
  // Some dependencies are CommonJS and call require() for Node's built-in modules.
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
  logLevel: "warning",
});
console.log(`wrote ${outfile}`);
