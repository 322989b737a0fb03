//go:build recorder

package server

// Records containerd v1.5.7 reference/docker: the five parsers on hand-picked and generated
// references (each result described by its Go type, String(), name parts and which interfaces it
// satisfies), the functions that take a parsed reference, WithName, and two sweeps over runes that
// pin down how Go's lowercasing shapes the error texts.

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	refdocker "github.com/containerd/containerd/reference/docker"
	digest "github.com/opencontainers/go-digest"
)

// refHex is n characters of lowercase hex that vary with seed.
func refHex(n int, seed int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte("0123456789abcdef"[(i*5+seed*11+i/3)%16])
	}
	return b.String()
}

func refTypeName(r refdocker.Reference) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", r), "docker.")
}

// refDescribe is everything observable about a parsed reference: its Go type, String(), the
// parts, and every interface assertion that holds.
func refDescribe(r refdocker.Reference) map[string]interface{} {
	m := map[string]interface{}{"type": refTypeName(r), "string": gs(r.String())}
	is := []string{}
	if n, ok := r.(refdocker.Named); ok {
		is = append(is, "named")
		m["name"] = gs(n.Name())
		m["domain"] = gs(refdocker.Domain(n))
		m["path"] = gs(refdocker.Path(n))
	}
	if t, ok := r.(refdocker.Tagged); ok {
		is = append(is, "tagged")
		m["tag"] = gs(t.Tag())
	}
	if _, ok := r.(refdocker.NamedTagged); ok {
		is = append(is, "namedTagged")
	}
	if d, ok := r.(refdocker.Digested); ok {
		is = append(is, "digested")
		m["digest"] = gs(string(d.Digest()))
	}
	if _, ok := r.(refdocker.Canonical); ok {
		is = append(is, "canonical")
	}
	m["is"] = is
	return m
}

// refBrief describes a reference compactly: the type fixes the interfaces, String() and the
// domain fix the parts.
func refBrief(r refdocker.Reference) map[string]interface{} {
	m := map[string]interface{}{"type": refTypeName(r), "string": gs(r.String())}
	if n, ok := r.(refdocker.Named); ok {
		m["domain"] = gs(refdocker.Domain(n))
	}
	return m
}

// The two base parsers get the full description; the three built on them a brief one.
var refParsers = []struct {
	name     string
	parse    func(string) (refdocker.Reference, error)
	describe func(refdocker.Reference) map[string]interface{}
}{
	{"parse", refdocker.Parse, refDescribe},
	{"parseNamed", func(s string) (refdocker.Reference, error) { return refdocker.ParseNamed(s) }, refBrief},
	{"parseNormalizedNamed", func(s string) (refdocker.Reference, error) { return refdocker.ParseNormalizedNamed(s) }, refDescribe},
	{"parseDockerRef", func(s string) (refdocker.Reference, error) { return refdocker.ParseDockerRef(s) }, refBrief},
	{"parseAnyReference", refdocker.ParseAnyReference, refBrief},
}

