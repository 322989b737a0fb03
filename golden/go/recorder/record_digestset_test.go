//go:build recorder

package server

// Records go-digest v1.0.0 digestset as scenarios: a fresh Set, a sequence of Add / Remove /
// Lookup / All calls, and each call's result. Digests are drawn with deliberately shared hex
// prefixes, across algorithms (a sha512 whose hex extends a sha256's), so lookups hit the unique,
// ambiguous and missing cases by short hex, by "alg:" prefix and by full digest.

import (
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/go-digest/digestset"
)

type dsStep struct {
	Out interface{} `json:"out,omitempty"`
	Err *string     `json:"err,omitempty"`
}

func dsResult(out interface{}, err error) dsStep {
	if err != nil {
		msg := err.Error()
		return dsStep{Err: &msg}
	}
	return dsStep{Out: out}
}

func dsRunScenario(ops [][]string) []dsStep {
	set := digestset.NewSet()
	steps := make([]dsStep, 0, len(ops))
	for _, op := range ops {
		switch op[0] {
		case "add":
			steps = append(steps, dsResult(nil, set.Add(digest.Digest(op[1]))))
		case "remove":
			steps = append(steps, dsResult(nil, set.Remove(digest.Digest(op[1]))))
		case "lookup":
			d, err := set.Lookup(op[1])
			steps = append(steps, dsResult(string(d), err))
		case "all":
			all := []string{}
			for _, d := range set.All() {
				all = append(all, string(d))
			}
			steps = append(steps, dsResult(all, nil))
		}
	}
	return steps
}

// dsHex extends prefix with seeded hex up to n characters.
func dsHex(g *gen, prefix string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < n {
		b.WriteString(g.pick(hexChars...))
	}
	return b.String()[:n]
}

func TestRecordDigestset(t *testing.T) {
	rec := newRecording("digestset")
	record := func(ops [][]string) {
		in := make([]interface{}, len(ops))
		for i, op := range ops {
			parts := make([]interface{}, len(op))
			for j, p := range op {
				parts[j] = gs(p)
			}
			in[i] = parts
		}
		rec.ok("scenario", in, dsRunScenario(ops))
	}

	a := "sha256:" + strings.Repeat("a", 64)
	ab := "sha256:" + strings.Repeat("a", 10) + strings.Repeat("b", 54)
	long := "sha512:" + strings.Repeat("a", 64) + strings.Repeat("c", 64)
	// Hand-picked: empty set, invalid adds, removal of what is absent, the full-hex-without-alg
	// ambiguity against a longer digest, and the empty lookup.
	record([][]string{{"lookup", "a"}, {"lookup", ""}, {"all"}, {"remove", a}, {"add", "sha256:abc"},
		{"add", "md5:" + strings.Repeat("a", 32)}, {"add", ""}, {"add", "sha256:" + strings.Repeat("A", 64)},
		{"remove", "nonsense"}, {"all"}})
	record([][]string{{"add", a}, {"lookup", ""}, {"lookup", "a"}, {"lookup", "aaaaaa"}, {"lookup", a[7:]},
		{"lookup", a}, {"lookup", "sha256:a"}, {"lookup", "sha512:a"}, {"lookup", "md5:a"}, {"lookup", "sha256:"},
		{"lookup", "b"}, {"lookup", "A"}, {"lookup", a + "a"}, {"lookup", "sha256:" + a[7:] + "a"}, {"lookup", ":a"},
		{"add", a}, {"all"}})
	record([][]string{{"add", a}, {"add", ab}, {"add", long}, {"all"}, {"lookup", "a"}, {"lookup", "aaaaaaaaaa"},
		{"lookup", "aaaaaaaaaab"}, {"lookup", "aaaaaaaaaaa"}, {"lookup", a[7:]}, {"lookup", a}, {"lookup", long},
		{"lookup", long[7:]}, {"lookup", "sha256:aaaaaaaaaaa"}, {"lookup", "sha512:aaaaaaaaaaa"},
		{"lookup", "sha512:" + a[7:]}, {"remove", ab}, {"lookup", "aaaaaaaaaa"}, {"remove", a}, {"lookup", "a"},
		{"lookup", a[7:]}, {"remove", long}, {"lookup", "a"}, {"all"}})

	// With an algorithm given, Go stops at the first entry after the match: an entry of another
	// algorithm in between hides a second match, so "sha256:ab" is not reported ambiguous here.
	ab1 := "sha256:ab1" + strings.Repeat("0", 61)
	ab2 := "sha512:ab2" + strings.Repeat("0", 125)
	ab3 := "sha256:ab3" + strings.Repeat("0", 61)
	record([][]string{{"add", ab1}, {"add", ab2}, {"add", ab3}, {"lookup", "sha256:ab"}, {"lookup", "ab"},
		{"lookup", "sha512:ab"}, {"lookup", "sha256:ab3"}, {"remove", ab2}, {"lookup", "sha256:ab"}, {"all"}})

	g := newGen(23)
	for s := 0; s < 160; s++ {
		// A pool of digests sharing a few random stems.
		var stems []string
		for i, n := 0, 1+g.intn(3); i < n; i++ {
			stems = append(stems, dsHex(g, "", 1+g.intn(12)))
		}
		var pool []string
		for i, n := 0, 2+g.intn(10); i < n; i++ {
			stem := stems[g.intn(len(stems))]
			switch g.intn(6) {
			case 0:
				pool = append(pool, "sha512:"+dsHex(g, stem, 128))
			case 1:
				pool = append(pool, "sha384:"+dsHex(g, stem, 96))
			case 2:
				if len(pool) > 0 { // a sha512 whose hex extends an existing digest's
					prev := pool[g.intn(len(pool))]
					pool = append(pool, "sha512:"+dsHex(g, prev[strings.Index(prev, ":")+1:], 128))
					continue
				}
				fallthrough
			default:
				pool = append(pool, "sha256:"+dsHex(g, stem, 64))
			}
		}
		probe := func() string {
			d := pool[g.intn(len(pool))]
			hex := d[strings.Index(d, ":")+1:]
			cut := hex[:1+g.intn(len(hex))]
			switch g.intn(12) {
			case 0:
				return d
			case 1:
				return hex
			case 2:
				return g.pick("sha256:", "sha384:", "sha512:", "md5:", "SHA256:", ":") + cut
			case 3:
				return strings.ToUpper(cut)
			case 4:
				return cut + g.pick("0", "g", "!", "é", ":")
			case 5:
				return stems[g.intn(len(stems))]
			case 6:
				return dsHex(g, "", 1+g.intn(8))
			default:
				return cut
			}
		}
		var ops [][]string
		for i, n := 0, 4+g.intn(10); i < n; i++ {
			ops = append(ops, []string{"add", pool[g.intn(len(pool))]})
		}
		for i, n := 0, 6+g.intn(20); i < n; i++ {
			switch g.intn(10) {
			case 0:
				ops = append(ops, []string{"remove", pool[g.intn(len(pool))]})
			case 1:
				ops = append(ops, []string{"add", pool[g.intn(len(pool))]})
			case 2:
				ops = append(ops, []string{"all"})
			default:
				ops = append(ops, []string{"lookup", probe()})
			}
		}
		ops = append(ops, []string{"all"})
		record(ops)
	}
	rec.write(t)
}
