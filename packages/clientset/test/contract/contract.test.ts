// The contract suite: every case runs against the run's real kube-apiserver and against the fake.
// The real server is the oracle (its observation must equal the case's `want`); the fake agrees when
// its observation is the same as the real one. The output lists both per case, the agreement, and
// the time each target took for the whole suite. Every disagreement must be a known difference
// listed in FAKE.md.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { type Case, cases } from "./cases.js";
import { fakeTarget, realTarget, type Target } from "./target.js";

interface Outcome {
  value?: unknown;
  error?: string;
  ms: number;
}

async function runCase(target: Target, k: Case): Promise<Outcome> {
  const t0 = performance.now();
  const { ctx, cleanup } = await target.ctx(k.name);
  try {
    const value = JSON.parse(JSON.stringify(await k.run(ctx)) ?? "null");
    return { value, ms: performance.now() - t0 };
  } catch (err) {
    return { error: `${(err as Error)?.name}: ${(err as Error)?.message}`, ms: performance.now() - t0 };
  } finally {
    await cleanup();
  }
}

function show(o: Outcome): string {
  const s = o.error !== undefined ? `threw ${o.error}` : JSON.stringify(o.value);
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

async function runAll(target: Target): Promise<{ outcomes: Outcome[]; ms: number }> {
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  for (const k of cases) outcomes.push(await runCase(target, k));
  return { outcomes, ms: performance.now() - t0 };
}

test(`contract suite: ${cases.length} cases against the real API server and the fake`, {
  timeout: 900_000,
}, async (t) => {
  assert.ok(cases.length >= 80, `at least 80 cases (${cases.length})`);
  const fake = await runAll(fakeTarget());
  const real = await runAll(await realTarget());

  const disagreements: string[] = [];
  const wrongCases: string[] = [];
  cases.forEach((k, i) => {
    const r = real.outcomes[i]!;
    const f = fake.outcomes[i]!;
    const oracleOK = r.error === undefined && isDeepStrictEqual(r.value, k.want);
    const agree = f.error === undefined && r.error === undefined && isDeepStrictEqual(f.value, r.value);
    if (!oracleOK)
      wrongCases.push(`${k.area}: ${k.name}\n    want ${JSON.stringify(k.want)}\n    real ${show(r)}`);
    if (!agree) disagreements.push(k.name);
    t.diagnostic(
      `[${k.area}] ${k.name}\n  real: ${show(r)} (${r.ms.toFixed(0)} ms)\n  fake: ${show(f)} (${f.ms.toFixed(1)} ms)\n  agree: ${agree ? "yes" : "NO"}`,
    );
  });
  const agreed = cases.length - disagreements.length;
  const pct = (100 * agreed) / cases.length;
  t.diagnostic(`agreement: ${agreed}/${cases.length} = ${pct.toFixed(1)}%`);
  t.diagnostic(
    `suite time: real API server ${real.ms.toFixed(0)} ms, fake ${fake.ms.toFixed(0)} ms (${(real.ms / fake.ms).toFixed(0)}x)`,
  );
  // Cases bound by a server-side wall clock (a watch's timeoutSeconds) take as long on both targets.
  const clocked = cases.map((k, i) => (k.name.startsWith("timeoutSeconds") ? i : -1)).filter((i) => i >= 0);
  const sum = (os: Outcome[]) => os.reduce((n, o, i) => n + (clocked.includes(i) ? 0 : o.ms), 0);
  t.diagnostic(
    `suite time without the ${clocked.length} wall-clock case(s): real ${sum(real.outcomes).toFixed(0)} ms, fake ${sum(fake.outcomes).toFixed(0)} ms (${(sum(real.outcomes) / sum(fake.outcomes)).toFixed(0)}x)`,
  );
  if (disagreements.length > 0) t.diagnostic(`disagreements:\n  ${disagreements.join("\n  ")}`);

  assert.deepEqual(wrongCases, [], "every case's expectation holds on the real API server (the oracle)");
  assert.ok(
    pct >= 95,
    `the fake agrees with the real server on at least 95% of the cases (${pct.toFixed(1)}%)`,
  );
  const known = readFileSync(join(import.meta.dirname, "..", "..", "FAKE.md"), "utf8");
  const unlisted = disagreements.filter((name) => !known.includes(name));
  assert.deepEqual(unlisted, [], "every disagreement is listed in FAKE.md's known differences");
});
