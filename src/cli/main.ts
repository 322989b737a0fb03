// The fake-cri command: dispatches to a subcommand (one file each beside this one). Node-only.

import { serve, serveUsage } from "./serve.ts";

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "serve":
      return serve(rest);
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(serveUsage);
      return;
    default:
      if (command.startsWith("--")) return serve(argv);
      process.stderr.write(`fake-cri: unknown command ${JSON.stringify(command)}\n${serveUsage}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fake-cri: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
