#!/usr/bin/env node
// org-codegen: generate @org/api-types or the typed part of @org/clientset from a Kubernetes spec.
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
});
