// Records what the CDI library containerd v2.4.2 vendors (tags.cncf.io/container-device-interface
// v1.1.1, pinned in go.mod) decides about a spec file's cdiVersion: whether the version is one it
// knows and whether the fields the spec uses are available in that version (ValidateVersion), and
// the minimum version they need. Written to golden/go/cdiversion.json; replayed by
// golden/go/replay/cdiversion.test.ts against src/cri/oci/cdi.ts.
//
//	cd golden/go/recordercdi && go run . ../cdiversion.json
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"tags.cncf.io/container-device-interface/pkg/cdi"
	cdispec "tags.cncf.io/container-device-interface/specs-go"
)

type goldenCase struct {
	Fn  string      `json:"fn"`
	In  string      `json:"in"`
	Out interface{} `json:"out,omitempty"`
	Err *string     `json:"err,omitempty"`
}

// A feature: a spec fragment that needs some cdiVersion.
type feature struct {
	name  string
	apply func(s map[string]interface{})
}

func device(s map[string]interface{}) map[string]interface{} {
	return s["devices"].([]interface{})[0].(map[string]interface{})
}

func deviceEdits(s map[string]interface{}) map[string]interface{} {
	return device(s)["containerEdits"].(map[string]interface{})
}

func specEdits(s map[string]interface{}) map[string]interface{} {
	if _, ok := s["containerEdits"]; !ok {
		s["containerEdits"] = map[string]interface{}{}
	}
	return s["containerEdits"].(map[string]interface{})
}

var features = []feature{
	{"none", func(map[string]interface{}) {}},
	{"mount type", func(s map[string]interface{}) {
		deviceEdits(s)["mounts"] = []interface{}{map[string]interface{}{"hostPath": "/h", "containerPath": "/c", "type": "bind"}}
	}},
	{"spec mount type", func(s map[string]interface{}) {
		specEdits(s)["mounts"] = []interface{}{map[string]interface{}{"hostPath": "/h", "containerPath": "/c", "type": "bind"}}
	}},
	{"mount without type", func(s map[string]interface{}) {
		deviceEdits(s)["mounts"] = []interface{}{map[string]interface{}{"hostPath": "/h", "containerPath": "/c"}}
	}},
	{"device node hostPath", func(s map[string]interface{}) {
		deviceEdits(s)["deviceNodes"] = []interface{}{map[string]interface{}{"path": "/dev/x", "hostPath": "/dev/y", "type": "c", "major": 1, "minor": 3}}
	}},
	{"spec device node hostPath", func(s map[string]interface{}) {
		specEdits(s)["deviceNodes"] = []interface{}{map[string]interface{}{"path": "/dev/x", "hostPath": "/dev/y", "type": "c", "major": 1, "minor": 3}}
	}},
	{"device node without hostPath", func(s map[string]interface{}) {
		deviceEdits(s)["deviceNodes"] = []interface{}{map[string]interface{}{"path": "/dev/x", "type": "c", "major": 1, "minor": 3}}
	}},
	{"device name starting with a digit", func(s map[string]interface{}) { device(s)["name"] = "0gpu" }},
	{"spec annotations", func(s map[string]interface{}) { s["annotations"] = map[string]interface{}{"a": "b"} }},
	{"device annotations", func(s map[string]interface{}) { device(s)["annotations"] = map[string]interface{}{"a": "b"} }},
	{"empty spec annotations", func(s map[string]interface{}) { s["annotations"] = map[string]interface{}{} }},
	{"class with a dot", func(s map[string]interface{}) { s["kind"] = "vendor.example/gpu.v2" }},
	{"vendor with a dot only", func(s map[string]interface{}) { s["kind"] = "vendor.example/gpu" }},
	{"spec additionalGids", func(s map[string]interface{}) { specEdits(s)["additionalGids"] = []interface{}{5} }},
	{"device additionalGids", func(s map[string]interface{}) { deviceEdits(s)["additionalGids"] = []interface{}{5} }},
	{"empty device additionalGids", func(s map[string]interface{}) { deviceEdits(s)["additionalGids"] = []interface{}{} }},
}

var versions = []string{
	"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0",
	"v0.3.0", "v0.6.0", "v1.1.0", "1.2.0", "0.6", "", "V0.6.0", "0.9.0", " 0.6.0",
}

func baseSpec(version string) map[string]interface{} {
	return map[string]interface{}{
		"cdiVersion": version,
		"kind":       "vendor.example/gpu",
		"devices": []interface{}{map[string]interface{}{
			"name":           "gpu0",
			"containerEdits": map[string]interface{}{"env": []interface{}{"GPU=0"}},
		}},
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . <golden json>")
		os.Exit(2)
	}
	var cases []goldenCase
	record := func(spec map[string]interface{}) {
		data, err := json.Marshal(spec)
		if err != nil {
			panic(err)
		}
		raw, err := cdi.ParseSpec(data)
		if err != nil {
			panic(err)
		}
		c := goldenCase{Fn: "validateVersion", In: string(data)}
		if err := cdispec.ValidateVersion(raw); err != nil {
			msg := err.Error()
			c.Err = &msg
		} else {
			min, _ := cdispec.MinimumRequiredVersion(raw)
			c.Out = min
		}
		cases = append(cases, c)
	}
	for _, v := range versions {
		for _, f := range features {
			s := baseSpec(v)
			f.apply(s)
			record(s)
		}
	}
	// Pairs: the newest feature decides.
	for _, v := range []string{"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0"} {
		for i, a := range features[1:] {
			for _, b := range features[i+2:] {
				s := baseSpec(v)
				a.apply(s)
				b.apply(s)
				record(s)
			}
		}
	}
	write(os.Args[1], cases)
}

func write(path string, cases []goldenCase) {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	head, _ := json.Marshal(map[string]interface{}{
		"group": "cdiversion", "go": runtime.Version(), "containerd": "v2.4.2 (container-device-interface v1.1.1)", "seed": 0, "count": len(cases),
	})
	w.WriteString("{\"meta\":" + string(head) + ",\n\"cases\":[\n")
	lines := make([]string, len(cases))
	for i, c := range cases {
		line, _ := json.Marshal(c)
		lines[i] = string(line)
	}
	w.WriteString(strings.Join(lines, ",\n"))
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		panic(err)
	}
	f.Close()
	if err := os.Rename(path+".tmp", path); err != nil {
		panic(err)
	}
}
