// A shell that reads its commands from stdin: `sh` (ash, bash) without a script, in a container
// created with stdin or an exec with stdin (`crictl exec -i ... sh`, `crictl attach` to a shell).
// Each line runs as the emulation runs `sh -c LINE`, its output the shell's; `exit [N]` and end of
// file end it (with the last status). On a terminal it is interactive as ash is: it prompts on
// stderr ("/ # " for root in /, "$ " for others), and ^C gives a fresh prompt; SIGTERM and SIGQUIT
// do not end it. Each line starts afresh: this is the bridge until the lines are fed to one live
// shell of the interpreter (emulation/), which keeps variables, cd and functions between them.

import { baseName } from "./emulation/index.ts";
import type { ProcessContext, ScriptFunction } from "./processes/script.ts";

const shells = new Set(["sh", "ash", "bash"]);

/** Whether argv starts a shell that reads commands from its stdin (no -c, no script file). */
export function readsCommandsFromStdin(args: readonly string[]): boolean {
  const [command, ...rest] = args;
  return command !== undefined && shells.has(baseName(command)) && rest.every((a) => a === "-i" || a === "-l" || a === "-");
}

const sigint = 2;
const sigquit = 3;
const sigterm = 15;
const sigwinch = 28;

export const stdinShell: ScriptFunction = async (p: ProcessContext) => {
  const interactive = p.terminal;
  const prompt = () => {
    if (interactive) p.write("stderr", p.user.uid === 0 ? `${p.cwd === "" ? "/" : p.cwd} # ` : "$ ");
  };
  let pending = "";
  if (interactive) {
    p.onSignal((signal) => {
      if (signal === sigint) {
        pending = "";
        p.write("stderr", "\n");
        prompt();
      } else if (signal !== sigterm && signal !== sigquit && signal !== sigwinch) {
        p.exit(128 + signal);
      }
    });
  }
  let status = 0;
  prompt();
  const decoder = new TextDecoder();
  for await (const chunk of p.stdin) {
    pending += decoder.decode(chunk, { stream: true });
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const exit = /^\s*exit(?:\s+(\d+))?\s*;?\s*$/.exec(line);
      if (exit) return exit[1] === undefined ? status : Number(exit[1]) & 0xff;
      if (line.trim() !== "") status = await p.run(["sh", "-c", line]);
      prompt();
    }
  }
  // A last line without a newline still runs, as a script's would.
  if (pending.trim() !== "") status = await p.run(["sh", "-c", pending]);
  return status;
};
