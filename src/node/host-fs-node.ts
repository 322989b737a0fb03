// The node's filesystem as real files (node:fs), for `fake-cri serve`: container logs land where
// the CRI request says, so crictl reads them as it does from containerd. Node-only (Deno and Bun
// provide node:fs too, but the portable core never imports this file).

import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { HostFsError, type AppendHandle, type HostFs, type HostFsErrorCode, type HostFsStat } from "./host-fs.ts";

const decoder = new TextDecoder();
const knownCodes = new Set<string>(["ENOENT", "ENOTDIR", "EISDIR", "EEXIST", "EACCES"]);

function pathError(op: string, path: string, err: unknown): HostFsError {
  const code = (err as NodeJS.ErrnoException).code ?? "EIO";
  return new HostFsError(op, path, (knownCodes.has(code) ? code : "EIO") as HostFsErrorCode);
}

/** The node's filesystem as real files under the paths the plugin uses (`fake-cri serve` passes it with its data dir in the config). */
export class NodeHostFs implements HostFs {
  mkdirAll(path: string, mode = 0o755): void {
    try {
      mkdirSync(path, { recursive: true, mode });
    } catch (err) {
      throw pathError("mkdir", path, err);
    }
  }

  writeFile(path: string, data: string | Uint8Array, mode = 0o644): void {
    // As continuity.AtomicWriteFile: a temporary file beside the target, synced, then renamed over it.
    const temp = `${dirname(path)}/.tmp-${basename(path)}${randomBytes(4).readUInt32BE()}`;
    let fd: number;
    try {
      fd = openSync(temp, "wx", mode);
    } catch (err) {
      throw pathError("open", temp, err);
    }
    try {
      if (typeof data === "string") writeSync(fd, data);
      else writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(temp, path);
    } catch (err) {
      unlinkSync(temp);
      throw pathError("rename", path, err);
    }
  }

  appendFile(path: string, data: string | Uint8Array, mode = 0o640): void {
    try {
      appendFileSync(path, data, { mode });
    } catch (err) {
      throw pathError("open", path, err);
    }
  }

  openAppend(path: string, mode = 0o640): AppendHandle {
    let fd: number | undefined;
    try {
      fd = openSync(path, "a", mode);
    } catch (err) {
      throw pathError("open", path, err);
    }
    return {
      write(data) {
        if (fd === undefined) throw new HostFsError("write", path, "ECLOSED");
        try {
          writeSync(fd, data);
        } catch (err) {
          throw pathError("write", path, err);
        }
      },
      close() {
        if (fd === undefined) return;
        closeSync(fd);
        fd = undefined;
      },
    };
  }

  readFile(path: string): Uint8Array {
    try {
      return new Uint8Array(readFileSync(path));
    } catch (err) {
      throw pathError("open", path, err);
    }
  }

  readText(path: string): string {
    return decoder.decode(this.readFile(path));
  }

  removeAll(path: string): void {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      throw pathError("unlinkat", path, err);
    }
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  stat(path: string): HostFsStat {
    try {
      const s = statSync(path, { bigint: true });
      return { isDirectory: s.isDirectory(), size: s.size, mode: Number(s.mode & 0o7777n) };
    } catch (err) {
      throw pathError("stat", path, err);
    }
  }

  readDir(path: string): string[] {
    try {
      return readdirSync(path).sort();
    } catch (err) {
      throw pathError("open", path, err);
    }
  }
}
