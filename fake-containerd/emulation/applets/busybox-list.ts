// The applets of the busybox the reference images carry (Debian busybox-static 1.35.0, `busybox
// --list`): a made-up shell image is taken to have all of them, linked into /bin as the reference
// busybox image has them (scripts/reference/images.sh).

/** Every applet name of that busybox, whether the emulation follows it or not. */
export const busyboxApplets: ReadonlySet<string> = new Set(
  [
    "[", "[[", "acpid", "adjtimex", "ar", "arch", "arp", "arping", "ascii", "ash", "awk", "base64",
    "basename", "bc", "blkdiscard", "blockdev", "brctl", "bunzip2", "busybox", "bzcat", "bzip2",
    "cal", "cat", "chgrp", "chmod", "chown", "chroot", "chvt", "clear", "cmp", "cp", "cpio",
    "crc32", "crond", "crontab", "cttyhack", "cut", "date", "dc", "dd", "deallocvt", "depmod",
    "devmem", "df", "diff", "dirname", "dmesg", "dnsdomainname", "dos2unix", "dpkg", "dpkg-deb",
    "du", "dumpkmap", "dumpleases", "echo", "ed", "egrep", "env", "expand", "expr", "factor",
    "fallocate", "false", "fatattr", "fdisk", "fgrep", "find", "findfs", "fold", "free",
    "freeramdisk", "fsfreeze", "fstrim", "ftpget", "ftpput", "getopt", "getty", "grep", "groups",
    "gunzip", "gzip", "halt", "head", "hexdump", "hostid", "hostname", "httpd", "hwclock",
    "i2cdetect", "i2cdump", "i2cget", "i2cset", "i2ctransfer", "id", "ifconfig", "ifdown", "ifup",
    "init", "insmod", "ionice", "ip", "ipcalc", "ipneigh", "kill", "killall", "klogd", "last",
    "less", "link", "linux32", "linux64", "linuxrc", "ln", "loadfont", "loadkmap", "logger",
    "login", "logname", "logread", "losetup", "ls", "lsmod", "lsscsi", "lzcat", "lzma", "lzop",
    "md5sum", "mdev", "microcom", "mim", "mkdir", "mkdosfs", "mke2fs", "mkfifo", "mknod",
    "mkpasswd", "mkswap", "mktemp", "modinfo", "modprobe", "more", "mount", "mt", "mv", "nameif",
    "nc", "netstat", "nl", "nologin", "nproc", "nsenter", "nslookup", "nuke", "od", "openvt",
    "partprobe", "passwd", "paste", "patch", "pidof", "ping", "ping6", "pivot_root", "poweroff",
    "printf", "ps", "pwd", "rdate", "readlink", "realpath", "reboot", "renice", "reset", "resume",
    "rev", "rm", "rmdir", "rmmod", "route", "rpm", "rpm2cpio", "run-init", "run-parts", "sed",
    "seq", "setkeycodes", "setpriv", "setsid", "sh", "sha1sum", "sha256sum", "sha3sum",
    "sha512sum", "shred", "shuf", "sleep", "sort", "ssl_client", "start-stop-daemon", "stat",
    "strings", "stty", "su", "sulogin", "svc", "svok", "swapoff", "swapon", "switch_root", "sync",
    "sysctl", "syslogd", "tac", "tail", "tar", "taskset", "tc", "tee", "telnet", "telnetd", "test",
    "tftp", "time", "timeout", "top", "touch", "tr", "traceroute", "traceroute6", "true",
    "truncate", "ts", "tty", "tunctl", "ubirename", "udhcpc", "udhcpd", "uevent", "umount",
    "uname", "uncompress", "unexpand", "uniq", "unix2dos", "unlink", "unlzma", "unshare", "unxz",
    "unzip", "uptime", "usleep", "uudecode", "uuencode", "vconfig", "vi", "w", "watch", "watchdog",
    "wc", "wget", "which", "who", "whoami", "xargs", "xxd", "xz", "xzcat", "yes", "zcat",
  ],
);

/**
 * Applets that busybox's ash runs in the process it forked without an exec (NOEXEC), so that the
 * process keeps the shell's command line and only its name (comm) changes: `ps` lists it as
 * `{ps} sh -c ...`. Those the reference busybox was seen to run so, each behind a pipe from a
 * `sleep` in its own PID namespace (the others tried: cat, grep, wc, tail, tr, sed, tee, od, uniq,
 * base64, nl and rev exec).
 */
export const noexecApplets: ReadonlySet<string> = new Set(["awk", "cut", "dd", "fold", "head", "md5sum", "ps", "sha256sum", "sort", "xargs"]);
