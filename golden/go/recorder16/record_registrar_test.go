//go:build recorder

package server

// containerd v1.6.20's pkg/registrar as scenarios: a fresh registrar, a list of calls, and each
// call's error text ("" for none). Replayed by golden/go/replay/registrar.test.ts.

import (
	"testing"

	"github.com/containerd/containerd/pkg/registrar"
)

func TestRecordRegistrar(t *testing.T) {
	r := newRecording("registrar")
	run := func(calls [][]string) {
		reg := registrar.NewRegistrar()
		in := [][]interface{}{}
		out := []string{}
		for _, call := range calls {
			var err error
			switch call[0] {
			case "reserve":
				err = reg.Reserve(call[1], call[2])
			case "releaseByName":
				reg.ReleaseByName(call[1])
			case "releaseByKey":
				reg.ReleaseByKey(call[1])
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			row := []interface{}{}
			for _, s := range call {
				row = append(row, gs(s))
			}
			in = append(in, row)
			out = append(out, msg)
		}
		r.ok("scenario", in, out)
	}
	run([][]string{{"reserve", "a", "k"}, {"reserve", "a", "k2"}, {"reserve", "b", "k"}, {"reserve", "a", "k"}})
	run([][]string{{"reserve", "", "k"}, {"reserve", "n", ""}, {"reserve", "", ""}})
	run([][]string{{"reserve", "a", "k"}, {"releaseByName", "a"}, {"reserve", "b", "k"}, {"releaseByKey", "k"}, {"reserve", "a", "k2"}})
	run([][]string{{"reserve", "we\"ird\n", "k1"}, {"reserve", "we\"ird\n", "k2"}, {"reserve", "é中\x00", "\u2028"}, {"reserve", "é中\x00", "x"}})
	g := newGen(1603)
	names := []string{"", "a", "b", "pod_ns_uid_0", "c_pod_ns_uid_1", "\"q\"", "é", "\t"}
	keys := []string{"", "k1", "k2", "0123456789abcdef", "\\", "😀"}
	for i := 0; i < 300; i++ {
		var calls [][]string
		for j, n := 0, g.intn(12)+1; j < n; j++ {
			switch g.intn(4) {
			case 0:
				calls = append(calls, []string{"releaseByName", names[g.intn(len(names))]})
			case 1:
				calls = append(calls, []string{"releaseByKey", keys[g.intn(len(keys))]})
			default:
				calls = append(calls, []string{"reserve", names[g.intn(len(names))], keys[g.intn(len(keys))]})
			}
		}
		run(calls)
	}
	r.write(t)
}
