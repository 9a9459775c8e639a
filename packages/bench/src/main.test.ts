import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const bench = (...args: string[]) =>
  spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", main, ...args], {
    encoding: "utf8",
  });

test("bench options: --help prints the usage; bad options exit 2 with what was wrong, before any work", () => {
  const help = bench("--help");
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: npm run bench -- \[--only P1,P3,\.\.\.\]/);
  for (const [args, why] of [
    [["--bogus"], /^bench: Unknown option '--bogus'/],
    [["--only", "P3,P13"], /^bench: unknown scenario P13 in --only \(there are P1, P2, .*P12\)/],
    [["--reps", "abc"], /^bench: --reps must be a whole number from 1 \(got abc\)/],
    [["--reps", "0"], /^bench: --reps must be a whole number from 1 \(got 0\)/],
  ] as const) {
    const r = bench(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.match(r.stderr, /\n\nUsage: /, "the usage follows");
    assert.doesNotMatch(r.stderr, /\[bench /, "nothing was started");
  }
});
