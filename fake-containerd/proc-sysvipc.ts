// /proc/sysvipc/{shm,msg,sem} of an IPC namespace: the System V objects its processes made. No
// program the fake emulates makes one (busybox has no ipcmk), and the fake does not read the real
// host's, so every namespace's tables are empty: the kernel's header line alone.

const headers: Readonly<Record<string, string>> = {
  shm: "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap",
  msg: "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime",
  sem: "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime",
};

/** The file at `path` (/proc/sysvipc/NAME); undefined for another path. */
export function procSysvipcFile(path: string): string | undefined {
  const name = /^\/proc\/sysvipc\/(\w+)$/.exec(path)?.[1];
  return name !== undefined && name in headers ? `${headers[name]}\n` : undefined;
}
