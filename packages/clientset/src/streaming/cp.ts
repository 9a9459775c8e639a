// Copying files to and from a container as `kubectl cp` does: a tar archive over exec (`tar -xmf -`
// in the container to copy in, `tar cf -` to copy out). The archive code is a small ustar writer and
// reader of its own (regular files, directories, symlinks; long names as PAX or GNU records).
import type { Stats } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, readlink, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RequestSpec } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import { type AttachOptions, openRemoteCommand, RemoteCommandError } from "./remotecommand.js";

/** Options of copyToPod / copyFromPod. */
export interface CopyOptions extends Pick<AttachOptions, "container" | "signal" | "timeoutMs"> {}

/** A copy failed in the container (tar's exit code and stderr) or met an unsafe archive entry. */
export class CopyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CopyError";
  }
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

/** A ustar header block for one entry ("0" file, "5" directory, "2" symlink). */
export function header(name: string, type: string, size: number, mode: number, linkname = ""): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode & 0o7777, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(type, 156, "ascii");
  h.write(linkname, 157, 100, "utf8");
  h.write("ustar\u000000", 257, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

function pad(n: number): Buffer {
  const r = n % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r);
}

/**
 * The header of an entry with a `size`-byte body, after a PAX record set for names or link targets
 * that do not fit the 100-byte fields.
 */
function entryHead(name: string, type: string, size: number, mode: number, linkname = ""): Buffer[] {
  const out: Buffer[] = [];
  const pax: string[] = [];
  if (Buffer.byteLength(name) > 99) pax.push("path");
  if (Buffer.byteLength(linkname) > 99) pax.push("linkpath");
  if (pax.length > 0) {
    const recs = pax.map((k) => {
      const v = k === "path" ? name : linkname;
      const tail = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(tail) + 1;
      while (String(len).length + Buffer.byteLength(tail) !== len)
        len = String(len).length + Buffer.byteLength(tail);
      return `${len}${tail}`;
    });
    const data = Buffer.from(recs.join(""), "utf8");
    out.push(header("PaxHeader", "x", data.length, 0o644), data, pad(data.length));
  }
  out.push(header(name.slice(0, 99), type, size, mode, linkname.slice(0, 99)));
  return out;
}

/** How much of a file is read at a time while it is archived. */
const CHUNK = 256 * 1024;

/**
 * A tar archive of `src` (a file or a directory tree), its entries named under `as`, made as it is
 * sent: files are read CHUNK bytes at a time, so a large file is never held whole. Sockets, FIFOs
 * and devices are left out.
 */
export async function* tarOf(src: string, as: string): AsyncGenerator<Buffer> {
  async function* walk(path: string, name: string): AsyncGenerator<Buffer> {
    const st = await lstat(path);
    if (st.isSymbolicLink()) {
      yield* entryHead(name, "2", 0, st.mode, await readlink(path));
    } else if (st.isDirectory()) {
      yield* entryHead(`${name}/`, "5", 0, st.mode);
      for (const child of (await readdir(path)).sort()) yield* walk(join(path, child), `${name}/${child}`);
    } else if (st.isFile()) {
      yield* entryHead(name, "0", st.size, st.mode);
      const file = await open(path, "r");
      try {
        for (let at = 0; at < st.size; ) {
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, st.size - at));
          const { bytesRead } = await file.read(buf, 0, buf.length, at);
          if (bytesRead === 0) {
            throw new CopyError(
              `copyToPod: ${path} shrank while it was being copied (from ${st.size} bytes to ${at}); copy it again`,
            );
          }
          at += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await file.close();
      }
      yield pad(st.size);
    }
  }
  yield* walk(src, as);
  yield Buffer.alloc(BLOCK * 2);
}

/** One entry of an archive: its path, type ("0" file, "5" directory, "2" symlink), mode and data. */
export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  data: Buffer;
  linkname: string;
}

function field(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString("utf8");
}

