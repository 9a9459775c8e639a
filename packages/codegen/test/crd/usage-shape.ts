// The shape of the generated usage module live.test.ts imports (usage.ts.txt, written next to the
// generated code of a CRD with a random group). Typed against @org/rest's RESTClient, not clientset's
// RestInterface: codegen cannot depend on @org/clientset, which is built from codegen's output.
import type { RESTClient } from "@org/rest";

export declare function exercise(rest: RESTClient, namespace: string): Promise<Record<string, unknown>>;
