//go:build recorder

package server

// Records generateRuntimeOptions, getRuntimeOptionsType and getRuntimeOptions. Inputs are built the
// way containerd builds them: a runtime section's TOML text is loaded with go-toml (toml.Load) and
// decoded into criconfig.Runtime, which leaves Options as map[string]interface{}; the plugin's
// systemd_cgroup comes beside it. Outputs are the type URL, the Go struct's fields by Go name, and
// typeurl.MarshalAny's bytes, or the error text ("panic: ..." where Go panics).

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/containerd/containerd/containers"
	criconfig "github.com/containerd/containerd/pkg/cri/config"
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/types"
	"github.com/pelletier/go-toml"
)

// roFields lists an option struct's fields by Go name: XXX_unrecognized as hex (null for nil), and
// XXX_NoUnkeyedLiteral left out since it never holds anything.
func roFields(v interface{}) map[string]interface{} {
	rv := reflect.ValueOf(v).Elem()
	out := map[string]interface{}{}
	for i := 0; i < rv.NumField(); i++ {
		f, fv := rv.Type().Field(i), rv.Field(i)
		switch {
		case f.Name == "XXX_NoUnkeyedLiteral":
		case f.Name == "XXX_unrecognized":
			if fv.IsNil() {
				out[f.Name] = nil
			} else {
				out[f.Name] = hex.EncodeToString(fv.Bytes())
			}
		case fv.Kind() == reflect.Bool:
			out[f.Name] = fv.Bool()
		case fv.Kind() == reflect.String:
			out[f.Name] = gs(fv.String())
		case fv.Kind() == reflect.Int32:
			out[f.Name] = fv.Int()
		case fv.Kind() == reflect.Uint32:
			out[f.Name] = fv.Uint()
		default:
			// Only the messages that are not option types (recorded as exceptions) get here.
			out[f.Name] = fmt.Sprint(fv.Interface())
		}
	}
	return out
}

// roOutput is what a returned options value records as: nil stays null.
func roOutput(t *testing.T, v interface{}) interface{} {
	if v == nil {
		return nil
	}
	url, err := typeurl.TypeURL(v)
	if err != nil {
		t.Fatal(err)
	}
	any, err := typeurl.MarshalAny(v)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]interface{}{"typeUrl": url, "fields": roFields(v), "any": hex.EncodeToString(any.Value)}
}

type roGenerateIn struct {
	Toml          string `json:"toml"`
	SystemdCgroup bool   `json:"systemdCgroup"`
}

// roGenerate runs the whole path for one TOML text; a panic becomes an error reading "panic: ...".
func roGenerate(t *testing.T, in roGenerateIn) (out interface{}, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	tree, err := toml.Load(in.Toml)
	if err != nil {
		return nil, err
	}
	var r criconfig.Runtime
	if err := tree.Unmarshal(&r); err != nil {
		t.Fatalf("%q does not decode into criconfig.Runtime: %v", in.Toml, err)
	}
	opts, err := generateRuntimeOptions(r, criconfig.Config{PluginConfig: criconfig.PluginConfig{SystemdCgroup: in.SystemdCgroup}})
	if err != nil {
		return nil, err
	}
	return roOutput(t, opts), nil
}

// roSection is a runtime section: runtime_type, then the options table when body is not nil.
func roSection(runtimeType string, body *string) string {
	text := "runtime_type = " + roQuote(runtimeType) + "\n"
	if body != nil {
		text += "[options]\n" + *body
	}
	return text
}

func roBody(lines ...string) *string {
	s := strings.Join(lines, "\n")
	if s != "" {
		s += "\n"
	}
	return &s
}

// roQuote writes a TOML basic string.
func roQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func roKey(k string) string {
	if k != "" && strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
		return k
	}
	return roQuote(k)
}

