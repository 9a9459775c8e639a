// What an editor shows for the typed factory: TypeScript's language service (the one behind hovers)
// over a file that uses the factory, with this package's own compiler options.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const pkg = join(import.meta.dirname, "..");
const file = join(import.meta.dirname, "factory-hover.ts");
const text = `import type { SharedInformerFactory } from "./index.js";
declare const factory: SharedInformerFactory;
export const podLister = factory.coreV1().pods().lister();
export const podNamespaceLister = factory.coreV1().pods().lister().pods("web");
export const podInformer = factory.coreV1().pods();
export const nodeLister = factory.coreV1().nodes().lister();
export const pod = podNamespaceLister.get("frontend");
// @ts-expect-error: nodes are cluster-scoped, their lister has no namespace method
nodeLister.nodes("web");
`;

function languageService(): ts.LanguageService {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(pkg, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) =>
        assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    },
  );
  assert.ok(config);
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => config.options,
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => {
      const content = f === file ? text : ts.sys.readFile(f);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => dirname(file),
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => f === file || ts.sys.fileExists(f),
    readFile: (f) => (f === file ? text : ts.sys.readFile(f)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

const service = languageService();

/** The hover text of the constant `name`. */
function hover(name: string): string {
  const at = text.indexOf(`const ${name} =`) + "const ".length;
  const info = service.getQuickInfoAtPosition(file, at);
  assert.ok(info, `no quick info for ${name}`);
  return ts.displayPartsToString(info.displayParts);
}

describe("typed factory hovers", () => {
  it("compiles, and misusing a cluster-scoped lister is an error", () => {
    const diagnostics = [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)];
    assert.deepEqual(
      diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
      [],
    );
  });

  it("shows client-go's names: PodLister, PodNamespaceLister, PodInformer, NodeLister", () => {
    assert.equal(hover("podLister"), "const podLister: PodLister");
    assert.equal(hover("podNamespaceLister"), "const podNamespaceLister: PodNamespaceLister");
    assert.equal(hover("podInformer"), "const podInformer: PodInformer");
    assert.equal(hover("nodeLister"), "const nodeLister: NodeLister");
  });

  it("keeps the object type: a namespace lister's get is a Pod", () => {
    assert.equal(hover("pod"), "const pod: Pod | undefined");
  });
});
