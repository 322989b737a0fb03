//go:build recorder

package server

// Shared plumbing for the golden recorder: the output format, Go-string encoding for JSON, and a
// seeded generator of awkward strings. Each record_<group>_test.go file writes one golden file.

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"unicode/utf8"
)

var (
	goldenDir         = flag.String("golden-dir", "", "directory that receives <group>.json")
	containerdVersion = flag.String("containerd-version", "v1.5.7", "version of the containerd copy under test")
)

// goldenSeed makes every generated input reproducible: the same recorder writes the same files.
const goldenSeed = 20211006

// goldenCase is one call: the function, its inputs, and either its output or its error text.
type goldenCase struct {
	Fn  string      `json:"fn"`
	In  interface{} `json:"in"`
	Out interface{} `json:"out,omitempty"`
	Err *string     `json:"err,omitempty"`
}

type recording struct {
	group string
	cases []goldenCase
}

func newRecording(group string) *recording { return &recording{group: group} }

// ok records a successful call.
func (r *recording) ok(fn string, in, out interface{}) {
	r.cases = append(r.cases, goldenCase{Fn: fn, In: in, Out: out})
}

// result records a call that may have failed; out is ignored when err is set.
func (r *recording) result(fn string, in, out interface{}, err error) {
	if err != nil {
		msg := err.Error()
		r.cases = append(r.cases, goldenCase{Fn: fn, In: in, Err: &msg})
		return
	}
	r.ok(fn, in, out)
}

// write stores the recording as golden/go/<group>.json, one case per line so diffs stay readable.
func (r *recording) write(t *testing.T) {
	t.Helper()
	if *goldenDir == "" {
		t.Fatal("-golden-dir is required")
	}
	path := filepath.Join(*goldenDir, r.group+".json")
	f, err := os.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	header := map[string]interface{}{
		"group":      r.group,
		"go":         runtime.Version(),
		"containerd": *containerdVersion,
		"seed":       goldenSeed,
		"count":      len(r.cases),
	}
	head, _ := marshalJSON(header)
	w.WriteString("{\"meta\":" + string(head) + ",\n\"cases\":[\n")
	for i, c := range r.cases {
		line, err := marshalJSON(c)
		if err != nil {
			t.Fatalf("%s case %d: %v", r.group, i, err)
		}
		w.Write(line)
		if i < len(r.cases)-1 {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d cases into %s", len(r.cases), path)
}

func marshalJSON(v interface{}) ([]byte, error) {
	var buf jsonBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.b[:len(buf.b)-1], nil
}

type jsonBuffer struct{ b []byte }

func (j *jsonBuffer) Write(p []byte) (int, error) { j.b = append(j.b, p...); return len(p), nil }

// gs encodes a Go string for JSON without loss: valid UTF-8 stays a JSON string, anything else
// becomes {"hex": "..."} (encoding/json would silently replace bad bytes with U+FFFD).
func gs(s string) interface{} {
	if utf8.ValidString(s) {
		return s
	}
	return map[string]string{"hex": hex.EncodeToString([]byte(s))}
}

// i64 encodes a 64-bit integer as a decimal string: JSON numbers lose precision past 2^53 in JS.
func i64(v int64) string { return strconv.FormatInt(v, 10) }

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// gen produces seeded, deliberately awkward inputs.
type gen struct{ r *rand.Rand }

func newGen(salt int64) *gen { return &gen{r: rand.New(rand.NewSource(goldenSeed + salt))} }

func (g *gen) intn(n int) int { return g.r.Intn(n) }

func (g *gen) pick(options ...string) string { return options[g.r.Intn(len(options))] }

// stringFrom builds a string of up to maxLen pieces drawn from the given alphabet pieces.
func (g *gen) stringFrom(pieces []string, maxLen int) string {
	n := g.r.Intn(maxLen + 1)
	out := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, pieces[g.r.Intn(len(pieces))]...)
	}
	return string(out)
}

// Alphabets shared by the generators.
var (
	lowerAlnum  = splitChars("abcdefghijklmnopqrstuvwxyz0123456789")
	upperChars  = splitChars("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	refPunct    = splitChars("._-/:@+")
	hexChars    = splitChars("0123456789abcdef")
	controlSet  = []string{"\x00", "\x01", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\x1b", "\x7f"}
	unicodeSet  = []string{"é", "ß", "Σ", "ж", "中", "文", "😀", "\u00a0", "\u200b", "\u2028", "\ufeff", "\U0001f600", "\u0301", "\ufffd", "\U000e0001"}
	invalidUTF8 = []string{"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"}
)

func splitChars(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

func concat(sets ...[]string) []string {
	var out []string
	for _, s := range sets {
		out = append(out, s...)
	}
	return out
}
