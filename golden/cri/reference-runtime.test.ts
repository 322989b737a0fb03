// reference-runtime.ts keeps, as data for the fake, the CRI settings scripts/reference/start.sh writes
// into the reference containerd's config.toml. This pins that the two say the same: start.sh's file
// for each version, read by the fake's own config parser, gives the config referenceConfigToml
// gives, apart from the paths of the instance (its root, runc's root, CNI and registry dirs).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseCriConfig, type CriConfig } from "../../src/cri/config.ts";
import { containerdVersions, profileOf } from "../../src/cri/versions/index.ts";
import { referenceConfigToml, referenceConfigWith } from "./reference-runtime.ts";

const scripts = new URL("../../scripts/reference/", import.meta.url);
const startSh = readFileSync(new URL("start.sh", scripts), "utf8");
const sandboxImage = /^ref_sandbox_image="([^"]+)"$/m.exec(readFileSync(new URL("env.sh", scripts), "utf8"))![1]!;

/** start.sh's config.toml for a config `version`, with the instance's shell variables filled in. */
function startShConfig(version: number, imagesConfig: readonly string[] = []): string {
  const written = new RegExp(`cat >"\\$ref_config" <<EOF\\nversion = ${version}\\n([\\s\\S]*?)\\nEOF`).exec(startSh);
  if (!written) throw new Error(`start.sh writes no config.toml of version ${version}`);
  return `version = ${version}\n${written[1]}`
    .replace("$images_config\n", imagesConfig.map((line) => `${line}\n`).join(""))
    .replaceAll("$ref_sandbox_image", sandboxImage)
    .replaceAll("$snapshotter", "overlayfs")
    .replaceAll("$ref_runc_root", "/instance/runc")
    .replaceAll("$ref_socket", "/instance/containerd.sock")
    .replaceAll("$ref_dir", "/instance");
}

/** The config without what belongs to one instance: the dirs under it, and runc's root. */
function withoutInstancePaths(config: CriConfig): unknown {
  const copy = JSON.parse(JSON.stringify(config, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))) as Record<string, any>;
  for (const key of ["containerdRootDir", "containerdEndpoint", "rootDir", "stateDir"]) delete copy[key];
  delete copy.cni.networkPluginBinDir;
  delete copy.cni.networkPluginBinDirs;
  delete copy.cni.networkPluginConfDir;
  delete copy.registry.configPath;
  delete copy.cdiSpecDirs;
  for (const runtime of Object.values(copy.containerd.runtimes) as Array<Record<string, any>>) {
    delete runtime.options?.Root;
    if (runtime.options && Object.keys(runtime.options).length === 0) delete runtime.options;
  }
  return copy;
}

describe("the reference config.toml", () => {
  test.each(containerdVersions)("%s: start.sh writes the CRI settings reference-runtime.ts gives the fake", (version) => {
    const profile = profileOf(version);
    const read = (text: string) =>
      withoutInstancePaths(parseCriConfig(text, { defaults: profile.defaultConfigChanges, maxVersion: profile.configVersion }));
    const configVersion = Number(/^version = (\d+)$/m.exec(referenceConfigToml[version])![1]);
    expect(read(startShConfig(configVersion))).toEqual(read(referenceConfigToml[version]));
  });

  test("2.4: start.sh --images-config adds what referenceConfigWith adds (image-pull-stall's use_local_image_pull)", () => {
    const read = (text: string) => withoutInstancePaths(parseCriConfig(text, { defaults: profileOf("2.4").defaultConfigChanges, maxVersion: 3 }));
    const lines = ["use_local_image_pull = true"];
    const withLines = read(referenceConfigWith("2.4", lines));
    expect(read(startShConfig(3, lines))).toEqual(withLines);
    expect(withLines).not.toEqual(read(referenceConfigToml["2.4"]));
  });
});
