// /proc/net/{tcp,tcp6,udp,udp6,raw,raw6,unix} of a network namespace as the fake knows it: the TCP
// ports its processes listen on (network.ts), each as a socket bound to 0.0.0.0 in state LISTEN
// (0A), in the kernel's layout, which busybox's netstat parses. The fake keeps no other socket.

const headers: Readonly<Record<string, string>> = {
  tcp: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  tcp6: "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  udp: "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
  udp6: "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
  raw: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
  raw6: "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
  unix: "Num       RefCount Protocol Flags    Type St Inode Path",
};

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");

/** The file at `path` (/proc/net/NAME) for a namespace whose processes listen on `ports`; undefined for another path. */
export function procNetFile(path: string, ports: readonly number[]): string | undefined {
  const name = /^\/proc\/(?:self\/)?net\/(\w+)$/.exec(path)?.[1];
  if (name === undefined || !(name in headers)) return undefined;
  // The kernel pads tcp's lines to 149 characters and udp's to 127, newline aside.
  const width = name === "tcp" ? 149 : name === "udp" ? 127 : 0;
  const pad = (line: string) => line.padEnd(width);
  const lines = [pad(headers[name]!)];
  if (name === "tcp") {
    ports.forEach((port, sl) => {
      // No real socket behind it: the inode is made up from the port, stable across reads.
      lines.push(pad(`${String(sl).padStart(4)}: 00000000:${hex(port, 4)} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${100000 + port} 1 0000000000000000 100 0 0 10 0`));
    });
  }
  return `${lines.join("\n")}\n`;
}
