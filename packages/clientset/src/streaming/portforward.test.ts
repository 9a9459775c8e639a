// listenAndForward's arguments: every port pair is checked before anything listens or connects, as
// kubectl port-forward checks its arguments (an out-of-range port used to listen and fail each
// connection later).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { newFakeClientset } from "../fake/index.js";
import { listenAndForward, type PortForwardStreams, parsePortString } from "./portforward.js";

test("out-of-range, fractional and negative ports are TypeErrors naming the pair, before any listen", async () => {
  const opened: number[] = [];
  const openOne = async (port: number): Promise<PortForwardStreams> => {
    opened.push(port);
    throw new Error("not reached");
  };
  for (const [ports, message] of [
    [[70000], /the pod port 70000 in 70000 must be an integer from 1 to 65535/],
    [[0], /the pod port 0 in 0 must be an integer from 1 to 65535/],
    [[{ remote: 1.5 }], /the pod port 1\.5 in \{"remote":1\.5\}/],
    [
      [80, { local: 70000, remote: 80 }],
      /the local port 70000 in \{"local":70000,"remote":80\} must be an integer from 0 \(any free port\)/,
    ],
    [[{ local: -1, remote: 80 }], /the local port -1/],
  ] as const) {
    await assert.rejects(listenAndForward(openOne, ports, {}), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
  assert.deepEqual(opened, []);
});

test("a local port in use: an error naming the address, both ports and what to do, with the code EADDRINUSE", async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  const port = (taken.address() as { port: number }).port;
  try {
    const openOne = async (): Promise<PortForwardStreams> => {
      throw new Error("not reached");
    };
    await assert.rejects(listenAndForward(openOne, [8080, { local: port, remote: 80 }], {}), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal((e as NodeJS.ErrnoException).code, "EADDRINUSE");
      assert.match(
        e.message,
        new RegExp(
          `cannot listen on 127\\.0\\.0\\.1:${port} for the pod's port 80 \\(EADDRINUSE\\); choose another local port`,
        ),
      );
      return true;
    });
  } finally {
    taken.close();
  }
});

test("kubectl's port strings: local:remote, :remote, a port alone, container port names; bad ones name the string", () => {
  assert.deepEqual(parsePortString("f", "8080:80"), { local: 8080, remote: 80, sameLocal: false });
  assert.deepEqual(parsePortString("f", ":80"), { local: 0, remote: 80, sameLocal: false });
  assert.deepEqual(parsePortString("f", "0:80"), { local: 0, remote: 80, sameLocal: false });
  assert.deepEqual(parsePortString("f", "80"), { local: 80, remote: 80, sameLocal: true });
  assert.deepEqual(parsePortString("f", "9000:http"), { local: 9000, remote: "http", sameLocal: false });
  assert.deepEqual(parsePortString("f", "metrics-2"), { local: 0, remote: "metrics-2", sameLocal: true });
  for (const [spec, message] of [
    ["1:2:3", /f: invalid port format '1:2:3'/],
    ["70000", /the pod port 70000 in '70000' must be from 1 to 65535/],
    [":0", /the pod port 0 in ':0'/],
    ["70000:80", /error parsing local port '70000' in '70000:80'/],
    ["x:80", /error parsing local port 'x'/],
    [
      "8080:HTTP",
      /error parsing remote port 'HTTP' in '8080:HTTP': it must be a port number from 1 to 65535 or a container port's name/,
    ],
    ["8080:", /error parsing remote port ''/],
    ["8080:a--b", /error parsing remote port 'a--b'/],
    ["8080:-http", /error parsing remote port '-http'/],
    ["8080:sixteen-chars-xx", /error parsing remote port 'sixteen-chars-xx'/],
  ] as const) {
    assert.throws(
      () => parsePortString("f", spec),
      (e: unknown) => {
        assert.ok(e instanceof TypeError, spec);
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test("forwardPorts with no port is a TypeError before the pod is read, as kubectl refuses it", async () => {
  const cs = newFakeClientset();
  await assert.rejects(cs.coreV1().pods("web").forwardPorts("app", []), {
    name: "TypeError",
    message: "forwardPorts: name at least one port to forward from pod app",
  });
  assert.deepEqual(cs.actions(), [], "nothing was asked of the server");
});
