// The small images the fake makes up when it has to: for the images a harness is asked to have, and
// for "pull anything". The sandbox image looks like the pause image (runs /pause as 65535:65535);
// an image named nginx (or critest's hostnet-nginx) or httpd looks like that web server (its
// command, configuration and default page, which fake-containerd's stand-ins serve); anything else
// like a minimal shell image (Cmd ["sh"], /etc/passwd and /etc/group). Each carries its name in
// /etc/fake-cri-image, so that two made-up names are two images with two IDs. (Not a config
// label: image labels flow into every container's labels.)

import type { ImageDescription } from "../../fake-containerd/images/build.ts";
import { parseDockerRef, referenceString } from "../go/reference.ts";

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The small image the fake makes up for `ref`: a pause-like image for the sandbox image, else a minimal shell image. */
export function synthesizeImage(ref: string, sandboxImage: string): ImageDescription {
  const name = referenceString(parseDockerRef(ref));
  if (isSameImageName(name, sandboxImage)) {
    return {
      name,
      config: { entrypoint: ["/pause"], user: "65535:65535", env: [defaultPath] },
      layers: [{ pause: { mode: 0o755, content: "fake-cri pause\n" } }],
    };
  }
  const base = {
    "bin/sh": { mode: 0o755, content: "fake-cri sh\n" },
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "etc/fake-cri-image": `${name}\n`,
    "tmp/": { type: "dir" as const, mode: 0o1777 },
  };
  const repository = name.replace(/[:@].*$/, "").split("/").pop()!;
  const tag = /:([^/@]+)$/.exec(name.replace(/@.*$/, ""))?.[1] ?? "";
  const version = /^\d+(\.\d+)*$/.test(tag) ? tag : undefined;
  if (repository === "nginx" || repository.startsWith("hostnet-nginx")) {
    // critest's host-network image serves on 12003, so as not to clash with the node's port 80.
    const port = repository === "nginx" ? 80 : 12003;
    return {
      name,
      config: { cmd: ["nginx", "-g", "daemon off;"], env: [defaultPath, ...(version ? [`NGINX_VERSION=${version}`] : [])], exposedPorts: [`${port}/tcp`], stopSignal: "SIGQUIT" },
      layers: [
        {
          ...base,
          "usr/sbin/nginx": { mode: 0o755, content: "fake-cri nginx\n" },
          "etc/nginx/conf.d/default.conf": `server {\n    listen ${port};\n    root /usr/share/nginx/html;\n    index index.html;\n}\n`,
          "usr/share/nginx/html/index.html": welcomePage("nginx"),
        },
      ],
    };
  }
  if (repository === "httpd") {
    return {
      name,
      config: {
        cmd: ["httpd-foreground"],
        env: ["PATH=/usr/local/apache2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...(version ? [`HTTPD_VERSION=${version}`] : [])],
        exposedPorts: ["80/tcp"],
        workingDir: "/usr/local/apache2",
        stopSignal: "SIGWINCH",
      },
      layers: [
        {
          ...base,
          "usr/local/bin/httpd-foreground": { mode: 0o755, content: "fake-cri httpd-foreground\n" },
          "usr/local/apache2/bin/httpd": { mode: 0o755, content: "fake-cri httpd\n" },
          "usr/local/apache2/conf/httpd.conf": "ServerRoot \"/usr/local/apache2\"\nListen 80\nDocumentRoot \"/usr/local/apache2/htdocs\"\n",
          "usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n",
        },
      ],
    };
  }
  return { name, config: { cmd: ["sh"], env: [defaultPath] }, layers: [base] };
}

/** A made-up image's default page. */
function welcomePage(server: string): string {
  return `<!DOCTYPE html>\n<html>\n<head><title>Welcome to ${server}!</title></head>\n<body>\n<h1>Welcome to ${server}!</h1>\n<p>Served by fake-cri's stand-in for ${server}.</p>\n</body>\n</html>\n`;
}

/** Whether two references name the same image once normalised (`busybox` = `docker.io/library/busybox:latest`). */
export function isSameImageName(ref: string, other: string): boolean {
  try {
    return referenceString(parseDockerRef(other)) === referenceString(parseDockerRef(ref));
  } catch {
    return false;
  }
}