// The runtime types, with the struct each decodes into.
var roRuntimeTypes = []struct {
	name   string
	sample interface{}
}{
	{"io.containerd.runc.v2", getRuntimeOptionsType("io.containerd.runc.v2")},
	{"io.containerd.runtime.v1.linux", getRuntimeOptionsType("io.containerd.runtime.v1.linux")},
	{"io.containerd.runhcs.v1", getRuntimeOptionsType("io.containerd.runhcs.v1")},
	{"io.containerd.kata.v2", getRuntimeOptionsType("io.containerd.kata.v2")},
}

func roFieldNames(sample interface{}) []string {
	rt := reflect.TypeOf(sample).Elem()
	names := make([]string, rt.NumField())
	for i := range names {
		names[i] = rt.Field(i).Name
	}
	return names
}

// roValues are TOML literals of every kind go-toml produces, around every edge the fields have.
var roValues = []string{
	"true", "false",
	`"s"`, `""`, `"true"`, `"1"`, `"/usr/local/bin/runc"`, `"é 中 😀 \u0001 \" \\"`,
	"0", "1", "-1", "+7", "255", "256", "2147483647", "2147483648", "-2147483648", "-2147483649",
	"4294967295", "4294967296", "-4294967296", "9223372036854775807", "-9223372036854775808", "0x10", "0o17",
	"0b101", "1_000",
	"0.0", "1.0", "1.5", "-0.0", "-2.5", "inf", "-inf", "nan", "1e6", "1e-7", "0.1", "3.4028234663852886e+38",
	"1979-05-27", "07:32:00", "07:32:00.5", "1979-05-27T07:32:00", "1979-05-27T07:32:00.25", "1979-05-27T07:32:00Z",
	"1979-05-27T07:32:00.5+05:30", "1979-05-27 07:32:00-08:00",
	"[]", "[1, 2]", "[0, 255]", "[256]", "[-1]", `["a", "b"]`, "[true, false]", "[1.5, 2.0]", "[[1], [2, 3]]", "[[]]",
	"[1979-05-27T07:32:00Z]", "{}", "{a = 1}", `{ x = "y", n = { m = [1.5] }, "k k" = 1979-05-27T07:32:00Z }`,
	"[{a = 1}]", `[{a = 1}, {b = "x"}]`,
}

// roValidValue is a value each field type accepts.
func roValidValue(sample interface{}, field string) string {
	f, _ := reflect.TypeOf(sample).Elem().FieldByName(field)
	switch {
	case field == "XXX_NoUnkeyedLiteral":
		return "{}"
	case field == "XXX_unrecognized":
		return "[8, 1]"
	case f.Type.Kind() == reflect.Bool:
		return "true"
	case f.Type.Kind() == reflect.String:
		return `"v-` + field + `"`
	default:
		return "7"
	}
}

