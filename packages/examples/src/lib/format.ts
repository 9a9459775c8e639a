// Output formatting shared by the example programs.
import type { Pod } from "@org/api-types/core/v1";

/** Renders rows as columns separated by three spaces, like kubectl's and Go's tabwriter output. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** A map printed as sorted `key=value` pairs, `<none>` when empty (kubectl's convention). */
export function formatMap(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "<none>" : entries.map(([k, v]) => `${k}=${v}`).join(", ");
}

/** Label/value pairs with the values aligned in one column. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`.trimEnd()).join("\n");
}

/** The tutorial's prettyPrint: the interesting fields of one pod, aligned in a column. */
export function prettyPrint(pod: Pod): string {
  const images = (pod.spec?.containers ?? []).map((c) => c.image ?? "").filter((i) => i !== "");
  return fields([
    ["Name", pod.metadata?.name ?? ""],
    ["Namespaces", pod.metadata?.namespace ?? ""],
    ["NodeName", pod.spec?.nodeName ?? "<none>"],
    ["Annotations", formatMap(pod.metadata?.annotations)],
    ["Labels", formatMap(pod.metadata?.labels)],
    // Kubernetes stopped setting selfLink in 1.20; the field is kept so the output matches the tutorial.
    ["SelfLink", pod.metadata?.selfLink || "<none>"],
    ["Uid", pod.metadata?.uid ?? ""],
    ["Status", pod.status?.phase ?? "Unknown"],
    ["IP", pod.status?.podIP ?? "<none>"],
    ["Image", images.join(", ") || "<none>"],
  ]);
}

/** Name, Status and CreateTime of each pod, as a table. */
export function podTable(pods: readonly Pod[]): string {
  return table(
    ["NAME", "STATUS", "CREATETIME"],
    pods.map((p) => [
      p.metadata?.name ?? "",
      p.status?.phase ?? "Unknown",
      p.metadata?.creationTimestamp ?? "",
    ]),
  );
}

/**
 * Where a program's pod listing (as printed by podTable, after "There are N pods in namespace X")
 * differs from what kubectl reports; empty when they agree.
 */
export function disagreements(
  programOutput: string,
  namespace: string,
  pods: readonly { name: string; phase: string }[],
): string[] {
  const problems: string[] = [];
  const count = new RegExp(`^There are (\\d+) pods in namespace ${namespace}$`, "m").exec(programOutput)?.[1];
  if (count === undefined) problems.push(`it prints no pod count for namespace ${namespace}`);
  else if (Number(count) !== pods.length)
    problems.push(`it counts ${count} pods in ${namespace}, kubectl ${pods.length}`);
  const rows = programOutput.split("\n").map((l) => l.split(/\s+/));
  for (const { name, phase } of pods) {
    const row = rows.find((r) => r[0] === name);
    if (!row) problems.push(`it does not list pod ${name}`);
    else if (row[1] !== phase) problems.push(`it shows pod ${name} as ${row[1]}, kubectl as ${phase}`);
  }
  return problems;
}
