// kubectl against serveFake and against the run's real API server: the same commands, and their
// output compared with the volatile fields (uids, resourceVersions, timestamps, ages) masked.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultSpecInput } from "@org/codegen";
import { adminCredentials, kubeCall } from "@org/testenv";
import { getControlPlane, uniqueNamespaceName } from "@org/testenv/harness";
import { newFakeClientset, serveFake } from "../../src/fake/index.js";

interface Step {
  args: string[];
  output: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs kubectl (asynchronously: the fake server answers from this process) and returns stdout + stderr. */
function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", ["--kubeconfig", kubeconfig, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      err += c;
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`kubectl is needed on PATH for this test: ${e.message}`));
    });
    child.once("close", () => {
      clearTimeout(timer);
      resolve(out + err);
    });
  });
}

/** `kubectl get -w` while `during` runs; its output after it ends. */
async function watchWhile(kubeconfig: string, args: string[], during: () => Promise<void>): Promise<string> {
  const child = spawn("kubectl", ["--kubeconfig", kubeconfig, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => {
    out += c;
  });
  child.stderr.on("data", (c) => {
    out += c;
  });
  for (let i = 0; i < 200 && !out.includes("\n"); i++) await sleep(25);
  await during();
  await sleep(1000);
  child.kill();
  await new Promise((r) => child.once("close", r));
  return out;
}

async function scenario(kubeconfig: string, ns: string, dir: string): Promise<Step[]> {
  const steps: Step[] = [];
  const run = async (...args: string[]) => {
    steps.push({ args, output: await kubectl(kubeconfig, args) });
  };
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const nsFile = file(
    "ns.json",
    JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }),
  );
  const a = file(
    "a.yaml",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app: demo}\ndata:\n  k: v\n",
  );
  const b = file("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: applied\n");
  const bc = file(
    "bc.yaml",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: conflicting\n",
  );
  const p = file(
    "p.yaml",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: nginx:1\n",
  );
  const s = file(
    "s.yaml",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\nstringData:\n  password: hunter2\n",
  );
  await run("create", "-f", nsFile);
  // The real namespace gets its kube-root-ca.crt and default ServiceAccount from the controller
  // manager within a moment (pods need the ServiceAccount).
  for (
    let i = 0;
    i < 100 &&
    !(await kubectl(kubeconfig, ["get", "serviceaccounts", "-n", ns, "-o", "name"])).includes("default");
    i++
  )
    await sleep(50);
  for (
    let i = 0;
    i < 100 &&
    !(await kubectl(kubeconfig, ["get", "configmaps", "-n", ns, "-o", "name"])).includes("kube-root-ca.crt");
    i++
  )
    await sleep(50);
  await run("create", "-f", a, "-n", ns);
  await run("create", "-f", s, "-n", ns);
  await run("get", "configmaps", "-n", ns);
  await run("get", "cm", "a", "-n", ns, "-o", "json");
  await run("get", "secrets", "-n", ns);
  await run("get", "secret", "s", "-n", ns, "-o", "jsonpath={.data.password}");
  await run("apply", "--server-side", "-f", b, "-n", ns);
  await run("apply", "--server-side", "--field-manager=other", "-f", b, "-n", ns);
  await run("apply", "--server-side", "--field-manager=third", "-f", bc, "-n", ns);
  await run("apply", "--server-side", "--force-conflicts", "--field-manager=third", "-f", bc, "-n", ns);
  await run("get", "configmap", "b", "-n", ns, "-o", "jsonpath={.data.k}");
  await run("patch", "configmap", "a", "-n", ns, "--type=merge", "-p", '{"data":{"m":"1"}}');
  await run(
    "patch",
    "configmap",
    "a",
    "-n",
    ns,
    "--type=json",
    "-p",
    '[{"op":"add","path":"/data/j","value":"2"}]',
  );
  await run("patch", "configmap", "a", "-n", ns, "-p", '{"data":{"s":"3"}}');
  await run(
    "patch",
    "configmap",
    "a",
    "-n",
    ns,
    "--type=json",
    "-p",
    '[{"op":"remove","path":"/data/nope"}]',
  );
  await run("label", "configmap", "a", "-n", ns, "tier=web");
  await run("label", "configmap", "a", "-n", ns, "tier=db");
  await run("label", "configmap", "a", "-n", ns, "--overwrite", "tier=db");
  await run("get", "configmaps", "-n", ns, "-l", "tier=db", "-o", "name");
  await run("get", "configmaps", "-n", ns, "--field-selector", "metadata.name=b", "-o", "name");
  await run("get", "configmaps", "-n", ns, "--field-selector", "data.k=v");
  await run("get", "configmap", "a", "-n", ns, "-o", "jsonpath={.data}");
  await run("get", "configmap", "nope", "-n", ns);
  await run("get", "configmap", "a", "-n", ns, "-o", "yaml");
  await run("create", "-f", p, "-n", ns);
  await run("get", "pods", "-n", ns);
  await run("get", "pods", "-n", ns, "-o", "wide");
  await run("get", "all", "-n", ns);
  await run("delete", "pod", "p", "-n", ns);
  await run("explain", "configmap.data");
  await run("delete", "configmap", "a", "-n", ns);
  await run("get", "configmaps", "-n", ns, "-o", "name");
  const watched = await watchWhile(kubeconfig, ["get", "configmaps", "-n", ns, "-w"], async () => {
    await kubectl(kubeconfig, ["create", "-f", a, "-n", ns]);
    await sleep(300);
    await kubectl(kubeconfig, ["label", "configmap", "a", "-n", ns, "more=yes"]);
    await sleep(300);
    await kubectl(kubeconfig, ["delete", "configmap", "a", "-n", ns]);
  });
  steps.push({ args: ["get", "configmaps", "-w", "(create, label, delete meanwhile)"], output: watched });
  await run("delete", "namespace", ns, "--wait=false");
  await run("get", "namespace", ns, "-o", "jsonpath={.status.phase}");
  return steps;
}