func refHandPicked() []string {
	h64, h32, h96, h128 := refHex(64, 1), refHex(32, 2), refHex(96, 3), refHex(128, 4)
	d256 := "sha256:" + h64
	long := func(n int) string { // a path of exactly n bytes made of valid components
		var b strings.Builder
		for b.Len() < n {
			if b.Len() > 0 {
				b.WriteByte('/')
			}
			b.WriteString("abcdefghij")
		}
		return b.String()[:n]
	}
	out := []string{
		"", " ", "busybox", "busybox:latest", "busybox@" + d256, "busybox:latest@" + d256, "library/busybox",
		"docker.io/busybox", "docker.io/library/busybox", "index.docker.io/busybox", "index.docker.io/library/busybox:1.0",
		"docker.io/library/busybox:latest@" + d256, "docker.io/foo/bar", "foo/bar", "foo/bar/baz", "a/b/c/d/e/f",
		"localhost/foo", "localhost:5000/foo", "localhost:5000/foo:tag", "localhost:5000", "localhost", "localhost/",
		"LOCALHOST/foo", "Localhost:5000/foo", "localhost.localdomain/foo", "example.com/foo", "Example.COM/foo",
		"example.com:443/foo/bar:v1@" + d256, "example.com:/foo", "example.com:abc/foo", "example.com:5000:6000/foo",
		"-example.com/foo", "example-.com/foo", "ex--ample.com/foo", "example..com/foo", ".example.com/foo",
		"example.com./foo", "[::1]/foo", "[::1]:5000/foo", "::1/foo", "fe80::1/foo", "192.168.1.1:5000/foo",
		"1.2.3.4/foo", "registry/foo", "registry:5000/foo", "registry_1.com/foo", "xn--bcher-kva.example/foo",
		"a/b", "a.b/c", "a:1/b", "a:1/b:c", "a:b", "a:b/c", "a/b:c/d", "a:1/b:c@" + d256,
		"foo_bar", "foo__bar", "foo___bar", "foo.bar", "foo..bar", "foo-bar", "foo---bar", "foo-", "-foo", "_foo",
		"foo_", "foo.", ".foo", "foo/", "/foo", "foo//bar", "foo/./bar", "foo/../bar", "foo._bar", "foo_.bar",
		"foo-.bar", "foo.-bar", "foo-_bar", "foo__-bar", "a", "0", "0/0", "a_b.c-d__e---f",
		"foo:", ":tag", ":", "@", ":@", "foo:tag:tag", "foo@", "@" + d256, "foo@sha256:abc", "foo@sha256:" + h32,
		"foo@md5:" + h32, "foo@sha256:" + strings.ToUpper(h64), "foo@sha512:" + h128, "foo@sha384:" + h96,
		"foo@sha384:" + h64, "foo@sha512:" + h64, "foo@SHA256:" + h64, "foo@sha256+b64:" + h64, "foo@a.b-c_d+e:" + h32,
		"foo@1sha:" + h64, "foo@sha256:" + h64 + "@x", "foo@sha256:" + h64 + "g", "foo@sha256:" + h64[:63],
		"foo@sha256:" + h64 + "0", "foo@sha256::" + h64, "foo@@" + d256, "foo@" + d256 + ":tag",
		"foo:latest@" + d256 + "@" + d256, "foo@bar:baz", "foo:bar@baz", "foo@sha256:abc:def", "a:b@c:d",
		"host:5000/foo@" + d256, "host:5000/foo:bar:baz", "foo:5000/bar:tag@" + d256, "foo:5000/bar@" + d256,
		"UPPER", "Upper/case", "foo/Bar", "foo:TAG", "FOO:tag", "foo:Tag@" + d256, "Foo@" + d256,
		"docker.io/Foo", "Docker.io/foo", "DOCKER.IO/foo", "docker.io/FOO:bar", "foo.com/Bar:baz", "Foo.com/bar",
		"example.com/foo@SHA256:" + h64, "example.com/FOO@sha256:" + strings.ToUpper(h64),
		h64, h64 + ":tag", h64[:63], h64 + "0", strings.ToUpper(h64), "sha256:" + h64, "sha256:" + h32,
		"sha512:" + h128, "sha512:" + h128 + "0", "sha384:" + h96, "md5:" + h32, "sha256:" + strings.ToUpper(h64),
		"docker.io/" + h64, "library/" + h64, "foo/" + h64, h64 + "/foo", "localhost/" + h64,
		"docker.io", "docker.io/", "index.docker.io", "docker.io/library", "docker.io/library/", "library",
		"library/library", "docker.io/library/library/foo", "docker.io/library/foo/bar", "docker.io/foo",
		"index.docker.io/library/foo", "index.docker.io:443/foo", "docker.io:443/foo", "registry-1.docker.io/library/foo",
		"docker.io/a.b/c", "docker.io/a:1/c", "docker.io/localhost/foo", "docker.io/library/a.b", "docker.io/a_b/c:t",
		"C:/foo", "c:\\foo", "foo\\bar", "foo bar", " foo", "foo ", "foo\t", "foo\n", "foo\x00", "\x00",
		"foo:tag\n", "foo\r\n", "foo:\x7f", "fooé", "foo:é", "é/foo", "foo/İ", "foo:İ", "İmage", "foo:K",
		"K/foo", "foo:tagK", "ß", "foo:ß", "Σ", "foo/ǅ", "foo:ǅ", "😀", "foo:😀", "foo\u200b", "\ufefffoo",
		"ｆｏｏ", "foo:Ａ", "foo\xff", "\xff", "foo:\xc3", "foo/\xed\xa0\x80", "foo@sha256:\xff" + h64[:63],
		"foo:" + strings.Repeat("a", 127), "foo:" + strings.Repeat("a", 128), "foo:" + strings.Repeat("a", 129),
		"foo:" + strings.Repeat("A", 128), "foo:_" + strings.Repeat(".", 127), "foo:-a", "foo:.a", "foo:a-", "foo:a.",
		"foo:_", "foo:__", "foo:a_b.c-d",
		long(255), long(256), "a/" + long(253), "a/" + long(254), "example.com/" + long(243), "example.com/" + long(244),
		long(237), long(238), "library/" + long(245), "library/" + long(246), long(255) + ":tag",
		long(255) + "@" + d256, long(256) + ":tag", strings.Repeat("a", 300), strings.Repeat("A", 300),
		strings.Repeat("a", 60) + "!", strings.Repeat("a-", 40) + "!", strings.Repeat("a_", 40) + "_",
		strings.Repeat("a.", 40) + ".", strings.Repeat("ab/", 40), strings.Repeat("a", 64) + ":" + strings.Repeat("a", 64),
		"gcr.io/google-containers/pause:3.5", "k8s.gcr.io/pause:3.5", "registry.k8s.io/coredns/coredns:v1.8.4",
		"quay.io/coreos/etcd:v3.5.0", "mcr.microsoft.com/windows/nanoserver:1809",
		"ghcr.io/owner/image:sha-abc123", "public.ecr.aws/nginx/nginx:1.21", "nginx:1.21.3-alpine",
		"ubuntu:20.04@" + d256, "127.0.0.1:5000/test/image:v2", "my-registry.local:5000/team/app@" + d256,
	}
	for _, bad := range invalidUTF8 {
		out = append(out, "foo:"+bad, bad+"/foo")
	}
	return out
}

