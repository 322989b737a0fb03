//go:build recorder

package server

// A container's status checkpoint in containerd v1.6.20 (pkg/cri/store/container StoreStatus and
// LoadStatus): the file StoreStatus writes for a status, and what LoadStatus makes of a file (shown
// as the file StoreStatus writes for the loaded status), or its error. Replayed by
// golden/go/replay/ctrstatus.test.ts against src/cri/store/container-checkpoint.ts.

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	containerstore "github.com/containerd/containerd/pkg/cri/store/container"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

type statusInput struct {
	Pid        uint32      `json:"pid"`
	CreatedAt  string      `json:"createdAt"`
	StartedAt  string      `json:"startedAt"`
	FinishedAt string      `json:"finishedAt"`
	ExitCode   int32       `json:"exitCode"`
	Reason     interface{} `json:"reason"`
	Message    interface{} `json:"message"`
	Starting   bool        `json:"starting"`
	Unknown    bool        `json:"unknown"`
	Resources  interface{} `json:"resources"`
}

func checkpointOf(t *testing.T, s containerstore.Status) string {
	dir := t.TempDir()
	if _, err := containerstore.StoreStatus(dir, "id", s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRecordCtrstatus(t *testing.T) {
	r := newRecording("ctrstatus")
	g := newGen(1605)
	strs := concat(lowerAlnum, controlSet, unicodeSet, []string{"<", ">", "&", "\"", "\\", "\u2029"})
	i64s := []int64{0, 1, -1, 1 << 53, 1<<53 + 1, 9223372036854775807, -9223372036854775808, 1633478400123456789}
	pick64 := func() int64 {
		if g.intn(2) == 0 {
			return i64s[g.intn(len(i64s))]
		}
		return g.r.Int63() - g.r.Int63()
	}
	for i := 0; i < 300; i++ {
		s := containerstore.Status{
			Pid:        uint32(g.r.Uint32()),
			CreatedAt:  pick64(),
			StartedAt:  pick64(),
			FinishedAt: pick64(),
			ExitCode:   int32(g.r.Uint32()),
			Reason:     g.stringFrom(strs, 6),
			Message:    g.stringFrom(strs, 10),
			Starting:   g.intn(2) == 0,
			Unknown:    g.intn(2) == 0,
		}
		in := statusInput{Pid: s.Pid, CreatedAt: i64(s.CreatedAt), StartedAt: i64(s.StartedAt), FinishedAt: i64(s.FinishedAt),
			ExitCode: s.ExitCode, Reason: gs(s.Reason), Message: gs(s.Message), Starting: s.Starting, Unknown: s.Unknown}
		if g.intn(3) == 0 {
			linux := &runtime.LinuxContainerResources{
				CpuPeriod: pick64() * int64(g.intn(2)), CpuQuota: pick64() * int64(g.intn(2)), CpuShares: pick64() * int64(g.intn(2)),
				MemoryLimitInBytes: pick64() * int64(g.intn(2)), OomScoreAdj: pick64() * int64(g.intn(2)),
				CpusetCpus: g.pick("", "0-3"), CpusetMems: g.pick("", "0"), MemorySwapLimitInBytes: pick64() * int64(g.intn(2)),
			}
			if g.intn(2) == 0 {
				linux.HugepageLimits = []*runtime.HugepageLimit{{PageSize: g.pick("", "2MB"), Limit: uint64(g.r.Int63()) * uint64(g.intn(2))}}
			}
			if g.intn(2) == 0 {
				linux.Unified = map[string]string{"memory.high": "1", g.pick("a", "b"): g.pick("", "x")}
			}
			s.Resources = &runtime.ContainerResources{Linux: linux}
			hp := []interface{}{}
			for _, h := range linux.HugepageLimits {
				hp = append(hp, map[string]string{"pageSize": h.PageSize, "limit": u64(h.Limit)})
			}
			in.Resources = map[string]interface{}{
				"cpuPeriod": i64(linux.CpuPeriod), "cpuQuota": i64(linux.CpuQuota), "cpuShares": i64(linux.CpuShares),
				"memoryLimitInBytes": i64(linux.MemoryLimitInBytes), "oomScoreAdj": i64(linux.OomScoreAdj),
				"cpusetCpus": linux.CpusetCpus, "cpusetMems": linux.CpusetMems, "memorySwapLimitInBytes": i64(linux.MemorySwapLimitInBytes),
				"hugepageLimits": hp, "unified": linux.Unified,
			}
		}
		r.ok("storeStatus", in, checkpointOf(t, s))
	}

	files := []string{
		`{"Version":"v1","Pid":7,"CreatedAt":1,"StartedAt":2,"FinishedAt":3,"ExitCode":-4,"Reason":"r","Message":"m","Resources":null}`,
		`{"version":"v1","pid":7,"exitcode":3,"REASON":"x"}`,
		`{"Version":"v1","Pid":7,"pid":8}`,
		`{"Version":"v1","CreatedAt":9223372036854775807,"FinishedAt":-9223372036854775808}`,
		`{"Version":"v1","Resources":{"linux":{"cpu_period":5,"unified":{"a":"b"},"hugepage_limits":[{"page_size":"2MB","limit":18446744073709551615}]}}}`,
		`{"Version":"v1","Unknown":true,"Starting":true,"Removing":true}`,
		`{"Version":"v2"}`, `{}`, `null`, `[]`, `"x"`, `{`, ``, `{"Version":"v1"} x`, `{"Version":"v1","Pid":"x"}`,
		`{"Version":"v1","Pid":-1}`, `{"Version":"v1","Pid":4294967296}`, `{"Version":"v1","Pid":1.5}`, `{"Version":"v1","ExitCode":2147483648}`,
		`{"Version":"v1","CreatedAt":9223372036854775808}`, `{"Version":1}`, `{"Version":"v1","Reason":5}`, `{"Version":"v1",}`,
		`{"Version":"v1" "Pid":1}`, `{"Version":"v1","Pid":01}`, `{"Version":"v1","Reason":"\u00e9\ud83d\ude00"}`, `{"Version":"v1","Reason":"a\tb"}`,
		`{"Version":"v1","Pid":1e2}`, `{"Version":"v1","Resources":{"linux":null}}`, `{"Version":"v1","Resources":[]}`, ` {"Version":"v1"} `,
		`{"Version":"v1","Reason":"\x"}`, `{"Version":"v1","Pid":tru}`, `{"Version":"v1","Pid":null}`,
	}
	for _, f := range files {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "status"), []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := containerstore.LoadStatus(dir, "id")
		out := ""
		if err == nil {
			out = checkpointOf(t, s)
		} else {
			err = fmt.Errorf("%s", err.Error())
		}
		r.result("loadStatus", gs(f), out, err)
	}
	r.write(t)
}
