// `fake-cri serve --image PATH`: OCI image archives (a tarball, gzipped or not: `ctr images export`,
// `skopeo copy ... oci-archive:`) and OCI layout directories whose images the fake's registry
// serves, so that `--strict-images` has images to pull. Node-only.

import { readFile, stat } from "node:fs/promises";
import type { ArchiveFile } from "../../fake-containerd/images/import.ts";
import { readLayoutDirectory } from "../../fake-containerd/images/layout-dir.ts";
import { registryOf } from "../../fake-containerd/registry.ts";
import type { FakeContainerd } from "../../fake-containerd/index.ts";

/** The archive's bytes or the layout directory's files; the error names the path. */
export async function readImageArchive(path: string): Promise<{ path: string; archive: Uint8Array | ArchiveFile[] }> {
  try {
    const archive = (await stat(path)).isDirectory() ? await readLayoutDirectory(path) : new Uint8Array(await readFile(path));
    return { path, archive };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`--image ${path}: ${code === "ENOENT" ? "no such file or directory" : (err as Error).message}`);
  }
}

/** Pushes the named images of each archive (read by readImageArchive) into the fake's registry; returns their names. */
export async function pushImageArchives(
  containerd: FakeContainerd,
  archives: ReadonlyArray<{ path: string; archive: Uint8Array | ArchiveFile[] }>,
): Promise<string[]> {
  const pushed: string[] = [];
  for (const { path, archive } of archives) {
    try {
      pushed.push(...(await registryOf(containerd).pushArchive(archive)));
    } catch (err) {
      throw new Error(`--image ${path}: ${(err as Error).message}`);
    }
  }
  return pushed;
}