func TestRecordRuntimeoptions(t *testing.T) {
	rec := newRecording("runtimeoptions")
	skipped := 0
	generate := func(text string, systemdCgroup bool) {
		in := roGenerateIn{Toml: text, SystemdCgroup: systemdCgroup}
		out, err := roGenerate(t, in)
		// Go walks maps in random order; a case whose outcome depends on it is not a golden.
		for i := 0; i < 8; i++ {
			again, againErr := roGenerate(t, in)
			if fmt.Sprint(err) != fmt.Sprint(againErr) || !reflect.DeepEqual(out, again) {
				skipped++
				return
			}
		}
		rec.result("generateRuntimeOptions", in, out, err)
	}

	// Legacy configs without options, and the types that then get none.
	for _, sc := range []bool{false, true} {
		for _, text := range []string{
			"runtime_type = \"io.containerd.runtime.v1.linux\"\n",
			"runtime_type = \"io.containerd.runtime.v1.linux\"\nruntime_engine = \"/usr/bin/runc\"\nruntime_root = \"/run/runc\"\n",
			"runtime_type = \"io.containerd.runtime.v1.linux\"\nruntime_engine = \"é\"\n",
			"runtime_type = \"io.containerd.runc.v2\"\nruntime_engine = \"/usr/bin/runc\"\n",
			"runtime_type = \"io.containerd.runc.v1\"\n",
			"runtime_type = \"io.containerd.runhcs.v1\"\n",
			"runtime_type = \"io.containerd.kata.v2\"\n",
			"runtime_type = \"\"\n",
			"runtime_engine = \"runc\"\n",
			"",
			"runtime_type = \"io.containerd.runtime.v1.linux\"\nruntime_engine = \"e\"\n[options]\n",
			"runtime_type = \"io.containerd.runtime.v1.linux\"\nruntime_root = \"r\"\noptions = {}\n",
			"runtime_type = \"io.containerd.runtime.v1.linux\"\nruntime_engine = \"e\"\n[options]\nRuntime = \"o\"\nSystemdCgroup = false\n",
			"runtime_type = \"io.containerd.runc.v2\"\n[options]\n",
			"runtime_type = \"io.containerd.runc.v1\"\n[options]\nSystemdCgroup = true\n",
			"runtime_type = \"\"\n[options]\nTypeUrl = \"x\"\n",
			"runtime_type = \"IO.CONTAINERD.RUNC.V2\"\n[options]\nBinaryName = \"x\"\nTypeUrl = \"y\"\n",
			"runtime_type = \"io.containerd.runc.v2\"\n[options.sub]\nBinaryName = \"x\"\n",
		} {
			generate(text, sc)
		}
	}

	// Every field of every struct with every kind of value.
	for _, rt := range roRuntimeTypes {
		for _, field := range roFieldNames(rt.sample) {
			for _, v := range roValues {
				generate(roSection(rt.name, roBody(roKey(field)+" = "+v)), false)
			}
		}
	}

	// Key variants: go-toml tries the Go name, lower case, upper case and a lower-case first letter.
	for _, rt := range roRuntimeTypes {
		for _, field := range roFieldNames(rt.sample) {
			v := roValidValue(rt.sample, field)
			snake := roSnake(field)
			variants := []string{
				field, strings.ToLower(field), strings.ToUpper(field), strings.ToLower(field[:1]) + field[1:],
				snake, strings.ToUpper(snake), strings.ToUpper(field[:1]) + strings.ToLower(field[1:]),
				field + " ", " " + field, field + "s", "options." + field,
			}
			for _, key := range variants {
				generate(roSection(rt.name, roBody(roKey(key)+" = "+v)), false)
			}
			// Two variants present at once: the earlier in go-toml's order wins.
			candidates := []string{field, strings.ToLower(field), strings.ToUpper(field), strings.ToLower(field[:1]) + field[1:]}
			for i := 0; i < len(candidates); i++ {
				for j := i + 1; j < len(candidates); j++ {
					if candidates[i] == candidates[j] {
						continue
					}
					first, second := roTwoValues(rt.sample, field)
					generate(roSection(rt.name, roBody(roKey(candidates[j])+" = "+second, roKey(candidates[i])+" = "+first)), false)
				}
			}
		}
	}

	// Every field set at once, and errors in two fields (the first in struct order is reported).
	for _, sc := range []bool{false, true} {
		for _, rt := range roRuntimeTypes {
			var lines []string
			for _, field := range roFieldNames(rt.sample) {
				lines = append(lines, roKey(field)+" = "+roValidValue(rt.sample, field))
			}
			generate(roSection(rt.name, roBody(lines...)), sc)
		}
	}
	for _, body := range []*string{
		roBody("IoUid = -1", "NoPivotRoot = \"x\""),
		roBody("CriuWorkPath = 1", "XXX_unrecognized = [300]"),
		roBody("XXX_sizecache = 1.5", "XXX_unrecognized = 5"),
		roBody("root = 1", "Root = \"ok\"", "IoGid = 4294967296"),
	} {
		generate(roSection("io.containerd.runc.v2", body), false)
	}

	// What TreeFromMap refuses, and where it panics.
	for _, v := range []string{
		`[1, "a"]`, "[1, 1.5]", "[true, 1]", `["a", 1979-05-27T07:32:00Z]`, "[1979-05-27]", "[07:32:00]",
		"[1979-05-27T07:32:00]", "[[1], 2]", "[[1], [2, {a = 1}]]", "[[1], [[{a = 1}]]]", "[[{a = 1}], 2]",
		"[[{a = 1}], [{b = 1}]]", "[{a = 1}, 2]", "[{a = 1}, [1]]", "[{a = 1}, [{b = 1}]]", "[{a = 1}, []]",
		"[{a = [1, true]}]", "[1, {a = 1}]", "[1, [{a = 1}]]", "[[], 1]", "[[1979-05-27], [07:32:00]]",
		"[1979-05-27T07:32:00Z, 1979-05-27T07:32:00]", "{ a = { b = [1, \"x\"] } }", "[[1, 2], [\"a\", [true]]]",
		"[[1.5, 2], []]",
	} {
		for _, key := range []string{"BinaryName", "XXX_unrecognized", "unknown"} {
			generate(roSection("io.containerd.runc.v2", roBody(key+" = "+v)), false)
		}
	}

	// How the values print inside errors: TOML text for tables, %v for the rest.
	for _, v := range []string{
		`{ b = "q\u0001\u001f\u007f", c = { d = [1, 2] }, e = [{f = 1}, {g = 2}], "h i" = 1979-05-27T07:32:00Z }`,
		`{ z = 1, a = { y = 2 }, "é" = "x", "" = 3, "a.b" = 5, "a b" = "\U00010000\U0001001e\U0001001f" }`,
		`{ f = [0.5, 0.1, 1e-7, 3.4028234663852886e+38, 16777217.0, 1e21, 1e22, -0.0, inf, -inf, nan, 123456.75] }`,
		`{ t = [1979-05-27T07:32:00-00:00, 1979-05-27T07:32:00.999+14:00, 1979-05-27T07:32:00-09:30] }`,
		`{ n = [[1, 2], ["a"], [], [[0.5]]], s = [], l = 1979-05-27, lt = 07:32:00.001, ldt = 1979-05-27T07:32:00 }`,
		"[{a = { b = { c = 1 } }}, {d = [{e = 1}]}]",
		"{ x = [{a = 1}], y = { z = [{b = 2}] } }",
		"[1e6, 1e-5, 123456.0, 1234567.0, 0.0001, 0.00001, 1e21, 1e20, 5e-324, 1.7976931348623157e308, -1e-100]",
		"[1979-05-27T07:32:00.5Z, 1979-05-27T00:00:00+01:00, 0001-01-01T00:00:00Z]",
	} {
		for _, key := range []string{"BinaryName", "IoUid", "NoPivotRoot", "XXX_unrecognized"} {
			generate(roSection("io.containerd.runc.v2", roBody(key+" = "+v)), false)
		}
	}

	// TOML that go-toml v1.8.1 and smol-toml (TOML 1.0) read differently; replay lists them as exceptions.
	for _, line := range []string{
		"BinaryName = 9223372036854775808", "IoUid = -9223372036854775809", "IoUid = 0xffffffffffffffff",
		"BinaryName = 1e400", "BinaryName = 1979-05-27T07:32:00.123456", "IoUid = 1979-05-27T07:32:00.1234567Z",
		"BinaryName = 07:32:00.0001", "BinaryName = 07:32", "BinaryName = 1979-05-27T07:32Z", "é = 1",
		"BinaryName = 01", "BinaryName = 1979-05-27T07:32:00+24:00", "BinaryName = \"\\e\"", "BinaryName = \"\\x41\"",
		"BinaryName = { '\"q\"' = 4 }", `BinaryName = { "a\"b" = 1 }`,
	} {
		generate(roSection("io.containerd.runc.v2", roBody(line)), false)
	}

	// Seeded random tables.
	g := newGen(1701)
	for i := 0; i < 700; i++ {
		rt := roRuntimeTypes[g.intn(len(roRuntimeTypes))]
		runtimeType := rt.name
		if rt.name == "io.containerd.runc.v2" && g.intn(3) == 0 {
			runtimeType = "io.containerd.runc.v1"
		}
		if rt.name == "io.containerd.kata.v2" {
			runtimeType = g.pick("io.containerd.kata.v2", "", "io.containerd.runsc.v1", "runc")
		}
		n := g.intn(7)
		seen := map[string]bool{}
		var lines []string
		risky := g.intn(6) == 0
		for j := 0; j < n; j++ {
			key := roRandomKey(g, rt.sample)
			if seen[key] {
				continue
			}
			seen[key] = true
			lines = append(lines, roKey(key)+" = "+roRandomValue(g, 0, risky && j == 0))
		}
		generate(roSection(runtimeType, roBody(lines...)), g.intn(2) == 0)
	}
	t.Logf("left out %d cases whose outcome depends on Go's map order", skipped)

	// getRuntimeOptionsType for many type strings.
	optionsType := func(s string) {
		rec.ok("getRuntimeOptionsType", gs(s), roOutput(t, getRuntimeOptionsType(s)))
	}
	for _, s := range []string{
		"io.containerd.runc.v1", "io.containerd.runc.v2", "io.containerd.runtime.v1.linux", "io.containerd.runhcs.v1",
		"", "io.containerd.runc.v3", "io.containerd.runc.v0", "IO.CONTAINERD.RUNC.V2", "io.containerd.runc.v2 ",
		" io.containerd.runc.v2", "io.containerd.runc.v2\x00", "io.containerd.runtime.v1.Linux", "io.containerd.runhcs.v2",
		"io.containerd.kata.v2", "io.containerd.runsc.v1", "io.containerd.runc", "runc", "linux", "io.containerd.runc.v2\n",
		"io.containerd.runc.v\u0032", "io.containerd.runc.v２", "\xff", "io.containerd.runhcs.v1\xff",
	} {
		optionsType(s)
	}
	tg := newGen(1702)
	pieces := concat(lowerAlnum, []string{".", ".", "io.containerd.", "runc.v", "runtime.v1.linux", "runhcs.v1", "v2", "V"}, unicodeSet)
	for i := 0; i < 120; i++ {
		optionsType(tg.stringFrom(pieces, 6))
	}

	// getRuntimeOptions on containers' stored Anys.
	runtimeOptions := func(any *types.Any) {
		var in interface{}
		if any != nil {
			in = map[string]interface{}{"typeUrl": gs(any.TypeUrl), "value": hex.EncodeToString(any.Value)}
		}
		out, err := getRuntimeOptions(containers.Container{Runtime: containers.RuntimeInfo{Name: "r", Options: any}})
		var recorded interface{}
		if err == nil {
			recorded = roOutput(t, out)
		}
		rec.result("getRuntimeOptions", in, recorded, err)
	}
	runtimeOptions(nil)
	og := newGen(1703)
	for _, rt := range roRuntimeTypes {
		url, _ := typeurl.TypeURL(rt.sample)
		for _, value := range []string{"", "0801", "08011001", "0a0161", "2a0161", "08ff01", "08", "0c", "00", "7801", "0a05616263"} {
			b, _ := hex.DecodeString(value)
			runtimeOptions(&types.Any{TypeUrl: url, Value: b})
		}
		for i := 0; i < 12; i++ {
			v := reflect.New(reflect.TypeOf(rt.sample).Elem()).Interface()
			roRandomStruct(og, v)
			any, err := typeurl.MarshalAny(v)
			if err != nil {
				t.Fatal(err)
			}
			runtimeOptions(any)
		}
	}
	for _, url := range []string{
		"", "containerd.runc.v1.options", "type.googleapis.com/containerd.runc.v1.Options", "containerd.runc.v2.Options",
		"runtimeoptions.v1.Options ", "cri.runtimeoptions.v1.Options", "containerd.runhcs.v1.Options\x00", "\xff",
		// Registered with gogo's proto registry in containerd's binary, but not option types.
		"containerd.runc.v1.CheckpointOptions", "google.protobuf.Timestamp",
	} {
		runtimeOptions(&types.Any{TypeUrl: url, Value: []byte{8, 1}})
	}

	rec.write(t)
}