func refGenerated() []string {
	g := newGen(17)
	alnumRun := func() string {
		n := 1 + g.intn(6)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(g.pick(lowerAlnum...))
		}
		return b.String()
	}
	// clean inputs keep to the grammar's shape (the parts may still break a rule, such as the
	// length limits); the others also draw separators, domains and digests that break it.
	clean := false
	component := func() string {
		s := alnumRun()
		for g.intn(3) == 0 {
			if clean {
				s += g.pick(".", "_", "__", "-", "--", "---", "") + alnumRun()
			} else {
				s += g.pick(".", "_", "__", "-", "--", "---", "", "", ".", "_", "-", "", "..", "___", "-.", "._") + alnumRun()
			}
		}
		if !clean && g.intn(25) == 0 {
			s = g.pick(".", "_", "-", "") + s + g.pick(".", "_", "-", "")
		}
		return s
	}
	domainPart := func() string {
		if clean {
			return g.pick("", "", "localhost", "localhost:5000", "example.com", "docker.io", "index.docker.io",
				"gcr.io", "quay.io:443", "Upper.Case.IO", "10.0.0.1:5000", "a-b.c-d.e", "registry", "library")
		}
		switch g.intn(4) {
		case 0:
			return ""
		case 1:
			return g.pick("localhost", "localhost:5000", "example.com", "registry-1.docker.io", "docker.io",
				"index.docker.io", "gcr.io", "quay.io:443", "my.registry.local:5000", "Upper.Case.IO",
				"10.0.0.1:5000", "[::1]:5000", "host_name.com", "-bad.com", "bad-.com", "a..b", "registry:",
				"registry:abc", "a.b.c.d.e", "LOCALHOST", "library")
		default:
			var b strings.Builder
			for i, n := 0, 1+g.intn(3); i < n; i++ {
				if i > 0 {
					b.WriteString(".")
				}
				b.WriteString(g.pick(lowerAlnum...) + g.stringFrom(concat(lowerAlnum, upperChars[:6], []string{"-"}), 8))
			}
			if g.intn(3) == 0 {
				b.WriteString(":" + g.pick("5000", "443", "", "x", "0", "65536"))
			}
			return b.String()
		}
	}
	tagPart := func() string {
		switch g.intn(3) {
		case 0:
			return g.pick("latest", "v1.0", "1", "_", "A", "-a", ".a", "a-", "sha-1f2e3d", "3.5", "TAG")
		case 1:
			n := g.pick("127", "128", "129", "128")
			count := map[string]int{"127": 127, "128": 128, "129": 129}[n]
			return "v" + strings.Repeat(g.pick("a", "1", "_", ".", "-"), count-1)
		default:
			return g.pick(lowerAlnum...) + g.stringFrom(concat(lowerAlnum, upperChars, []string{"_", ".", "-"}), 12)
		}
	}
	digestPart := func() string {
		if clean {
			n := []int{64, 96, 128}[g.intn(3)]
			return map[int]string{64: "sha256", 96: "sha384", 128: "sha512"}[n] + ":" + refHex(n, g.intn(100))
		}
		alg := g.pick("sha256", "sha256", "sha256", "sha384", "sha512", "md5", "SHA256", "sha256+b64", "1sha")
		n := []int{31, 32, 63, 64, 64, 64, 64, 65, 96, 128}[g.intn(10)]
		h := refHex(n, g.intn(100))
		if g.intn(6) == 0 {
			h = strings.ToUpper(h)
		}
		return alg + ":" + h
	}
	mutations := concat(refPunct, upperChars, controlSet, unicodeSet, []string{" ", "@", ":", "/", "@", ":", "/"})

	var out []string
	for i := 0; i < 560; i++ {
		clean = i%2 == 0
		var b strings.Builder
		if d := domainPart(); d != "" {
			b.WriteString(d + "/")
		}
		for j, n := 0, 1+g.intn(3); j < n; j++ {
			if j > 0 {
				b.WriteString("/")
			}
			b.WriteString(component())
		}
		if g.intn(2) == 0 {
			b.WriteString(":" + tagPart())
		}
		if g.intn(3) == 0 {
			b.WriteString("@" + digestPart())
		}
		s := b.String()
		if !clean && g.intn(4) == 0 {
			at := g.intn(len(s) + 1)
			cut := 0
			if at < len(s) && g.intn(2) == 0 {
				cut = 1
			}
			s = s[:at] + g.pick(mutations...) + s[at+cut:]
		}
		out = append(out, s)
	}
	for i := 0; i < 80; i++ {
		out = append(out, g.stringFrom(concat(lowerAlnum, refPunct, refPunct), 16))
	}
	// Names straddling the 255-byte limit, bare and behind a domain.
	clean = true
	for i := 0; i < 40; i++ {
		var b strings.Builder
		target := 230 + g.intn(40)
		for b.Len() < target {
			if b.Len() > 0 {
				b.WriteString("/")
			}
			b.WriteString(component())
		}
		s := b.String()
		if g.intn(2) == 0 {
			s = g.pick("example.com/", "docker.io/", "localhost:5000/", "library/") + s
		}
		out = append(out, s)
	}
	return out
}

