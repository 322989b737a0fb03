// The fake-cri command: dispatches to a subcommand (one file each beside this one). Node-only.

import { record, recordUsage } from "./record.ts";
import { replay, replayUsage } from "./replay.ts";
import { defaultListen, serve, serveUsage } from "./serve.ts";
import { packageVersion } from "./version.ts";

const usage = `usage: fake-cri [serve] [flags]    serve a fake CRI runtime (fake-cri serve --help for the flags)
       fake-cri record [flags]     record a CRI runtime's calls through a proxy (fake-cri record --help)
       fake-cri replay TRACE.json  replay a recorded trace against the fake (fake-cri replay --help)
       fake-cri endpoint           print where serve listens unless told (--listen)
       fake-cri --version          print fake-cri's version
`;

/** Each subcommand's usage, shown beside a mistyped flag. */
const usages: Record<string, string> = { record: recordUsage, replay: replayUsage };

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
    case "endpoint":
      process.stdout.write(`${defaultListen()}\n`);
      return;
    case "--version":
    case "version":
      process.stdout.write(`fake-cri ${await packageVersion()}\n`);
      return;
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${usage}\n${serveUsage}\n${recordUsage}\n${replayUsage}`);
      return;
    default:
      if (command.startsWith("-")) return serve(argv);
      process.stderr.write(`fake-cri: unknown command ${JSON.stringify(command)}\n${usage}`);
      process.exit(2);
  }
}

/** A mistyped flag gets the usage beside the complaint; anything else its message alone. */
function fail(err: unknown, commandUsage: string): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
    process.stderr.write(`fake-cri: ${(err as Error).message}\n${commandUsage}`);
    process.exit(2);
  }
  process.stderr.write(`fake-cri: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
main(argv).catch((err: unknown) => fail(err, usages[argv[0] ?? ""] ?? serveUsage));
