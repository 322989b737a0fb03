// An exec or attach once its streams are open, whatever carries them (containerd 1.6.20
// pkg/cri/streaming/remotecommand: ServeExec, ServeAttach, handleResizeEvents): the CRI plugin runs
// it with the client's streams, the outcome is written on the error stream, and the connection is
// closed.

import { attachContainer } from "../server/container-attach.ts";
import type { CriService } from "../server/service.ts";
import { CodeExitError, streamExec, type CommandStreams, type TerminalSize } from "../server/streaming-runtime.ts";
import { internalErrorStatus, nonZeroExitStatus, successStatus, type ApiStatus } from "./streaming-status.ts";

/** What the cached Exec or Attach request asked for. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The connection of an exec or attach, its streams gathered. */
export interface CommandConnection {
  readonly streams: CommandStreams;
  writeStatus(status: ApiStatus): void;
  close(): void;
}

export type Command = { kind: "exec"; containerId: string; cmd: string[] } | { kind: "attach"; containerId: string };

/** ServeExec / ServeAttach after createStreams. */
export async function serveCommand(c: CriService, command: Command, conn: CommandConnection): Promise<void> {
  try {
    if (command.kind === "exec") await streamExec(c, command.containerId, command.cmd, conn.streams);
    else await attachContainer(c, command.containerId, conn.streams);
    conn.writeStatus(successStatus);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof CodeExitError) conn.writeStatus(nonZeroExitStatus(err));
    else if (command.kind === "exec") conn.writeStatus(internalErrorStatus(`error executing command in container: ${message}`));
    else conn.writeStatus(internalErrorStatus(`error attaching to container: ${message}`));
  } finally {
    conn.close();
  }
}

const decoder = new TextDecoder();

/**
 * handleResizeEvents: the JSON TerminalSize objects the client writes one after another (Go's
 * json.Decoder, which matches field names case-insensitively), until one does not decode.
 */
export async function* resizeEvents(source: AsyncIterable<Uint8Array>): AsyncIterable<TerminalSize> {
  let text = "";
  for await (const chunk of source) {
    text += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = endOfJsonValue(text);
      if (end === undefined) break;
      const size = terminalSize(text.slice(0, end));
      if (size === undefined) return;
      yield size;
      text = text.slice(end);
    }
    if (text.trim().length > 0 && !/^\s*[{[]/.test(text)) return;
  }
}

function terminalSize(json: string): TerminalSize | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const size = { width: 0, height: 0 };
  for (const [key, field] of Object.entries(value)) {
    const name = key.toLowerCase();
    if (name !== "width" && name !== "height") continue;
    if (typeof field !== "number" || !Number.isInteger(field) || field < 0 || field > 0xffff) return undefined;
    size[name] = field;
  }
  return size;
}

/** Where the first complete JSON object or array in `text` ends (after leading space), if it is complete. */
function endOfJsonValue(text: string): number | undefined {
  let i = 0;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (i === text.length || (text[i] !== "{" && text[i] !== "[")) return undefined;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
