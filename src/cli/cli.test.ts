import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { connectCri } from "../cri/transport/grpc.ts";
import { startFakeCri as start, stopFakeCri as stop } from "../../test/fake-cri-process.ts";

const work = mkdtempSync(join(tmpdir(), "fake-cri-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("fake-cri serve", () => {
  test("prints the endpoint, serves on a 0600 socket, removes it on SIGTERM, saves and reloads state", async () => {
    const socket = join(work, "a", "cri.sock");
    const state = join(work, "state.json");
    const first = await start(["serve", "--listen", `unix://${socket}`, "--state", state, "--seed", "5"]);
    expect(first.endpoint).toBe(`unix://${socket}`);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const client = connectCri(first.endpoint);
    expect((await client.runtime.version({})).runtimeName).toBe("containerd");
    client.close();
    expect(await stop(first)).toBe(0);
    expect(existsSync(socket)).toBe(false);
    const saved = JSON.parse(readFileSync(state, "utf8")) as { format: string; hostFs: { format: string } };
    expect(saved.format).toBe("fake-cri/1");
    expect(saved.hostFs.format).toBe("fake-cri-host-fs/1");

    // The second run continues from the file: its seeded IDs carry on without --seed.
    const second = await start(["serve", "--listen", `unix://${socket}`, "--state", state]);
    const again = connectCri(second.endpoint);
    expect((await again.runtime.version({})).runtimeName).toBe("containerd");
    again.close();
    expect(await stop(second, "SIGINT")).toBe(0);
    expect(existsSync(socket)).toBe(false);
    const resaved = JSON.parse(readFileSync(state, "utf8")) as { containerd: { ids: { kind: string } } };
    expect(resaved.containerd.ids.kind).toBe("seeded");
    expect(existsSync(`${state}.d`)).toBe(true);
  }, 60_000);

  test("without --listen it serves under $XDG_RUNTIME_DIR; --config is containerd's config.toml", async () => {
    const runtimeDir = mkdtempSync(join(work, "xdg-"));
    const config = join(work, "config.toml");
    writeFileSync(config, 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.example/pause:1"\n');
    const running = await start(["serve", "--config", config], { XDG_RUNTIME_DIR: runtimeDir });
    expect(running.endpoint).toBe(`unix://${runtimeDir}/fake-cri/fake-cri.sock`);
    const client = connectCri(running.endpoint);
    const status = await client.runtime.status({ verbose: true });
    expect(JSON.parse(status.info.config!).sandboxImage).toBe("registry.example/pause:1");
    client.close();
    expect(await stop(running)).toBe(0);
  }, 60_000);

  test("a bad config stops it with containerd's error", async () => {
    const config = join(work, "bad.toml");
    writeFileSync(config, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nope"\n');
    await expect(start(["serve", "--config", config, "--listen", `unix://${join(work, "bad.sock")}`])).rejects.toThrow(
      'fake-cri: invalid plugin config: no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = "nope"',
    );
  }, 60_000);
});
