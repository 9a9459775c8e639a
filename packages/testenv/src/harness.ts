/**
 * Test harness: one control plane per test run, shared by every test file through ORG_TESTENV_STATE,
 * and a unique namespace per test.
 *
 * @module @org/testenv/harness
 */
import { randomBytes } from "node:crypto";
import {
  adminCredentials,
  attachControlPlane,
  type ControlPlane,
  readState,
  type StartOptions,
  startControlPlane,
  stateAlive,
} from "./controlplane.js";
import { kubeCall, kubeFetch } from "./http.js";

/** Environment variable holding the path of the shared control plane's JSON state file. */
export const STATE_ENV = "ORG_TESTENV_STATE";

/**
 * Global setup for a test run: starts one control plane and publishes it to the test processes through
 * process.env.ORG_TESTENV_STATE (inherited by child processes). Returns the teardown, which stops it.
 * When ORG_TESTENV_STATE already names a running control plane (e.g. `eval "$(testenv env)"` after
 * `testenv up`), that one is reused and the teardown leaves it running.
 */
export async function globalSetup(opts: StartOptions = {}): Promise<() => Promise<void>> {
  const existing = process.env[STATE_ENV];
  if (existing) {
    const state = readState(existing);
    if (state && stateAlive(state)) {
      process.stderr.write(`[testenv] reusing the control plane at ${state.apiServerURL} (${STATE_ENV})\n`);
      return async () => {};
    }
    process.stderr.write(`[testenv] ${STATE_ENV}=${existing} is not a running control plane; starting one\n`);
  }
  const started = Date.now();
  const cp = await startControlPlane(opts);
  process.stderr.write(
    `[testenv] control plane ${cp.version} at ${cp.apiServerURL} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  process.env[STATE_ENV] = cp.statePath;
  return async () => {
    if (process.env[STATE_ENV] === cp.statePath) delete process.env[STATE_ENV];
    await cp.stop();
  };
}

let own: Promise<ControlPlane> | undefined;

/**
 * The control plane of this test run: the shared one named by ORG_TESTENV_STATE (its stop() is a no-op:
 * the global teardown owns it), or else one started for this process and stopped when it exits.
 */
export function getControlPlane(): Promise<ControlPlane> {
  const statePath = process.env[STATE_ENV];
  if (statePath) {
    try {
      return Promise.resolve(attachControlPlane(statePath, { ownsProcesses: false }));
    } catch (e) {
      return Promise.reject(
        new Error(
          `${STATE_ENV} is set but unusable: ${(e as Error).message}. Unset it to start a control plane.`,
        ),
      );
    }
  }
  own ??= startControlPlane({ stopOnExit: true });
  return own;
}

/** A valid namespace name: `<prefix>-<random>`, lower case, at most 63 characters. */
export function uniqueNamespaceName(prefix = "test"): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 50) || "test";
  return `${clean}-${randomBytes(5).toString("hex")}`;
}

export interface TestNamespace {
  name: string;
  /** Deletes the namespace (the namespace controller then removes its contents). Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * Creates a namespace with a unique name for one test and waits until its "default" ServiceAccount exists
 * (so pods can be created right away). Call cleanup() when the test ends, e.g. `t.after(ns.cleanup)`.
 */
export async function createTestNamespace(prefix = "test"): Promise<TestNamespace> {
  const cp = await getControlPlane();
  const creds = adminCredentials(cp);
  const name = uniqueNamespaceName(prefix);
  await kubeCall(cp.apiServerURL, creds, "POST", "/api/v1/namespaces", {
    body: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "org-testenv/test-namespace": "true" } },
    },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const sa = await kubeFetch(
      cp.apiServerURL,
      creds,
      "GET",
      `/api/v1/namespaces/${name}/serviceaccounts/default`,
    );
    if (sa.statusCode === 200) break;
    if (Date.now() > deadline) {
      throw new Error(
        `the "default" ServiceAccount of namespace ${name} did not appear within 30 s: is kube-controller-manager running? (logs in ${cp.runDir})`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let done: Promise<void> | undefined;
  return {
    name,
    cleanup() {
      done ??= kubeCall(cp.apiServerURL, creds, "DELETE", `/api/v1/namespaces/${name}`, {
        body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" },
        allow: [404, 409],
      }).then(() => {});
      return done;
    },
  };
}