function maskOutput(s: string, ns: string): string {
  return s
    .replaceAll(ns, "<ns>")
    .replace(/"(uid|resourceVersion|creationTimestamp)": "[^"]*"/g, '"$1": "<masked>"')
    .replace(/^(\s*)(uid|resourceVersion|creationTimestamp): .*$/gm, "$1$2: <masked>")
    .replace(/\b\d+(s|m|h|d)\d*(s|m|h)?\b/g, "<age>");
}

test("kubectl behaves the same against serveFake and the real API server", {
  timeout: 300_000,
}, async (t) => {
  const input = defaultSpecInput();
  const fake = newFakeClientset();
  const cp = await getControlPlane();
  // kubectl validates against the server's OpenAPI: the repo's snapshot of this version, else (a clone
  // without ../shared) the one the real API server serves.
  const swagger =
    input.kind === "path"
      ? JSON.parse(readFileSync(input.path, "utf8"))
      : (await kubeCall(cp.apiServerURL, adminCredentials(cp), "GET", "/openapi/v2")).body;
  const served = await serveFake(fake, { openapi: swagger });
  const dir = mkdtempSync(join(tmpdir(), "fake-kubectl-"));
  t.after(async () => {
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fakeKubeconfig = join(dir, "kubeconfig");
  writeFileSync(fakeKubeconfig, served.kubeconfig);
  const ns = uniqueNamespaceName("kubectl");
  const real = await scenario(cp.kubeconfigPath, ns, dir);
  const onFake = await scenario(fakeKubeconfig, ns, dir);
  let agreed = 0;
  const differing: string[] = [];
  real.forEach((r, i) => {
    const f = onFake[i]!;
    const same = maskOutput(r.output, ns) === maskOutput(f.output, ns);
    if (same) agreed++;
    else differing.push(r.args.join(" "));
    t.diagnostic(
      `$ kubectl ${r.args.join(" ")}  [${same ? "same" : "DIFFERENT"}]\n${maskOutput(f.output, ns)}${same ? "" : `\n--- real:\n${maskOutput(r.output, ns)}`}`,
    );
  });
  t.diagnostic(`kubectl commands with the same output: ${agreed}/${real.length}`);
  assert.deepEqual(differing, []);
});
