// busybox's `id` and `whoami`, as a container's process sees itself: the user and groups come from
// the process (the OCI spec's process.user, which the CRI plugin fills from runAsUser, runAsGroup,
// supplemental groups and the image's /etc/group), the names from the container's /etc/passwd and
// /etc/group. golden/cri/exec-sync-id.json holds what busybox answered in a real container.

import type { ProcessUser } from "../../processes/script.ts";
import { decoder, type Applet } from "./applet.ts";

export interface IdOutput {
  stdout: string;
  stderr: string;
  code: number;
}

interface Entry {
  name: string;
  id: number;
  /** The fourth field: a group's members, a user's primary group. */
  rest: string;
}

/** Lines of /etc/passwd or /etc/group as busybox reads them: name, password, ID, then the rest. */
function entries(text: string | undefined, fields: number): Entry[] {
  const out: Entry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const parts = line.split(":");
    if (parts.length < fields || !/^\d+$/.test(parts[2]!)) continue;
    out.push({ name: parts[0]!, id: Number(parts[2]), rest: parts[3] ?? "" });
  }
  return out;
}

const flagLetters = new Set(["u", "g", "G", "n", "r"]);

/** The flags and operand of `id`'s arguments, or undefined for a form that would print usage. */
function parse(args: readonly string[]): { flags: Set<string>; user: string | undefined } | undefined {
  const flags = new Set<string>();
  const operands: string[] = [];
  for (const arg of args) {
    if (arg.startsWith("-") && arg.length > 1 && operands.length === 0) {
      for (const letter of arg.slice(1)) {
        if (!flagLetters.has(letter)) return undefined;
        flags.add(letter);
      }
    } else operands.push(arg);
  }
  const selectors = ["u", "g", "G"].filter((f) => flags.has(f)).length;
  if (operands.length > 1 || selectors > 1) return undefined;
  if (selectors === 0 && (flags.has("n") || flags.has("r"))) return undefined;
  return { flags, user: operands[0] };
}

/**
 * `id [-ugGnr] [USER]` with the container's /etc/passwd and /etc/group as read, or undefined for
 * arguments busybox answers with its usage text.
 */
export function busyboxIdOf(args: readonly string[], self: ProcessUser, passwd: string | undefined, group: string | undefined): IdOutput | undefined {
  const parsed = parse(args);
  if (!parsed) return undefined;
  const { flags } = parsed;
  const users = entries(passwd, 4);
  const groupEntries = entries(group, 3);
  const userName = (id: number) => users.find((u) => u.id === id)?.name;
  const groupName = (id: number) => groupEntries.find((g) => g.id === id)?.name;

  let uid = self.uid;
  let gid = self.gid;
  let groups = self.additionalGids;
  if (parsed.user !== undefined) {
    const named = users.find((u) => u.name === parsed.user);
    if (!named || !/^\d+$/.test(named.rest)) return { stdout: "", stderr: `id: unknown user ${parsed.user}\n`, code: 1 };
    uid = named.id;
    gid = Number(named.rest);
    // getgrouplist: the primary group, then every group that lists the user as a member.
    const member = groupEntries.filter((g) => g.id !== gid && g.rest.split(",").includes(named.name)).map((g) => g.id);
    groups = [gid, ...member];
  }

  let stdout = "";
  let stderr = "";
  let code = 0;
  // One ID: its number, or with -n its name (the number, and an error, when it has none).
  const single = (id: number, name: string | undefined): string => {
    if (!flags.has("n")) return String(id);
    if (name !== undefined) return name;
    stderr += `id: unknown ID ${id}\n`;
    code = 1;
    return String(id);
  };
  if (flags.has("u")) stdout = `${single(uid, userName(uid))}\n`;
  else if (flags.has("g")) stdout = `${single(gid, groupName(gid))}\n`;
  // -G: the group ID first, then the other groups (the plain form lists the groups as they are).
  else if (flags.has("G")) stdout = `${[gid, ...groups.filter((g) => g !== gid)].map((g) => single(g, groupName(g))).join(" ")}\n`;
  else {
    // Every ID with its name in parentheses when there is one; an unknown name is no error here.
    const withName = (id: number, name: string | undefined) => (name === undefined ? String(id) : `${id}(${name})`);
    stdout = `uid=${withName(uid, userName(uid))} gid=${withName(gid, groupName(gid))}`;
    if (groups.length > 0) stdout += ` groups=${groups.map((g) => withName(g, groupName(g))).join(",")}`;
    stdout += "\n";
  }
  return { stdout, stderr, code };
}

/** The /etc/passwd entry of a user ID (its name and home directory), as busybox's getpwuid finds it. */
export function passwdEntry(passwd: string | undefined, uid: number): { name: string; home: string } | undefined {
  for (const line of (passwd ?? "").split("\n")) {
    const fields = line.split(":");
    if (fields.length === 7 && /^\d+$/.test(fields[2]!) && Number(fields[2]) === uid) return { name: fields[0]!, home: fields[5]! };
  }
  return undefined;
}


const id: Applet = (io, args) => {
  const text = (path: string) => {
    const content = io.files.readFile(path);
    return content && decoder.decode(content);
  };
  const out = busyboxIdOf(args, io.user, text("/etc/passwd"), text("/etc/group"));
  if (!out) return undefined;
  if (out.stdout !== "") io.out(out.stdout);
  if (out.stderr !== "") io.err(out.stderr);
  return out.code;
};

const whoami: Applet = (io, args) => {
  if (args.length > 0) return undefined;
  const passwd = io.files.readFile("/etc/passwd");
  const entry = passwdEntry(passwd && decoder.decode(passwd), io.user.uid);
  if (entry) io.out(`${entry.name}\n`);
  else io.err(`whoami: unknown uid ${io.user.uid}\n`);
  return entry ? 0 : 1;
};

export const userApplets: Readonly<Record<string, Applet>> = { id, whoami };
