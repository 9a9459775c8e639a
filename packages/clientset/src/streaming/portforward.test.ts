// listenAndForward's arguments: every port pair is checked before anything listens or connects, as
// kubectl port-forward checks its arguments (an out-of-range port used to listen and fail each
// connection later).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { listenAndForward, type PortForwardStreams } from "./portforward.js";

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
