// P3 against the real API server of @org/testenv: starts a control plane, creates the bench
// namespace and ConfigMap with the admin credentials, and hands the scenario what each client needs.
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { Agent, request } from "undici";
import type { TlsAuth } from "./child.js";
import { importUntyped } from "./ours.js";

interface KubeconfigYaml {
  clusters?: {
    cluster?: { server?: string; "certificate-authority-data"?: string; "certificate-authority"?: string };
  }[];
  users?: {
    user?: {
      "client-certificate-data"?: string;
      "client-key-data"?: string;
      "client-certificate"?: string;
      "client-key"?: string;
      token?: string;
    };
  }[];
}

interface ControlPlaneLike {
  kubeconfigPath: string;
  apiServerURL: string;
  caData: string;
  stop(): Promise<void>;
}
interface TestenvModule {
  startControlPlane?: (opts?: Record<string, unknown>) => Promise<ControlPlaneLike>;
}

const b64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");

/** TLS material of the first cluster and user of a kubeconfig, for raw undici requests. */
export function authFromKubeconfig(path: string, caData?: string): { url: string; auth: TlsAuth } {
  const kc = load(readFileSync(path, "utf8")) as KubeconfigYaml;
  const cluster = kc.clusters?.[0]?.cluster ?? {};
  const user = kc.users?.[0]?.user ?? {};
  const ca =
    caData ??
    (cluster["certificate-authority-data"]
      ? b64(cluster["certificate-authority-data"])
      : readFileSync(cluster["certificate-authority"] ?? "", "utf8"));
  const auth: TlsAuth = { ca };
  if (user["client-certificate-data"]) auth.cert = b64(user["client-certificate-data"]);
  else if (user["client-certificate"]) auth.cert = readFileSync(user["client-certificate"], "utf8");
  if (user["client-key-data"]) auth.key = b64(user["client-key-data"]);
  else if (user["client-key"]) auth.key = readFileSync(user["client-key"], "utf8");
  if (user.token) auth.token = user.token;
  if (!cluster.server) throw new Error(`kubeconfig ${path} has no cluster server`);
  return { url: cluster.server, auth };
}

export async function startRealServer(
  namespace: string,
  configMap: string,
  log: (s: string) => void,
): Promise<{ url: string; kubeconfigPath: string; auth: TlsAuth; stop(): Promise<void> }> {
  const te = (await importUntyped("@org/testenv")) as TestenvModule;
  if (typeof te.startControlPlane !== "function")
    throw new Error("@org/testenv does not export startControlPlane yet");
  const t0 = performance.now();
  const cp = await te.startControlPlane();
  log(`  control plane up in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${cp.apiServerURL}`);
  try {
    const { auth } = authFromKubeconfig(cp.kubeconfigPath, cp.caData);
    const dispatcher = new Agent({
      connect: { ca: auth.ca, ...(auth.cert ? { cert: auth.cert, key: auth.key } : {}) },
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    const post = async (path: string, body: unknown) => {
      const res = await request(`${cp.apiServerURL}${path}`, {
        method: "POST",
        dispatcher,
        headers,
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201 && res.statusCode !== 409)
        throw new Error(`POST ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    };
    await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    await post(`/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: configMap, labels: { app: "bench" } },
      data: { "app.properties": "greeting=hello\nlevel=info\n", mode: "fast" },
    });
    await dispatcher.close();
    return { url: cp.apiServerURL, kubeconfigPath: cp.kubeconfigPath, auth, stop: () => cp.stop() };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}
