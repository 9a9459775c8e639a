// Kubeconfig files as YAML text. Every value is written as a double-quoted YAML scalar (JSON string
// syntax is valid YAML), so no value can break the document.

export interface KubeconfigUser {
  /** Context and user name in the file. */
  name: string;
  clientCertificate?: string; // PEM
  clientKey?: string; // PEM
  token?: string;
}

const q = (s: string) => JSON.stringify(s);
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/**
 * Builds a kubeconfig for one cluster and one or more users; the first user's context is current.
 */
export function kubeconfigYaml(opts: {
  /** Name of the cluster entry. */
  clusterName: string;
  server: string;
  caPem: string;
  users: readonly KubeconfigUser[];
  contextNames?: readonly string[];
}): string {
  const { clusterName, server, caPem, users } = opts;
  if (users.length === 0) throw new Error("kubeconfigYaml: at least one user is required");
  const ctx = (i: number) => opts.contextNames?.[i] ?? users[i]!.name;
  const lines = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(clusterName)}`,
    "  cluster:",
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${q(b64(caPem))}`,
    "users:",
  ];
  for (const u of users) {
    lines.push(`- name: ${q(u.name)}`, "  user:");
    if (u.clientCertificate && u.clientKey) {
      lines.push(
        `    client-certificate-data: ${q(b64(u.clientCertificate))}`,
        `    client-key-data: ${q(b64(u.clientKey))}`,
      );
    } else if (u.token) {
      lines.push(`    token: ${q(u.token)}`);
    } else {
      throw new Error(`kubeconfigYaml: user ${u.name} has neither a client certificate nor a token`);
    }
  }
  lines.push("contexts:");
  users.forEach((u, i) => {
    lines.push(
      `- name: ${q(ctx(i))}`,
      "  context:",
      `    cluster: ${q(clusterName)}`,
      `    user: ${q(u.name)}`,
    );
  });
  lines.push(`current-context: ${q(ctx(0))}`, "");
  return lines.join("\n");
}