// roSnake turns a Go field name into the snake_case of its proto field (BinaryName -> binary_name).
func roSnake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(name[i-1] >= 'A' && name[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			b.WriteRune(r + 'a' - 'A')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// roTwoValues are two different values a field accepts.
func roTwoValues(sample interface{}, field string) (string, string) {
	f, _ := reflect.TypeOf(sample).Elem().FieldByName(field)
	switch {
	case field == "XXX_NoUnkeyedLiteral":
		return "{}", "{ a = 1 }"
	case field == "XXX_unrecognized":
		return "[8, 1]", "[16, 1]"
	case f.Type.Kind() == reflect.Bool:
		return "true", "false"
	case f.Type.Kind() == reflect.String:
		return `"first"`, `"second"`
	default:
		return "1", "2"
	}
}

func roRandomKey(g *gen, sample interface{}) string {
	names := roFieldNames(sample)
	other := roFieldNames(roRuntimeTypes[g.intn(len(roRuntimeTypes))].sample)
	switch g.intn(10) {
	case 0:
		return roSnake(names[g.intn(len(names))])
	case 1:
		return other[g.intn(len(other))]
	case 2:
		return g.stringFrom(concat(lowerAlnum, upperChars, []string{"_", "-", " ", "."}, unicodeSet), 8)
	}
	name := names[g.intn(len(names))]
	switch g.intn(5) {
	case 0:
		return strings.ToLower(name)
	case 1:
		return strings.ToUpper(name)
	case 2:
		return strings.ToLower(name[:1]) + name[1:]
	}
	return name
}

var roEdgeInts = []int64{0, 1, -1, 7, 127, 128, 255, 256, 65535, 1 << 31, 1<<31 - 1, -1 << 31, -1<<31 - 1, 1 << 32, 1<<32 - 1, -1 << 32,
	1<<63 - 1, -1 << 63, 1000, -1000}

// roRandomValue writes a random TOML value; risky ones may make TreeFromMap fail or panic.
func roRandomValue(g *gen, depth int, risky bool) string {
	kinds := 9
	if depth > 1 {
		kinds = 6
	}
	switch g.intn(kinds) {
	case 0:
		return g.pick("true", "false")
	case 1:
		return roQuote(g.stringFrom(concat(lowerAlnum, refPunct, controlSet, unicodeSet), 10))
	case 2:
		v := roEdgeInts[g.intn(len(roEdgeInts))]
		if g.intn(3) == 0 {
			v += int64(g.intn(5)) - 2
		}
		return strconv.FormatInt(v, 10)
	case 3:
		return roFloat(g)
	case 4:
		return g.pick("1979-05-27", "07:32:00", "00:00:00.999", "1979-05-27T07:32:00", "2021-10-06T23:59:59.5",
			"1979-05-27T07:32:00Z", "1979-05-27T07:32:00.5+05:30", "2000-02-29T12:00:00-11:00", "1979-05-27 07:32:00Z")
	case 5:
		return "[" + strings.Join(roArrayItems(g, depth, risky), ", ") + "]"
	case 6:
		n := g.intn(4)
		keys := map[string]bool{}
		var parts []string
		for i := 0; i < n; i++ {
			k := g.stringFrom(concat(lowerAlnum, upperChars, []string{"_", " ", "é"}), 4)
			if keys[k] {
				continue
			}
			keys[k] = true
			parts = append(parts, roKey(k)+" = "+roRandomValue(g, depth+1, risky && i == 0))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case 7:
		n := 1 + g.intn(3)
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, "{ k"+strconv.Itoa(i)+" = "+roRandomValue(g, depth+2, false)+" }")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return strconv.Itoa(g.intn(100))
	}
}

// roArrayItems are the elements of an array: of one type, unless the value may be risky.
func roArrayItems(g *gen, depth int, risky bool) []string {
	n := g.intn(4)
	var items []string
	if risky {
		for i := 0; i < n+1; i++ {
			items = append(items, roRandomValue(g, depth+2, false))
		}
		return items
	}
	kind := g.intn(6)
	for i := 0; i < n; i++ {
		switch kind {
		case 0:
			items = append(items, strconv.FormatInt(roEdgeInts[g.intn(len(roEdgeInts))], 10))
		case 1:
			items = append(items, roQuote(g.stringFrom(concat(lowerAlnum, unicodeSet), 5)))
		case 2:
			items = append(items, g.pick("true", "false"))
		case 3:
			items = append(items, roFloat(g))
		case 4:
			items = append(items, g.pick("1979-05-27T07:32:00Z", "2000-01-01T00:00:00.25+01:00"))
		default:
			items = append(items, "["+strings.Join(roArrayItems(g, depth+1, false), ", ")+"]")
		}
	}
	return items
}

func roFloat(g *gen) string {
	switch g.intn(4) {
	case 0:
		return g.pick("inf", "-inf", "nan", "-0.0", "0.0")
	case 1:
		return g.pick("1e6", "1e-5", "1e21", "123456.75", "0.1", "2.5", "-1.0", "3.4028234663852886e+38", "5e-324")
	}
	f := (g.r.Float64() - 0.5) * float64(int64(1)<<uint(g.intn(40)))
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

// roRandomStruct fills an option struct with random values, unknown wire fields included.
func roRandomStruct(g *gen, v interface{}) {
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f, fv := rv.Type().Field(i), rv.Field(i)
		if g.intn(3) == 0 {
			continue
		}
		switch {
		case f.Name == "XXX_NoUnkeyedLiteral":
		case f.Name == "XXX_unrecognized":
			if g.intn(2) == 0 {
				fv.SetBytes(roUnknownFields(g))
			}
		case fv.Kind() == reflect.Bool:
			fv.SetBool(g.intn(2) == 0)
		case fv.Kind() == reflect.String:
			fv.SetString(g.stringFrom(concat(lowerAlnum, refPunct, controlSet, unicodeSet), 12))
		case fv.Kind() == reflect.Int32:
			fv.SetInt(int64(int32(roEdgeInts[g.intn(len(roEdgeInts))]) + int32(g.intn(3)-1)))
		case fv.Kind() == reflect.Uint32:
			fv.SetUint(uint64(uint32(roEdgeInts[g.intn(len(roEdgeInts))]) + uint32(g.intn(3))))
		}
	}
}

// roUnknownFields encodes a few fields with numbers no option struct uses.
func roUnknownFields(g *gen) []byte {
	var b []byte
	for n := 1 + g.intn(3); n > 0; n-- {
		field := uint64(16 + g.intn(2000))
		switch g.intn(4) {
		case 0:
			b = roVarint(b, field<<3|0)
			b = roVarint(b, uint64(g.r.Int63()))
		case 1:
			b = roVarint(b, field<<3|2)
			b = roVarint(b, 3)
			b = append(b, 'a', 'b', 'c')
		case 2:
			b = roVarint(b, field<<3|5)
			b = append(b, 1, 2, 3, 4)
		default:
			b = roVarint(b, field<<3|1)
			b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
		}
	}
	return b
}

func roVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