func refTags() []string {
	return []string{"latest", "v1.0", "1", "_", "a", "A", "TAG", "-a", ".a", "a-", "a.", strings.Repeat("a", 127),
		strings.Repeat("a", 128), strings.Repeat("a", 129), "", " ", "tag with space", "tag:colon", "tag@at",
		"tag/slash", "é", "İ", "__", strings.Repeat("x", 127) + "-", "a\n", "\x00", "sha256"}
}

func refDigests() []string {
	h64 := refHex(64, 9)
	return []string{"sha256:" + h64, "sha512:" + refHex(128, 8), "sha256:abc", "md5:" + refHex(32, 7),
		"sha256:" + strings.ToUpper(h64), "", "sha256", "SHA256:" + h64, "a+b:" + refHex(32, 6), "1a:" + refHex(32, 5),
		"sha256:" + h64 + "@", "sha256:" + h64 + "é", "sha256:" + refHex(31, 4), "a.b-c_d:" + refHex(40, 3)}
}

// refRuneRanges lists, as "lo-hi" hex ranges, the runes in [from, to] for which keep holds.
func refRuneRanges(from, to rune, keep func(r rune) bool) string {
	var ranges []string
	start := rune(-1)
	flush := func(end rune) {
		if start >= 0 {
			ranges = append(ranges, fmt.Sprintf("%x-%x", start, end))
			start = -1
		}
	}
	for r := from; r <= to; r++ {
		if !utf8.ValidRune(r) {
			flush(r - 1)
			continue
		}
		if keep(r) {
			if start < 0 {
				start = r
			}
		} else {
			flush(r - 1)
		}
	}
	flush(to)
	return strings.Join(ranges, ",")
}

