// Reads an OCI image layout directory into archive files for importImages. The one place the
// package touches the file system (node:fs/promises, which Node, Deno and Bun all provide).
import { readdir, readFile, readlink } from "node:fs/promises";
import type { ArchiveFile } from "./import.ts";

/** Every file, directory and symlink under `root`, with "/"-separated relative names, sorted. */
export async function readLayoutDirectory(root: string): Promise<ArchiveFile[]> {
  const files: ArchiveFile[] = [];
  const visit = async (relative: string): Promise<void> => {
    const dir = relative === "" ? root : `${root}/${relative}`;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        files.push({ name: `${name}/`, type: "dir" });
        await visit(name);
      } else if (entry.isSymbolicLink()) {
        files.push({ name, type: "symlink", linkname: await readlink(`${root}/${name}`) });
      } else if (entry.isFile()) {
        files.push({ name, type: "file", data: new Uint8Array(await readFile(`${root}/${name}`)) });
      }
    }
  };
  await visit("");
  return files;
}
