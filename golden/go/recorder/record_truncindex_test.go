//go:build recorder

package server

// Records containerd v1.5.7 pkg/cri/store/truncindex as scenarios: NewTruncIndex over a list of
// IDs, then a sequence of Add / Delete / Get / Iterate calls and each call's result. IDs share
// prefixes on purpose (and some are prefixes of others, longer than the trie's 64-byte node limit,
// or not hex at all), so Get meets unique, ambiguous and missing prefixes.

import (
	"strings"
	"testing"

	"github.com/containerd/containerd/pkg/cri/store/truncindex"
)

type tiStep struct {
	Out interface{} `json:"out,omitempty"`
	Err *string     `json:"err,omitempty"`
}

func tiResult(out interface{}, err error) tiStep {
	if err != nil {
		msg := err.Error()
		return tiStep{Err: &msg}
	}
	return tiStep{Out: out}
}

func tiRunScenario(initial []string, ops [][]string) []tiStep {
	idx := truncindex.NewTruncIndex(initial)
	steps := make([]tiStep, 0, len(ops))
	for _, op := range ops {
		switch op[0] {
		case "add":
			steps = append(steps, tiResult(nil, idx.Add(op[1])))
		case "delete":
			steps = append(steps, tiResult(nil, idx.Delete(op[1])))
		case "get":
			id, err := idx.Get(op[1])
			steps = append(steps, tiResult(gs(id), err))
		case "iterate":
			ids := []interface{}{}
			idx.Iterate(func(id string) { ids = append(ids, gs(id)) })
			steps = append(steps, tiResult(ids, nil))
		}
	}
	return steps
}

func tiStrings(ss []string) []interface{} {
	out := make([]interface{}, len(ss))
	for i, s := range ss {
		out[i] = gs(s)
	}
	return out
}

func tiExtend(g *gen, prefix string, alphabet []string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < n {
		b.WriteString(g.pick(alphabet...))
	}
	return b.String()[:n]
}

func TestRecordTruncindex(t *testing.T) {
	rec := newRecording("truncindex")
	record := func(initial []string, ops [][]string) {
		in := map[string]interface{}{"initial": tiStrings(initial)}
		opsIn := make([]interface{}, len(ops))
		for i, op := range ops {
			opsIn[i] = tiStrings(op)
		}
		in["ops"] = opsIn
		rec.ok("scenario", in, tiRunScenario(initial, ops))
	}

	h := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	// Hand-picked: the error paths, IDs that are prefixes of others, duplicates and bad IDs in
	// the initial list (skipped silently), non-hex and long IDs.
	record(nil, [][]string{{"get", ""}, {"get", "a"}, {"iterate"}, {"delete", ""}, {"delete", "a"},
		{"add", ""}, {"add", " "}, {"add", "a b"}, {"add", "abc"}, {"add", "abc"}, {"get", "abc"}, {"get", "ab"},
		{"get", "abcd"}, {"get", "a b"}, {"get", " "}, {"delete", "ab"}, {"delete", "abc"}, {"delete", "abc"},
		{"get", "a"}, {"iterate"}})
	record([]string{"abc", "abcdef", "abc", "", "x y", "abd"}, [][]string{{"iterate"}, {"get", "a"}, {"get", "abc"},
		{"get", "abcd"}, {"get", "abcdef"}, {"get", "abcdefg"}, {"get", "abd"}, {"delete", "abc"}, {"get", "abc"},
		{"get", "ab"}, {"delete", "abd"}, {"get", "a"}, {"add", "abc"}, {"get", "abc"}, {"delete", "abcdef"},
		{"get", "abc"}, {"add", "ab"}, {"get", "ab"}, {"iterate"}})
	record([]string{h("a1"), h("a2"), h("b")}, [][]string{{"get", "a"}, {"get", "a1"}, {"get", h("a1")},
		{"get", h("a1") + "0"}, {"get", "b"}, {"get", "c"}, {"add", h("a1")}, {"add", strings.Repeat("f", 200)},
		{"add", strings.Repeat("f", 100)}, {"get", strings.Repeat("f", 65)}, {"get", strings.Repeat("f", 100)},
		{"get", strings.Repeat("f", 101)}, {"delete", strings.Repeat("f", 100)}, {"get", strings.Repeat("f", 65)},
		{"iterate"}})
	record([]string{"é", "éa", "e", "😀", "\uffff", "z", "Z", "_", "0", "\x7f", "\u00ff"}, [][]string{{"iterate"},
		{"get", "é"}, {"get", "e"}, {"get", "😀"}, {"get", "Z"}, {"add", "😀x"}, {"get", "😀"}, {"iterate"}})

	g := newGen(31)
	alphabets := [][]string{hexChars, hexChars, hexChars, splitChars("ab"), splitChars("abc"), concat(lowerAlnum, upperChars, splitChars("-_."))}
	for s := 0; s < 140; s++ {
		alphabet := alphabets[g.intn(len(alphabets))]
		length := []int{64, 64, 64, 8, 20, 130}[g.intn(6)]
		var stems []string
		for i, n := 0, 1+g.intn(4); i < n; i++ {
			stems = append(stems, tiExtend(g, "", alphabet, 1+g.intn(10)))
		}
		var pool []string
		for i, n := 0, 3+g.intn(14); i < n; i++ {
			id := tiExtend(g, stems[g.intn(len(stems))], alphabet, length)
			if g.intn(8) == 0 {
				id = id[:1+g.intn(len(id))] // some IDs are prefixes of others
			}
			pool = append(pool, id)
		}
		probe := func() string {
			id := pool[g.intn(len(pool))]
			switch g.intn(10) {
			case 0:
				return id
			case 1:
				return id + g.pick(alphabet...)
			case 2:
				return stems[g.intn(len(stems))]
			case 3:
				return tiExtend(g, "", alphabet, 1+g.intn(4))
			case 4:
				return g.pick("", " ", id[:1]+" ")
			default:
				return id[:1+g.intn(len(id))]
			}
		}
		var initial []string
		for i, n := 0, g.intn(len(pool)+1); i < n; i++ {
			initial = append(initial, pool[g.intn(len(pool))])
		}
		var ops [][]string
		for i, n := 0, 8+g.intn(24); i < n; i++ {
			switch g.intn(10) {
			case 0, 1:
				ops = append(ops, []string{"add", pool[g.intn(len(pool))]})
			case 2:
				ops = append(ops, []string{"delete", pool[g.intn(len(pool))]})
			case 3:
				ops = append(ops, []string{"delete", probe()})
			case 4:
				ops = append(ops, []string{"iterate"})
			default:
				ops = append(ops, []string{"get", probe()})
			}
		}
		ops = append(ops, []string{"iterate"})
		record(initial, ops)
	}

	// One larger index, past the trie's sparse child lists: 400 hex IDs in 16 prefix families.
	var big []string
	for i := 0; i < 400; i++ {
		big = append(big, tiExtend(g, string("0123456789abcdef"[i%16])+g.pick("0", "1", "2"), hexChars, 64))
	}
	var ops [][]string
	for i := 0; i < 300; i++ {
		id := big[g.intn(len(big))]
		switch g.intn(6) {
		case 0:
			ops = append(ops, []string{"delete", id})
		case 1:
			ops = append(ops, []string{"add", id})
		default:
			ops = append(ops, []string{"get", id[:1+g.intn(12)]})
		}
	}
	ops = append(ops, []string{"iterate"})
	record(big, ops)
	rec.write(t)
}