/** The entries of a tar archive (ustar, PAX path/linkpath records, GNU long names). */
export function untar(archive: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let o = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (o + BLOCK <= archive.length) {
    const h = archive.subarray(o, o + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = Number.parseInt(field(h, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = field(h, 345, 155);
    let name = field(h, 0, 100);
    if (prefix && field(h, 257, 6).startsWith("ustar")) name = `${prefix}/${name}`;
    const data = archive.subarray(o + BLOCK, o + BLOCK + size);
    o += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      for (const rec of data.toString("utf8").split("\n")) {
        const m = /^\d+ (path|linkpath)=(.*)$/s.exec(rec);
        if (m?.[1] === "path") longName = m[2];
        if (m?.[1] === "linkpath") longLink = m[2];
      }
      continue;
    }
    if (type === "L" || type === "K") {
      const v = data.toString("utf8").replace(/\0+$/, "");
      if (type === "L") longName = v;
      else longLink = v;
      continue;
    }
    if (type === "g") continue;
    out.push({
      name: longName ?? name,
      type: type === "\0" ? "0" : type,
      mode: Number.parseInt(field(h, 100, 8).trim() || "0", 8),
      data: Buffer.from(data),
      linkname: longLink ?? field(h, 157, 100),
    });
    longName = undefined;
    longLink = undefined;
  }
  return out;
}

async function runTar(
  rest: RestInterface,
  target: RequestSpec,
  what: string,
  opts: CopyOptions,
  command: string[],
  input?: AsyncIterable<Buffer>,
): Promise<Buffer> {
  const session = await openRemoteCommand(
    rest,
    target,
    what,
    { ...opts, stdin: input !== undefined },
    command,
  );
  const read = async (r: Readable | null) => {
    const chunks: Buffer[] = [];
    if (r) for await (const c of r) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const out = read(session.stdout);
  const err = read(session.stderr);
  let sendError: unknown;
  if (input !== undefined && session.stdin) {
    if (session.protocol !== "v5.channel.k8s.io") {
      session.close();
      throw new CopyError(
        `${what}: copying into a container needs the v5.channel.k8s.io protocol to end tar's input`,
      );
    }
    let readError: unknown;
    const reading = async function* () {
      try {
        yield* input;
      } catch (e) {
        readError = e;
        throw e;
      }
    };
    // With backpressure: the archive is read as fast as the container takes it.
    sendError = await pipeline(Readable.from(reading()), session.stdin).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (readError !== undefined) {
      // tar in the container would wait for the rest of its input: cut the session, which ends it.
      session.close();
      await session.status.catch(() => {});
      if (readError instanceof CopyError) throw readError;
      throw new CopyError(`${what}: ${(readError as Error).message}`, { cause: readError });
    }
  }
  let exitCode: number;
  try {
    exitCode = (await session.status).exitCode;
  } catch (e) {
    if (e instanceof RemoteCommandError) throw new CopyError(`${what}: ${e.message}`);
    throw e;
  }
  const [stdout, stderr] = await Promise.all([out, err]);
  if (exitCode !== 0) {
    throw new CopyError(
      `${what}: ${command.join(" ")} exited with ${exitCode}: ${stderr.toString("utf8").trim()}`,
    );
  }
  if (sendError !== undefined) {
    throw new CopyError(`${what}: sending the archive failed: ${(sendError as Error).message}`, {
      cause: sendError,
    });
  }
  return stdout;
}

/**
 * Copies a local file or directory tree into the container as `remotePath` (kubectl cp <local>
 * <pod>:<remote>): the tree goes as a tar archive into `tar -xmf - -C <dirname of remotePath>`, so
 * modes come along and the container needs tar. When `remotePath` is a directory in the container
 * (`test -d`), the copy goes into it as `<remotePath>/<local base name>`, as kubectl's does.
 */
export async function copyToPod(
  rest: RestInterface,
  target: RequestSpec,
  localPath: string,
  remotePath: string,
  opts: CopyOptions = {},
): Promise<void> {
  let dest = posix.normalize(remotePath.replace(/\/+$/, "") || "/");
  let base = posix.basename(dest);
  let local: Stats;
  try {
    local = await lstat(localPath);
  } catch {
    throw new CopyError(
      `copyToPod: ${localPath} doesn't exist in the local filesystem; name an existing file or directory`,
    );
  }
  if (await remoteTest(rest, target, opts, "-d", dest)) {
    base = posix.basename(resolve(localPath));
    dest = posix.join(dest, base);
  } else if (!base || base === "." || base === "..") {
    throw new CopyError(
      `copyToPod: the remote path ${JSON.stringify(remotePath)} is not a directory in the container; name a directory there or the file or directory to create`,
    );
  } else if (local.isDirectory() && (await remoteTest(rest, target, opts, "-e", dest))) {
    // tar would replace the file with the directory; kubectl's tar fails ("Cannot mkdir: Not a directory")
    throw new CopyError(
      `copyToPod: ${localPath} is a directory and the remote path ${JSON.stringify(remotePath)} is a file in the container; name a directory there or a path that does not exist yet (kubectl cp fails here too)`,
    );
  }
  const archive = await tarOf(localPath, base);
  const dir = posix.dirname(dest);
  await runTar(rest, target, "copyToPod", opts, ["tar", "-xmf", "-", "-C", dir], archive);
}

/** Whether `test <flag> <path>` holds in the container (-d a directory, -e there); any failure counts as no. */
async function remoteTest(
  rest: RestInterface,
  target: RequestSpec,
  opts: CopyOptions,
  flag: "-d" | "-e",
  path: string,
): Promise<boolean> {
  const session = await openRemoteCommand(rest, target, "copyToPod", { ...opts, stdin: false }, [
    "test",
    flag,
    path,
  ]);
  session.stdout?.resume();
  session.stderr?.resume();
  try {
    return (await session.status).exitCode === 0;
  } catch (e) {
    if (e instanceof RemoteCommandError) return false;
    throw e;
  }
}

/**
 * Where a symlink at `link` (a path under `root`) leads, resolving every symlink on the way as the
 * filesystem will: undefined when it leaves `root` (or loops), else the path it names.
 */
async function linkDestination(root: string, link: string, target: string): Promise<string | undefined> {
  if (link === root || target.startsWith("/")) return undefined;
  const stack = relative(root, dirname(link)).split(sep).filter(Boolean);
  const todo = target.split("/").reverse();
  for (let hops = 0; todo.length > 0; ) {
    const part = todo.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.pop() === undefined) return undefined;
      continue;
    }
    stack.push(part);
    const here = join(root, ...stack);
    let st: Stats;
    try {
      st = await lstat(here);
    } catch {
      continue; // not there (yet): a plain name
    }
    if (!st.isSymbolicLink()) continue;
    if (++hops > 40) return undefined;
    const next = await readlink(here);
    if (next.startsWith("/")) return undefined;
    stack.pop();
    todo.push(...next.split("/").reverse());
  }
  return join(root, ...stack);
}

/**
 * Copies a file or directory tree out of the container to `localPath` (kubectl cp <pod>:<remote>
 * <local>) with `tar cf -`, keeping modes and symlinks (a hard link comes out as a copy of its file;
 * kubectl writes it empty); a directory's contents go into `localPath`
 * (so `.` copies the working directory's). An archive can come from a container that
 * lies, so nothing is written outside `localPath`: entries named outside it (absolute, `..`), entries
 * under a symlink (nothing is written through one), and symlinks that lead outside it (checked once
 * the whole tree is written, through every link on the way) are refused with a CopyError; a link
 * that is refused is removed. (kubectl skips symlinks altogether.)
 */
export async function copyFromPod(
  rest: RestInterface,
  target: RequestSpec,
  remotePath: string,
  localPath: string,
  opts: CopyOptions = {},
): Promise<void> {
  const trimmed = remotePath.replace(/\/+$/, "");
  const src = posix.normalize(trimmed || "/");
  // ".", ".." and "/" have no name of their own to archive under their parent: their contents are
  // archived from inside them ("tar cf - -C <dir> ."), entries named "." and "./<path>". So is
  // "<dir>/.", which names the directory a symlink <dir> leads to, as for kubectl cp.
  const whole = src === "/" || src === "." || src === ".." || src.endsWith("/..") || trimmed.endsWith("/.");
  const base = whole ? "." : posix.basename(src);
  // A name that starts with "-" would be read as an option of tar: "./-name" is the same file.
  const member = base.startsWith("-") ? `./${base}` : base;
  const archive = await runTar(rest, target, "copyFromPod", opts, [
    "tar",
    "cf",
    "-",
    "-C",
    whole ? src : posix.dirname(src),
    member,
  ]);
  const root = resolve(localPath);
  const dirModes: [string, number][] = [];
  const links: [string, string][] = [];
  const refuse = (name: string, why: string) =>
    new CopyError(`copyFromPod: the archive entry ${JSON.stringify(name)} ${why}; nothing more was copied`);
  /** The entry's parent directories under `root` must not be symlinks: nothing is written through one. */
  const checkParents = async (name: string, out: string) => {
    if (out === root) return;
    const dirs = [root];
    for (const part of relative(root, dirname(out)).split(sep).filter(Boolean)) {
      dirs.push(join(dirs[dirs.length - 1]!, part));
    }
    for (const p of dirs) {
      // root may be a symlink the caller chose; only one the archive made is refused
      if (p === root && !links.some(([l]) => l === root)) continue;
      const st = await lstat(p).catch(() => undefined);
      if (st === undefined) return;
      if (st.isSymbolicLink()) throw refuse(name, `would be written through the symlink ${p}`);
    }
  };
  /** An existing symlink where an entry goes is replaced, never written through. */
  const clear = async (out: string) => {
    const st = await lstat(out).catch(() => undefined);
    if (st?.isSymbolicLink()) await unlink(out);
  };
  /** Where the archive's entry `name` goes under `root`; a CopyError for a name outside the copy. */
  const localOf = (name: string, entryName = name) => {
    const rel = posix.normalize(name).replace(/\/+$/, "") || "/";
    const inside = whole
      ? !rel.startsWith("/") && rel !== ".." && !rel.startsWith("../")
      : rel === base || rel.startsWith(`${base}/`);
    if (!inside)
      throw refuse(entryName, `${name === entryName ? "is" : `links to ${name},`} outside ${remotePath}`);
    const under = whole ? (rel === "." ? "" : rel) : rel.slice(base.length);
    const out = resolve(root, ...under.split("/").filter(Boolean));
    if (out !== root && !out.startsWith(root + sep)) {
      throw refuse(entryName, `would be written outside ${localPath}`);
    }
    return out;
  };
  /** mkdir -p, with a CopyError naming the entry when a file (not a directory) is in the way. */
  const mkdirs = async (dir: string, name: string) => {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTDIR") throw err;
      throw new CopyError(
        dir === root
          ? `copyFromPod: ${remotePath} is a directory and ${localPath} is a file; name a directory or a path that does not exist yet (kubectl cp fails here too: "mkdir ${localPath}: not a directory")`
          : `copyFromPod: the archive entry ${JSON.stringify(name)} needs the directory ${dir}, and a file is in the way; remove it or copy somewhere else`,
        { cause: err },
      );
    }
  };
  // The files written so far, by local path: a hard link ("1") is written as a copy of its file.
  const files = new Map<string, Buffer>();
  for (const e of untar(archive)) {
    const out = localOf(e.name);
    if (e.type === "1") {
      const data = files.get(localOf(e.linkname, e.name));
      if (data === undefined) {
        throw refuse(e.name, `is a hard link to ${e.linkname}, which is not a file copied before it`);
      }
      e.data = data;
      e.type = "0";
    }
    if (e.type !== "5" && e.type !== "2" && e.type !== "0" && e.type !== "7") continue;
    await checkParents(e.name, out);
    if (out !== root) await clear(out);
    if (e.type === "5") {
      await mkdirs(out, e.name);
      dirModes.push([out, e.mode]);
    } else if (e.type === "2") {
      if (out === root) {
        throw new CopyError(
          `copyFromPod: ${remotePath} is a symlink to ${e.linkname} in the container, and a link alone is not copied (kubectl cp skips it with a warning); name its target, or ${remotePath.replace(/\/+$/, "")}/. for the directory it leads to`,
        );
      }
      const lexical = resolve(out, "..", e.linkname);
      if (e.linkname.startsWith("/") || (lexical !== root && !lexical.startsWith(root + sep))) {
        throw refuse(e.name, `is a symlink to ${e.linkname}, outside ${localPath}`);
      }
      await mkdirs(dirname(out), e.name);
      await symlink(e.linkname, out);
      links.push([out, e.name]);
    } else {
      if (out === root && (await lstat(root).catch(() => undefined))?.isDirectory()) {
        throw new CopyError(
          `copyFromPod: ${remotePath} is a file and ${localPath} is a directory; name the file to write, e.g. ${join(localPath, base)} (kubectl cp fails here too: "open ${localPath}: is a directory")`,
        );
      }
      await mkdirs(dirname(out), e.name);
      await writeFile(out, e.data, { mode: e.mode });
      await chmod(out, e.mode);
      files.set(out, e.data);
    }
  }
  // Links are judged on the finished tree: a later entry can change where an earlier link leads.
  for (const [link, name] of links) {
    if (!(await lstat(link).catch(() => undefined))?.isSymbolicLink()) continue; // replaced by a later entry
    const to = await linkDestination(root, link, await readlink(link));
    if (to === undefined || (to !== root && !to.startsWith(root + sep))) {
      await unlink(link);
      throw new CopyError(
        `copyFromPod: the archive entry ${JSON.stringify(name)} is a symlink that leads outside ${localPath} through the links beside it; it was removed (the rest was copied)`,
      );
    }
  }
  // Directory modes last, deepest first: a read-only directory must not stop its own extraction.
  for (const [dir, mode] of dirModes.reverse()) await chmod(dir, mode);
}
