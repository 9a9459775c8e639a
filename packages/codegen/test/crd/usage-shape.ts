// The shape of the generated usage module live.test.ts imports (usage.ts.txt, written next to the
// generated code of a CRD with a random group).
import type { RestInterface } from "@org/clientset";

export declare function exercise(rest: RestInterface, namespace: string): Promise<Record<string, unknown>>;
