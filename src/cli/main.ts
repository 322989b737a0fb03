// The fake-cri command: dispatches to a subcommand (one file each beside this one). Node-only.
// A subcommand's module is loaded when it runs: `--version` and `endpoint` load none of the fake,
// and each start loads only what its subcommand needs.

import { defaultListen } from "./default-listen.ts";
import { packageVersion } from "./version.ts";

const usage = `usage: fake-cri [serve] [flags]    serve a fake CRI runtime (fake-cri serve --help for the flags)
       fake-cri record [flags]     record a CRI runtime's calls through a proxy (fake-cri record --help)
       fake-cri replay TRACE.json  replay a recorded trace against the fake (fake-cri replay --help)
       fake-cri endpoint           print where serve listens unless told (--listen)
       fake-cri --version          print fake-cri's version
`;

interface Subcommand {
  run(args: string[]): Promise<void>;
  /** Shown beside a mistyped flag. */
  usage: string;
}

const subcommands = {
  serve: async (): Promise<Subcommand> => {
    const { serve, serveUsage } = await import("./serve.ts");
    return { run: serve, usage: serveUsage };
  },
  record: async (): Promise<Subcommand> => {
    const { record, recordUsage } = await import("./record.ts");
    return { run: record, usage: recordUsage };
  },
  replay: async (): Promise<Subcommand> => {
    const { replay, replayUsage } = await import("./replay.ts");
    return { run: replay, usage: replayUsage };
  },
};

async function run(name: keyof typeof subcommands, args: string[]): Promise<void> {
  const subcommand = await subcommands[name]();
  return subcommand.run(args).catch((err: unknown) => fail(err, subcommand.usage));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "serve":
    case "record":
    case "replay":
      return run(command ?? "serve", rest);
    case "endpoint":
      process.stdout.write(`${defaultListen()}\n`);
      return;
    case "--version":
    case "version":
      process.stdout.write(`fake-cri ${await packageVersion()}\n`);
      return;
    case "help":
    case "--help":
    case "-h": {
      const usages = await Promise.all([subcommands.serve(), subcommands.record(), subcommands.replay()]);
      process.stdout.write([usage, ...usages.map((subcommand) => subcommand.usage)].join("\n"));
      return;
    }
    default:
      if (command.startsWith("-")) return run("serve", argv);
      process.stderr.write(`fake-cri: unknown command ${JSON.stringify(command)}\n${usage}`);
      process.exit(2);
  }
}

/** A mistyped flag gets the usage beside the complaint; anything else its message alone. */
function fail(err: unknown, commandUsage = ""): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
    process.stderr.write(`fake-cri: ${(err as Error).message}\n${commandUsage}`);
    process.exit(2);
  }
  process.stderr.write(`fake-cri: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

main(process.argv.slice(2)).catch((err: unknown) => fail(err));
