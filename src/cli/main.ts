// The fake-cri command: dispatches to a subcommand (one file each beside this one). Node-only.

import { record, recordUsage } from "./record.ts";
import { replay, replayUsage } from "./replay.ts";
import { serve, serveUsage } from "./serve.ts";

const usage = `${serveUsage}\n${recordUsage}\n${replayUsage}`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "serve":
      return serve(rest);
    case "record":
      return record(rest);
    case "replay":
      return replay(rest);
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return;
    default:
      if (command.startsWith("--")) return serve(argv);
      process.stderr.write(`fake-cri: unknown command ${JSON.stringify(command)}\n${usage}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fake-cri: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
