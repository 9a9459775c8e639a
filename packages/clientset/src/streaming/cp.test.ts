// copyToPod / copyFromPod against a container that answers with whatever archive the test writes (a
// container that lies): nothing may be written outside the local destination, whatever the entries'
// names and symlinks; and the commands sent for names kubectl's tar would read as options.
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RequestSpec, WebSocketHandlers } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import { CopyError, copyFromPod, copyToPod, header, untar } from "./cp.js";

/** One ustar entry: type "0" file, "5" directory, "2" symlink. */
function entry(name: string, type: string, body = "", linkname = ""): Buffer {
  const data = Buffer.from(body);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(name, type, data.length, 0o644, linkname), data, pad]);
}
const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

interface Reply {
  stdout?: Buffer;
  stderr?: string;
  exitCode?: number;
}
interface Call {
  command: string[];
  stdin: Buffer;
  /** The size of each stdin message. */
  frames: number[];
}

/** A RestInterface whose exec runs nothing: `reply` says what the command printed and how it ended. */
function container(reply: (command: string[], stdin: Buffer) => Reply) {
  const calls: Call[] = [];
  const rest = {
    async connect(spec: RequestSpec, _protocols: readonly string[], handlers: WebSocketHandlers) {
      const q = spec.query as { command: string[]; stdin: boolean };
      const stdin: Buffer[] = [];
      let open = true;
      const end = () => {
        const call = { command: q.command, stdin: Buffer.concat(stdin), frames: stdin.map((b) => b.length) };
        calls.push(call);
        const r = reply(call.command, call.stdin);
        setImmediate(() => {
          if (r.stdout) handlers.data(Buffer.concat([Buffer.from([1]), r.stdout]), true);
          if (r.stderr) handlers.data(Buffer.concat([Buffer.from([2]), Buffer.from(r.stderr)]), true);
          const code = r.exitCode ?? 0;
          const status =
            code === 0
              ? { status: "Success" }
              : {
                  status: "Failure",
                  reason: "NonZeroExitCode",
                  details: { causes: [{ reason: "ExitCode", message: String(code) }] },
                };
          handlers.data(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]), true);
          open = false;
          handlers.close({ code: 1000, reason: "" });
        });
      };
      const conn = {
        protocol: "v5.channel.k8s.io",
        get open() {
          return open;
        },
        send(parts: readonly Uint8Array[], prefix?: number) {
          if (prefix === 0) stdin.push(...parts.map((p) => Buffer.from(p)));
          else if (prefix === 255) end();
          return true;
        },
        drained: async () => {},
        pause() {},
        resume() {},
        destroy() {
          if (!open) return;
          open = false;
          handlers.close({ code: 1006, reason: "" });
        },
        close() {
          conn.destroy();
        },
      };
      if (!q.stdin) end();
      return conn;
    },
  };
  return { rest: rest as unknown as RestInterface, calls };
}
const target = { method: "GET", path: "/api/v1/namespaces/ns/pods/box/exec" } as unknown as RequestSpec;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cp-test-"));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A fresh `<case>/` with the destination `<case>/dest/out` in it; what ends up in `<case>` is checked. */
async function place(name: string) {
  const box = join(dir, name);
  await mkdir(join(box, "dest"), { recursive: true });
  return { box, dest: join(box, "dest", "out") };
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

describe("copyFromPod refuses what would land outside the destination", () => {
  test("'..' and absolute entry names", async () => {
    for (const [i, name] of ["out/../../evil", "out/../evil", "/evil", "../evil"].entries()) {
      const { box, dest } = await place(`names-${i}`);
      const { rest } = container(() => ({ stdout: archive(entry("out/", "5"), entry(name, "0", "pwned")) }));
      await assert.rejects(copyFromPod(rest, target, "out", dest), (e: unknown) => {
        assert.ok(e instanceof CopyError, String(e));
        assert.match(e.message, new RegExp(`archive entry "${name.replace(/\./g, "\\.")}"`));
        return true;
      });
      assert.deepEqual(await readdir(box), ["dest"], name);
      assert.equal(await exists(join(box, "evil")), false);
      assert.equal(await exists(join(box, "dest", "evil")), false);
    }
  });

  test("a file written through a link whose target hides '..' behind another link (s -> ., d -> s/..)", async () => {
    const { box, dest } = await place("through-link");
    const { rest } = container(() => ({
      stdout: archive(
        entry("out/", "5"),
        entry("out/s", "2", "", "."),
        entry("out/d", "2", "", "s/.."), // reads as out/ itself, but out/s is out, so out/d is dest/
        entry("out/d/evil", "0", "pwned"),
      ),
    }));
    await assert.rejects(copyFromPod(rest, target, "out", dest), (e: unknown) => {
      assert.ok(e instanceof CopyError, String(e));
      assert.match(e.message, /"out\/d\/evil" would be written through the symlink .*out\/d/);
      return true;
    });
    assert.equal(await exists(join(box, "dest", "evil")), false, "nothing written beside the destination");
  });

  test("a file entry over a link is written in place of the link, not through it", async () => {
    const { box, dest } = await place("over-link");
    await writeFile(join(box, "dest", "victim"), "mine");
    const { rest } = container(() => ({
      stdout: archive(
        entry("out/", "5"),
        entry("out/s", "2", "", "."),
        entry("out/f", "2", "", "s/../victim"), // really dest/victim
        entry("out/f", "0", "pwned"),
      ),
    }));
    await copyFromPod(rest, target, "out", dest);
    assert.equal(await readFile(join(box, "dest", "victim"), "utf8"), "mine", "the file beside is untouched");
    assert.equal(await readFile(join(dest, "f"), "utf8"), "pwned");
    assert.ok((await lstat(join(dest, "f"))).isFile());
  });

  test("a link that leads outside only once a later link exists is removed, with a CopyError", async () => {
    const { dest } = await place("late-link");
    const { rest } = container(() => ({
      stdout: archive(
        entry("out/", "5"),
        entry("out/sub/", "5"),
        entry("out/sub/a", "2", "", "b/../.."), // out/ while b does not exist
        entry("out/sub/b", "2", "", ".."), // out/, so a is now out/../.. = dest/..
      ),
    }));
    await assert.rejects(copyFromPod(rest, target, "out", dest), (e: unknown) => {
      assert.ok(e instanceof CopyError, String(e));
      assert.match(e.message, /"out\/sub\/a" is a symlink that leads outside .* it was removed/);
      return true;
    });
    assert.equal(await exists(join(dest, "sub", "a")), false, "the link is gone");
    assert.equal(await readlink(join(dest, "sub", "b")), "..");
  });

  test("a hard link is a copy of its file; one to a file outside the copy, or not in it, is refused", async () => {
    const { box, dest } = await place("hardlinks");
    const ok = archive(entry("out/", "5"), entry("out/a", "0", "data"), entry("out/b", "1", "", "out/a"));
    await copyFromPod(container(() => ({ stdout: ok })).rest, target, "out", dest);
    assert.deepEqual(await readdir(dest), ["a", "b"]);
    assert.equal(await readFile(join(dest, "b"), "utf8"), "data");
    for (const [i, to] of ["/etc/passwd", "out/../../x", "out/missing"].entries()) {
      const bad = archive(entry("out/", "5"), entry("out/b", "1", "", to));
      const d = join(box, `bad-${i}`);
      await assert.rejects(
        copyFromPod(container(() => ({ stdout: bad })).rest, target, "out", d),
        (e: unknown) =>
          e instanceof CopyError && e.message.includes('archive entry "out/b"') && e.message.includes(to),
      );
      assert.equal(await exists(join(d, "b")), false, to);
    }
  });

  test("links to absolute paths and out of the tree are refused; links inside it, through links, are kept", async () => {
    for (const [i, to] of ["/etc/passwd", "../../etc", ".."].entries()) {
      const { dest } = await place(`bad-link-${i}`);
      const { rest } = container(() => ({
        stdout: archive(entry("out/", "5"), entry("out/l", "2", "", to)),
      }));
      await assert.rejects(copyFromPod(rest, target, "out", dest), /"out\/l" is a symlink to .* outside/);
      assert.equal(await exists(join(dest, "l")), false, to);
    }
    const { dest } = await place("good-links");
    const { rest } = container(() => ({
      stdout: archive(
        entry("out/", "5"),
        entry("out/sub/", "5"),
        entry("out/sub/f", "0", "data"),
        entry("out/lib", "2", "", "sub"),
        entry("out/sub/up", "2", "", "../lib/f"),
      ),
    }));
    await copyFromPod(rest, target, "out", dest);
    assert.equal(await readFile(join(dest, "sub", "up"), "utf8"), "data");
    assert.equal(await readlink(join(dest, "lib")), "sub");
  });
});

describe("names tar would read as options", () => {
  test("copyFromPod of a name starting with '-' asks tar for ./-name (kubectl's tar cf - -name fails)", async () => {
    const { dest } = await place("dash");
    const { rest, calls } = container(() => ({ stdout: archive(entry("./-x", "0", "dash")) }));
    await copyFromPod(rest, target, "dir/-x", dest);
    assert.deepEqual(calls[0]!.command, ["tar", "cf", "-", "-C", "dir", "./-x"]);
    assert.equal(await readFile(dest, "utf8"), "dash");
  });
});

describe("copyFromPod of a directory's contents", () => {
  test("'.', '..', '/', 'a/b/../..' and 'link/.' ask tar for '.' inside the directory (tar -C follows a link)", async () => {
    for (const [i, [remote, dir]] of (
      [
        [".", "."],
        ["./", "."],
        ["..", ".."],
        ["/", "/"],
        ["a/b/../..", "."],
        ["link/.", "link"],
        ["/x/link/./", "/x/link"],
      ] as const
    ).entries()) {
      const { dest } = await place(`contents-${i}`);
      const tree = archive(entry("./", "5"), entry("./f", "0", "f"));
      const { rest, calls } = container(() => ({ stdout: tree }));
      await copyFromPod(rest, target, remote, dest);
      assert.deepEqual(calls[0]!.command, ["tar", "cf", "-", "-C", dir, "."], remote);
      assert.equal(await readFile(join(dest, "f"), "utf8"), "f", remote);
    }
  });
});

describe("copyFromPod of a symlink", () => {
  test("itself: a CopyError naming it, its target and 'link/.'; nothing is written", async () => {
    const { box, dest } = await place("top-link");
    const { rest } = container(() => ({ stdout: archive(entry("current", "2", "", "releases/v2")) }));
    await assert.rejects(copyFromPod(rest, target, "app/current", dest), (e: unknown) => {
      assert.ok(e instanceof CopyError, String(e));
      assert.match(e.message, /app\/current is a symlink to releases\/v2 in the container/);
      assert.match(e.message, /app\/current\/\. for the directory it leads to/);
      return true;
    });
    assert.deepEqual(await readdir(join(box, "dest")), []);
  });
});

describe("copyFromPod of a file", () => {
  test("onto an existing directory: a CopyError naming both and the path to use (kubectl fails too)", async () => {
    const { dest } = await place("file-on-dir");
    await mkdir(dest);
    const { rest } = container(() => ({ stdout: archive(entry("f.txt", "0", "text")) }));
    await assert.rejects(copyFromPod(rest, target, "logs/f.txt", dest), (e: unknown) => {
      assert.ok(e instanceof CopyError, String(e));
      assert.ok(e.message.includes(`logs/f.txt is a file and ${dest} is a directory`), e.message);
      assert.ok(e.message.includes(join(dest, "f.txt")), e.message);
      return true;
    });
    assert.deepEqual(await readdir(dest), []);
  });
});

describe("copyToPod", () => {
  test("a directory onto a local file, or a file in the way of its subdirectory: a CopyError naming them", async () => {
    const { box } = await place("dir-onto-file");
    const tree = archive(entry("out/", "5"), entry("out/sub/", "5"), entry("out/sub/f", "0", "f"));
    await writeFile(join(box, "file"), "keep");
    await assert.rejects(
      copyFromPod(container(() => ({ stdout: tree })).rest, target, "out", join(box, "file")),
      (e: unknown) =>
        e instanceof CopyError &&
        e.message.includes(`out is a directory and ${join(box, "file")} is a file`) &&
        e.message.includes("not a directory"),
    );
    assert.equal(await readFile(join(box, "file"), "utf8"), "keep");
    await mkdir(join(box, "merge"));
    await writeFile(join(box, "merge", "sub"), "keep");
    for (const t of [tree, archive(entry("out/sub/f", "0", "f"))]) {
      await assert.rejects(
        copyFromPod(container(() => ({ stdout: t })).rest, target, "out", join(box, "merge")),
        (e: unknown) =>
          e instanceof CopyError && e.message.includes(`needs the directory ${join(box, "merge", "sub")}`),
      );
      assert.equal(await readFile(join(box, "merge", "sub"), "utf8"), "keep");
    }
  });

  test("a local path that does not exist: a CopyError naming it, before any exec (kubectl's message)", async () => {
    const { rest, calls } = container(() => ({}));
    const missing = join(dir, "no-such-file");
    await assert.rejects(copyToPod(rest, target, missing, "x"), (e: unknown) => {
      assert.ok(e instanceof CopyError, String(e));
      assert.match(e.message, new RegExp(`${missing} doesn't exist in the local filesystem`));
      return true;
    });
    assert.equal(calls.length, 0);
  });

  test("a file larger than one read goes whole and in order; a tree's entries in name order", async () => {
    const { box } = await place("big");
    await mkdir(join(box, "tree", "sub"), { recursive: true });
    const big = Buffer.alloc(3 * 256 * 1024 + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    await writeFile(join(box, "tree", "big.bin"), big);
    await writeFile(join(box, "tree", "sub", "a"), "a");
    await writeFile(join(box, "tree", "empty"), "");
    const { rest, calls } = container((command) => ({ exitCode: command[0] === "test" ? 1 : 0 })); // not there yet
    await copyToPod(rest, target, join(box, "tree"), "/data/t");
    const got = untar(calls.at(-1)!.stdin);
    assert.deepEqual(
      got.map((e) => [e.name, e.type, e.data.length]),
      [
        ["t/", "5", 0],
        ["t/big.bin", "0", big.length],
        ["t/empty", "0", 0],
        ["t/sub/", "5", 0],
        ["t/sub/a", "0", 1],
      ],
    );
    assert.ok(got[1]!.data.equals(big), "the big file's bytes, in order");
    // Sent as it is read, a read at a time: never the whole archive in one piece.
    const frames = calls.at(-1)!.frames;
    assert.ok(frames.length > 4 && Math.max(...frames) <= 256 * 1024, `stdin messages ${frames.join(",")}`);
  });

  test("into a remote directory: the copy goes inside it under its own name, as kubectl cp's", async () => {
    const { box } = await place("to-dir");
    await writeFile(join(box, "f.txt"), "hello");
    const { rest, calls } = container(() => ({}));
    await copyToPod(rest, target, join(box, "f.txt"), "/data/");
    assert.deepEqual(calls[0]!.command, ["test", "-d", "/data"]);
    assert.deepEqual(calls[1]!.command, ["tar", "-xmf", "-", "-C", "/data"]);
    assert.deepEqual(
      untar(calls[1]!.stdin).map((e) => [e.name, e.data.toString()]),
      [["f.txt", "hello"]],
    );

    for (const remote of ["/", ".", "./"]) {
      const { rest: r, calls: c } = container(() => ({}));
      await copyToPod(r, target, join(box, "f.txt"), remote);
      assert.deepEqual(c[0]!.command, ["test", "-d", remote === "/" ? "/" : "."], remote);
      assert.deepEqual(c[1]!.command, ["tar", "-xmf", "-", "-C", remote === "/" ? "/" : "."], remote);
      assert.deepEqual(
        untar(c[1]!.stdin).map((e) => e.name),
        ["f.txt"],
      );
    }
    const { rest: r3 } = container(() => ({ exitCode: 1 }));
    await assert.rejects(
      copyToPod(r3, target, join(box, "f.txt"), ".."),
      /"\.\." is not a directory in the container/,
    );

    const { rest: r2, calls: c2 } = container((command) => ({ exitCode: command[0] === "test" ? 1 : 0 }));
    await copyToPod(r2, target, join(box, "f.txt"), "/data/g.txt");
    assert.deepEqual(c2[1]!.command, ["tar", "-xmf", "-", "-C", "/data"]);
    assert.deepEqual(
      untar(c2[1]!.stdin).map((e) => e.name),
      ["g.txt"],
    );
  });
});