func TestRecordReference(t *testing.T) {
	rec := newRecording("reference")
	inputs := append(refHandPicked(), refGenerated()...)
	tags, digests := refTags(), refDigests()

	for i, s := range inputs {
		for _, p := range refParsers {
			r, err := p.parse(s)
			if err != nil {
				rec.result(p.name, gs(s), nil, err)
			} else {
				rec.ok(p.name, gs(s), p.describe(r))
			}
		}
		named, err := refdocker.WithName(s)
		if err != nil {
			rec.result("withName", gs(s), nil, err)
		} else {
			rec.ok("withName", gs(s), refBrief(named))
		}

		// The functions that take a reference, on every third input and the result of one parser
		// (rotating keeps the file small while covering unnormalized and normalized references).
		if i%3 != 0 {
			continue
		}
		via := []string{"parse", "parseNormalizedNamed", "parseAnyReference"}[(i/3)%3]
		var ref refdocker.Reference
		switch via {
		case "parse":
			ref, err = refdocker.Parse(s)
		case "parseNormalizedNamed":
			ref, err = refdocker.ParseNormalizedNamed(s)
		default:
			ref, err = refdocker.ParseAnyReference(s)
		}
		if err != nil {
			continue
		}
		in := map[string]interface{}{"ref": gs(s), "via": via}
		rec.ok("familiarString", in, gs(refdocker.FamiliarString(ref)))
		rec.ok("referenceString", in, gs(ref.String()))
		n, ok := ref.(refdocker.Named)
		if !ok {
			continue
		}
		rec.ok("familiarName", in, gs(refdocker.FamiliarName(n)))
		rec.ok("referenceName", in, gs(n.Name()))
		rec.ok("domain", in, gs(refdocker.Domain(n)))
		rec.ok("path", in, gs(refdocker.Path(n)))
		rec.ok("trimNamed", in, refBrief(refdocker.TrimNamed(n)))
		rec.ok("tagNameOnly", in, refBrief(refdocker.TagNameOnly(n)))
		rec.ok("isNameOnly", in, refdocker.IsNameOnly(n))
		for k := 0; k < 2; k++ {
			tag := tags[(i/3+k*7)%len(tags)]
			tagged, err := refdocker.WithTag(n, tag)
			withTagIn := map[string]interface{}{"ref": gs(s), "via": via, "tag": gs(tag)}
			if err != nil {
				rec.result("withTag", withTagIn, nil, err)
			} else {
				rec.ok("withTag", withTagIn, refBrief(tagged))
			}
			d := digests[(i/3+k*5)%len(digests)]
			canonical, err := refdocker.WithDigest(n, digest.Digest(d))
			withDigestIn := map[string]interface{}{"ref": gs(s), "via": via, "digest": gs(d)}
			if err != nil {
				rec.result("withDigest", withDigestIn, nil, err)
			} else {
				rec.ok("withDigest", withDigestIn, refBrief(canonical))
			}
		}
	}

	// Which runes make ParseNormalizedNamed report an uppercase repository name (Go's ToLower
	// changes them), and which make Parse report uppercase (Go lowercases them into the grammar).
	const lastRune = 0x1ffff
	rec.ok("parseNormalizedNamed.lowercaseChangingRunes", map[string]interface{}{"from": 0x80, "to": lastRune},
		refRuneRanges(0x80, lastRune, func(r rune) bool {
			_, err := refdocker.ParseNormalizedNamed("a" + string(r))
			return err != nil && err.Error() == "invalid reference format: repository name must be lowercase"
		}))
	rec.ok("parse.uppercaseRunes", map[string]interface{}{"from": 0x80, "to": lastRune},
		refRuneRanges(0x80, lastRune, func(r rune) bool {
			_, err := refdocker.Parse("a:" + string(r))
			return err == refdocker.ErrNameContainsUppercase
		}))
	rec.write(t)
}
