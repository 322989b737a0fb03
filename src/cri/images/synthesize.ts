// The images the fake makes up when it has to: for the images a harness is asked to have, and for
// "pull anything". critest's images come from its catalogue (critest-catalogue.ts); the sandbox
// image looks like the pause image; an image named nginx or httpd looks like that web server (its
// command, configuration and default page, which fake-containerd's stand-ins serve); anything else
// like a minimal shell image. Each carries a name in its config's history (a catalogue image its
// entry's first reference, any other its own name), so that two names are two images with two IDs
// unless the catalogue says they are one. (Not a file, which a container would list, nor a config
// label: image labels flow into every container's labels.)

import type { ImageDescription } from "../../../fake-containerd/images/build.ts";
import { parseDockerRef, referenceString } from "../../go/reference.ts";
import { httpdImage, minimalShellFiles, nginxImage, pauseImage, defaultPath } from "./bases.ts";
import { critestCatalogue, type CatalogueImage } from "./critest-catalogue.ts";

const catalogueByReference = new Map<string, CatalogueImage>(critestCatalogue.flatMap((entry) => entry.references.map((ref) => [ref, entry] as const)));

/** The catalogue's stand-in for `ref` (any form docker normalises to one of its references), named `ref`; undefined for other names. */
export function catalogueImage(ref: string): ImageDescription | undefined {
  const name = normalized(ref);
  const entry = name === undefined ? undefined : catalogueByReference.get(name);
  if (!entry) return undefined;
  return { ...entry.image, comment: standInComment(entry.references[0]!), name: name!, mediaTypes: "docker", index: true };
}

/** The image the fake makes up for `ref`: the catalogue's, a pause-like image for the sandbox image, a web server or a minimal shell image. */
export function synthesizeImage(ref: string, sandboxImage: string): ImageDescription {
  const catalogued = catalogueImage(ref);
  if (catalogued) return catalogued;
  const name = referenceString(parseDockerRef(ref));
  if (isSameImageName(name, sandboxImage)) return { ...pauseImage(), name };
  const repository = name.replace(/[:@].*$/, "").split("/").pop()!;
  const tag = /:([^/@]+)$/.exec(name.replace(/@.*$/, ""))?.[1] ?? "";
  const version = /^\d+(\.\d+)*$/.test(tag) ? tag : undefined;
  const made =
    repository === "nginx"
      ? nginxImage({ ...(version ? { version } : {}), stopSignal: "SIGQUIT" })
      : repository === "httpd"
        ? httpdImage(version ? { version } : {})
        : { config: { cmd: ["sh"], env: [defaultPath] }, layers: [minimalShellFiles()] };
  return { ...made, comment: standInComment(name), name };
}

/** Whether two references name the same image once normalised (`busybox` = `docker.io/library/busybox:latest`). */
export function isSameImageName(ref: string, other: string): boolean {
  const a = normalized(ref);
  return a !== undefined && a === normalized(other);
}

function normalized(ref: string): string | undefined {
  try {
    return referenceString(parseDockerRef(ref));
  } catch {
    return undefined;
  }
}

function standInComment(name: string): string {
  return `fake-cri stand-in for ${name}`;
}
