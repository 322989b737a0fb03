// The kinds of image the fake makes up (for critest's catalogue and for any other name a pull or a
// harness asks for): the pause image, busybox-like shell images, and nginx and httpd whose
// configuration and default page fake-containerd's web server stand-ins serve. Each is an
// ImageDescription for fake-containerd's builder, so the same description always gives the same
// bytes and digests.

import type { ImageDescription, LayerDescription } from "../../../fake-containerd/images/build.ts";

export const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

type Config = NonNullable<ImageDescription["config"]>;
type Image = Omit<ImageDescription, "name">;

const tmp = { type: "dir" as const, mode: 0o1777 };
/**
 * A program's file in a made-up image: ELF's magic, so that nothing takes it for a shell script
 * (the emulation runs a text file with no `#!` line as one, as ash does), then its name.
 */
export function program(name: string): string {
  return `\x7fELF fake-cri ${name}\n`;
}

const shell = { mode: 0o755, content: program("sh") };

/** The pause image (the sandbox image, critest's pause:3.9): /pause run as 65535:65535. */
export function pauseImage(files: LayerDescription = {}): Image {
  return {
    config: { entrypoint: ["/pause"], user: "65535:65535", env: [defaultPath] },
    layers: [{ pause: { mode: 0o755, content: program("pause") }, ...files }],
  };
}

/** A minimal shell image: sh, root and nobody, /tmp. What an unknown name is made up as. */
export function minimalShellFiles(): LayerDescription {
  return {
    "bin/sh": shell,
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "tmp/": tmp,
  };
}

/** The users and groups of the busybox image on Docker Hub (`busybox:1.37.0`), the base of critest's own images. */
const busyboxPasswd = [
  "root:x:0:0:root:/root:/bin/sh",
  "daemon:x:1:1:daemon:/usr/sbin:/bin/false",
  "bin:x:2:2:bin:/bin:/bin/false",
  "sys:x:3:3:sys:/dev:/bin/false",
  "sync:x:4:100:sync:/bin:/bin/sync",
  "mail:x:8:8:mail:/var/spool/mail:/bin/false",
  "www-data:x:33:33:www-data:/var/www:/bin/false",
  "operator:x:37:37:Operator:/var:/bin/false",
  "nobody:x:65534:65534:nobody:/home:/bin/false",
];
const busyboxGroups = [
  "root:x:0:", "daemon:x:1:", "bin:x:2:", "sys:x:3:", "adm:x:4:", "tty:x:5:", "disk:x:6:", "lp:x:7:", "mail:x:8:",
  "kmem:x:9:", "wheel:x:10:root", "cdrom:x:11:", "dialout:x:18:", "floppy:x:19:", "video:x:28:", "audio:x:29:",
  "tape:x:32:", "www-data:x:33:", "operator:x:37:", "utmp:x:43:", "plugdev:x:46:", "staff:x:50:", "lock:x:54:",
  "netdev:x:82:", "users:x:100:", "nogroup:x:65534:",
];

/**
 * Applets critest runs that Docker Hub's busybox has and the reference's (Debian's, whose applets a
 * shell image is taken to have: fake-containerd/emulation/applets/busybox-list.ts) lacks.
 */
const upstreamOnlyApplets = ["ipcs", "pgrep"];

/**
 * An image built on Docker Hub's busybox: sh, its /etc/passwd and /etc/group (with lines added by
 * `extraUsers` / `extraGroups`, as adduser and addgroup append them), `files` on top, Cmd sh.
 */
export function busyboxImage(options: { user?: string; files?: LayerDescription; extraUsers?: string[]; extraGroups?: string[] } = {}): Image {
  const config: Config = { cmd: ["sh"], env: [defaultPath] };
  if (options.user !== undefined) config.user = options.user;
  return {
    config,
    layers: [
      {
        "bin/sh": shell,
        ...Object.fromEntries(upstreamOnlyApplets.map((applet) => [`bin/${applet}`, { type: "symlink" as const, target: "sh" }])),
        "etc/passwd": lines([...busyboxPasswd, ...(options.extraUsers ?? [])]),
        "etc/group": lines([...busyboxGroups, ...(options.extraGroups ?? [])]),
        "root/": { type: "dir", mode: 0o700 },
        "tmp/": tmp,
        "var/www/": { type: "dir" },
        ...options.files,
      },
    ],
  };
}

/** An Alpine-based image (Alpine's root and nobody), `files` on top. */
export function alpineImage(config: Config, files: LayerDescription): Image {
  return {
    config: { env: [defaultPath], ...config },
    layers: [
      {
        "bin/sh": shell,
        "etc/passwd": lines(["root:x:0:0:root:/root:/bin/ash", "nobody:x:65534:65534:nobody:/:/sbin/nologin"]),
        "etc/group": lines(["root:x:0:root", "nogroup:x:65533:", "nobody:x:65534:"]),
        "tmp/": tmp,
        ...files,
      },
    ],
  };
}

/**
 * nginx as its official image runs it (`nginx -g 'daemon off;'`), listening on `port` by its
 * conf.d/default.conf, with its welcome page; `version` becomes NGINX_VERSION (the Server header).
 */
export function nginxImage(options: { version?: string; port?: number; stopSignal: string; files?: LayerDescription }): Image {
  const port = options.port ?? 80;
  return {
    config: {
      cmd: ["nginx", "-g", "daemon off;"],
      env: [defaultPath, ...(options.version ? [`NGINX_VERSION=${options.version}`] : [])],
      exposedPorts: ["80/tcp"],
      stopSignal: options.stopSignal,
    },
    layers: [
      {
        ...minimalShellFiles(),
        "usr/sbin/nginx": { mode: 0o755, content: program("nginx") },
        "etc/nginx/nginx.conf": "user nginx;\nworker_processes 1;\npid /var/run/nginx.pid;\nevents {\n    worker_connections 1024;\n}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
        "etc/nginx/conf.d/default.conf": `server {\n    listen ${port};\n    root /usr/share/nginx/html;\n    index index.html;\n}\n`,
        "usr/share/nginx/html/index.html": welcomePage("nginx"),
        "var/run/": { type: "dir" },
        ...options.files,
      },
    ],
  };
}

/** httpd as its official image runs it (httpd-foreground in /usr/local/apache2), on port 80; `version` becomes HTTPD_VERSION. */
export function httpdImage(options: { version?: string } = {}): Image {
  return {
    config: {
      cmd: ["httpd-foreground"],
      env: ["PATH=/usr/local/apache2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...(options.version ? [`HTTPD_VERSION=${options.version}`] : [])],
      exposedPorts: ["80/tcp"],
      workingDir: "/usr/local/apache2",
      stopSignal: "SIGWINCH",
    },
    layers: [
      {
        ...minimalShellFiles(),
        "usr/local/bin/httpd-foreground": { mode: 0o755, content: program("httpd-foreground") },
        "usr/local/apache2/bin/httpd": { mode: 0o755, content: program("httpd") },
        "usr/local/apache2/conf/httpd.conf": 'ServerRoot "/usr/local/apache2"\nListen 80\nDocumentRoot "/usr/local/apache2/htdocs"\n',
        "usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n",
      },
    ],
  };
}

function lines(entries: readonly string[]): string {
  return entries.map((line) => `${line}\n`).join("");
}

/** A made-up image's default page. */
function welcomePage(server: string): string {
  return `<!DOCTYPE html>\n<html>\n<head><title>Welcome to ${server}!</title></head>\n<body>\n<h1>Welcome to ${server}!</h1>\n<p>Served by fake-cri's stand-in for ${server}.</p>\n</body>\n</html>\n`;
}
