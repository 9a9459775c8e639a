// transport.ts imports undici's own modules (undici/lib/...), not its index: paths that are undici 7's
// layout, not a public API. This pins them: the installed undici is the lockfile's, every path
// transport.ts imports loads and has the shape transport.ts uses, or the test says what moved.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";

const here = import.meta.dirname;
const repo = join(here, "..", "..", "..");
const require = createRequire(join(here, "transport.ts"));
const installed = (require("undici/package.json") as { version: string }).version;
const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const deepImports = [
  ...readFileSync(join(here, "transport.ts"), "utf8").matchAll(/from "(undici\/lib\/[^"]+)"/g),
].map((m) => m[1]!);

/** What transport.ts needs of each module's default export. */
const shapes: Record<string, (m: unknown) => boolean> = {
  "undici/lib/dispatcher/proxy-agent.js": (m) =>
    typeof m === "function" && "dispatch" in (m as { prototype: object }).prototype,
  "undici/lib/dispatcher/dispatcher.js": (m) => typeof m === "function",
  "undici/lib/core/util.js": (m) =>
    typeof (m as { parseHeaders?: unknown }).parseHeaders === "function" &&
    JSON.stringify(
      (m as { parseHeaders(raw: Buffer[]): unknown }).parseHeaders(
        ["Warning", "a", "warning", "b", "Content-Type", "x"].map((v) => Buffer.from(v)),
      ),
    ) === JSON.stringify({ warning: ["a", "b"], "content-type": "x" }),
  "undici/lib/api/index.js": (m) =>
    ["request", "stream", "connect", "upgrade"].every(
      (k) => typeof (m as Record<string, unknown>)[k] === "function",
    ),
};

function moved(spec: string, what: string): string {
  return (
    `undici ${installed}: transport.ts imports ${spec}, which ${what}. undici's internal layout moved: ` +
    "update the imports in packages/rest/src/transport.ts and the types in undici-modules.d.ts " +
    "(see packages/rest/README.md, 'undici versions')."
  );
}

describe("transport's undici internals", () => {
  it("the installed undici is the lockfile's, within @org/rest's range", () => {
    assert.equal(
      installed,
      lock.packages["node_modules/undici"]?.version,
      "npm ci installs the lockfile's undici",
    );
    const range = (
      JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies.undici;
    assert.match(range ?? "", /^~7\./, "rest pins undici to a 7.x minor: the internal paths are 7's");
    assert.match(installed, /^7\./);
  });

  it("every undici/lib module transport.ts imports loads and has the shape it uses", () => {
    assert.ok(deepImports.length >= 4, `transport.ts imports ${deepImports.join(", ")}`);
    for (const spec of deepImports) {
      let mod: unknown;
      try {
        mod = require(spec);
      } catch (err) {
        assert.fail(moved(spec, `does not load (${(err as Error).message.split("\n")[0]})`));
      }
      const check = shapes[spec];
      if (check) assert.ok(check(mod), moved(spec, "no longer exports what transport.ts uses"));
      else assert.ok(mod !== null && mod !== undefined, moved(spec, "exports nothing"));
    }
  });

  it("transport.ts loads on them: direct configs get http1.ts's pool, proxied ones undici's ProxyAgent", async () => {
    const { createDispatcher } = await import("./transport.js");
    const url = new URL("https://10.0.0.1:6443/api");
    const direct = createDispatcher({ host: url.origin }, url);
    const proxied = createDispatcher({ host: url.origin, proxyURL: "http://127.0.0.1:3128" }, url);
    assert.deepEqual([direct.constructor.name, proxied.constructor.name], ["Http1Pool", "ProxyDispatcher"]);
    for (const d of [direct, proxied]) await d.close();
  });
});
