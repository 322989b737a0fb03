//go:build recorder

package server

// containerd v1.6.20's built-in seccomp profile (contrib/seccomp DefaultProfile, what
// WithDefaultProfile puts into a RuntimeDefault spec) for bounding capability sets. Replayed by
// golden/go/replay/seccompdefault.test.ts against src/cri/server/seccomp-default.ts.
//
//   node           the recording node's GOARCH and whether its kernel is 4.8 or newer: the two
//                  node facts the profile depends on besides the capabilities
//   defaultProfile hand-picked sets: the JSON text of a spec holding only the profile
//   profileDigest  seeded random sets (order, repeats and unknown names included): the profile's
//                  rule count and the SHA-256 of that same text, so the file stays small

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	goruntime "runtime"
	"testing"

	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/containerd/containerd/contrib/seccomp/kernelversion"
	runtimespec "github.com/opencontainers/runtime-spec/specs-go"
)

// Every capability a 5.9+ kernel knows, in bit order.
var allCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	"CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// The capabilities that add syscalls to the profile.
var syscallCapabilities = []string{
	"CAP_DAC_READ_SEARCH", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_SYS_PACCT",
	"CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_SYS_NICE", "CAP_SYSLOG", "CAP_BPF",
	"CAP_PERFMON",
}

// containerd's default bounding set for a CRI container (oci defaultUnixCaps).
var criDefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

type profileInput struct {
	Bounding []string `json:"bounding"`
}

func profileText(t *testing.T, bounding []string) string {
	spec := &runtimespec.Spec{Process: &runtimespec.Process{Capabilities: &runtimespec.LinuxCapabilities{Bounding: bounding}}}
	profile := seccomp.DefaultProfile(spec)
	b, err := json.Marshal(&runtimespec.Spec{Linux: &runtimespec.Linux{Seccomp: profile}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRecordSeccompdefault(t *testing.T) {
	r := newRecording("seccompdefault")

	ptraceKernel, err := kernelversion.GreaterEqualThan(kernelversion.KernelVersion{Kernel: 4, Major: 8})
	if err != nil {
		t.Fatal(err)
	}
	r.ok("node", nil, map[string]interface{}{"goarch": goruntime.GOARCH, "kernelAtLeast4_8": ptraceKernel})

	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }
	reversed := make([]string, len(allCapabilities))
	for i, c := range allCapabilities {
		reversed[len(allCapabilities)-1-i] = c
	}
	withoutNetRaw := []string{}
	for _, c := range criDefaultCapabilities {
		if c != "CAP_NET_RAW" {
			withoutNetRaw = append(withoutNetRaw, c)
		}
	}
	picked := [][]string{
		nil,
		{},
		criDefaultCapabilities,
		with(withoutNetRaw, "CAP_NET_ADMIN"),
	}
	for _, c := range syscallCapabilities {
		picked = append(picked, []string{c})
	}
	picked = append(picked,
		allCapabilities,
		reversed,
		with(criDefaultCapabilities, "CAP_SYS_ADMIN"),
		[]string{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_BPF", "CAP_PERFMON", "CAP_SYSLOG"},
		[]string{"CAP_SYSLOG", "CAP_PERFMON", "CAP_BPF", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"},
		[]string{"CAP_SYS_ADMIN", "CAP_SYS_ADMIN"},
		[]string{"CAP_BPF", "CAP_BPF", "CAP_SYS_TIME"},
		with(allCapabilities[:21], allCapabilities[22:]...),
		[]string{"SYS_ADMIN", "cap_sys_admin", "CAP_SYS_ADMIN ", "ALL", "", "CAP_FOO"},
	)
	for _, bounding := range picked {
		r.ok("defaultProfile", profileInput{Bounding: bounding}, profileText(t, bounding))
	}

	g := newGen(1620)
	junk := []string{"CAP_SYS_ADMIN ", "SYS_ADMIN", "cap_bpf", "ALL", "", "CAP_UNKNOWN"}
	for i := 0; i < 400; i++ {
		var bounding []string
		switch g.intn(4) {
		case 0: // a subset of the capabilities that add syscalls, in random order
			for _, j := range g.r.Perm(len(syscallCapabilities))[:g.intn(len(syscallCapabilities)+1)] {
				bounding = append(bounding, syscallCapabilities[j])
			}
		case 1: // a subset of every capability, in bit order
			for _, c := range allCapabilities {
				if g.intn(2) == 0 {
					bounding = append(bounding, c)
				}
			}
		default: // anything: repeats and names no kernel knows
			for n := g.intn(12); n > 0; n-- {
				if g.intn(6) == 0 {
					bounding = append(bounding, junk[g.intn(len(junk))])
				} else {
					bounding = append(bounding, allCapabilities[g.intn(len(allCapabilities))])
				}
			}
		}
		text := profileText(t, bounding)
		sum := sha256.Sum256([]byte(text))
		var decoded runtimespec.Spec
		if err := json.Unmarshal([]byte(text), &decoded); err != nil {
			t.Fatal(err)
		}
		r.ok("profileDigest", profileInput{Bounding: bounding}, map[string]interface{}{
			"rules":  len(decoded.Linux.Seccomp.Syscalls),
			"sha256": hex.EncodeToString(sum[:]),
		})
	}
	r.write(t)
}
