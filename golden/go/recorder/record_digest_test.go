//go:build recorder

package server

// Records go-digest v1.0.0 as containerd v1.5.7 links it: Parse, Validate, the per-algorithm
// rules (Available, Size, Algorithm.Validate), the Algorithm()/Encoded() accessors and FromBytes.

import (
	"fmt"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

// dgCatch turns a panic into an error so the recorder can store Go's panic text.
func dgCatch(f func() string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return f(), nil
}

// dgHex is n characters of lowercase hex that vary with seed, so digests differ.
func dgHex(n int, seed int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte("0123456789abcdef"[(i*7+seed*13+i/5)%16])
	}
	return b.String()
}

// dgSamples are digest-shaped strings: every algorithm at, around and far from its length, in
// bad case, with bad characters, and with malformed algorithms.
func dgSamples() []string {
	var out []string
	algs := []string{"sha256", "sha384", "sha512", "md5", "sha1", "SHA256", "Sha256", "sha256+b64",
		"a.b-c_d+e", "sha-256", "sha_256", "sha.256", "-sha", "sha-", "1sha", "sha__256", "sha..256",
		"sha256 ", " sha256", "shä256", "", "tarsum.v1+sha256", "multihash+base58", "x"}
	for i, alg := range algs {
		for _, n := range []int{0, 1, 31, 32, 63, 64, 65, 95, 96, 97, 127, 128, 129, 256} {
			out = append(out, alg+":"+dgHex(n, i+n))
		}
		out = append(out, alg+":"+strings.ToUpper(dgHex(64, i)), alg+":"+strings.ToUpper(dgHex(96, i)),
			alg+":"+strings.ToUpper(dgHex(128, i)), alg+":"+dgHex(63, i)+"G", alg+":"+dgHex(62, i)+"é",
			alg+":"+dgHex(63, i)+"é", alg+":"+dgHex(64, i)+"\n", alg+":abc=_-XYZ", alg+":abc=_-XYZ!",
			alg+":"+dgHex(32, i)+":"+dgHex(31, i), alg, alg+":", alg+"::"+dgHex(64, i))
	}
	out = append(out, "", ":", "::", ":"+dgHex(64, 1), "sha256", "sha256:", "sha256 :"+dgHex(64, 2),
		"sha256:"+dgHex(64, 3)+" ", "\x00:"+dgHex(64, 4), "sha256:\xff"+dgHex(63, 5),
		"sha256:"+dgHex(64, 6)+"\xff", "\xff:abc", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "😀:abc", "a:😀")
	g := newGen(41)
	pieces := concat(hexChars, hexChars, hexChars, upperChars, refPunct, []string{"=", "_", "-", "g", "z"},
		controlSet, unicodeSet)
	for i := 0; i < 260; i++ {
		alg := g.pick("sha256", "sha384", "sha512", "sha256", "md5", "blake3", "sha256+b64", "Sha512", "", "sha256:")
		target := []int{64, 96, 128}[g.intn(3)]
		var b strings.Builder
		b.WriteString(dgHex(target-2+g.intn(5), i))
		s := b.String()
		if g.intn(2) == 0 {
			at := g.intn(len(s) + 1)
			s = s[:at] + g.stringFrom(pieces, 2) + s[at:]
		}
		out = append(out, alg+":"+s)
	}
	return out
}

func TestRecordDigest(t *testing.T) {
	rec := newRecording("digest")
	for _, s := range dgSamples() {
		d, err := digest.Parse(s)
		rec.result("parseDigest", gs(s), gs(string(d)), err)
		rec.result("validateDigest", gs(s), nil, digest.Digest(s).Validate())
		if strings.Contains(s, ":") {
			rec.ok("digestAlgorithm", gs(s), gs(string(digest.Digest(s).Algorithm())))
			rec.ok("digestEncoded", gs(s), gs(digest.Digest(s).Encoded()))
		}
	}
	// Go panics when the separator is missing, quoting the digest with %q.
	for _, s := range []string{"", "sha256", "abc\"def", "back\\slash", "tab\there", "nul\x00", "del\x7f",
		"\x1b[0m", "é", "\u00ad", "\u2028", "😀", "\U000e0001", "\ufeff"} {
		out, err := dgCatch(func() string { return string(digest.Digest(s).Algorithm()) })
		rec.result("digestAlgorithm", gs(s), gs(out), err)
		out, err = dgCatch(func() string { return digest.Digest(s).Encoded() })
		rec.result("digestEncoded", gs(s), gs(out), err)
	}

	algs := []string{"sha256", "sha384", "sha512", "", "md5", "sha1", "SHA256", "sha224", "sha512/256",
		"blake2b", "constructor", "__proto__", "toString", "sha256 ", "sha256\x00"}
	for _, a := range algs {
		rec.ok("isAlgorithmAvailable", gs(a), digest.Algorithm(a).Available())
		rec.ok("algorithmSize", gs(a), digest.Algorithm(a).Size())
	}
	for i, a := range algs {
		for _, n := range []int{0, 63, 64, 65, 96, 128} {
			for _, enc := range []string{dgHex(n, i), strings.ToUpper(dgHex(n, i))} {
				rec.result("validateEncoded", map[string]interface{}{"alg": gs(a), "encoded": gs(enc)}, nil,
					digest.Algorithm(a).Validate(enc))
			}
		}
		rec.result("validateEncoded", map[string]interface{}{"alg": gs(a), "encoded": gs(dgHex(63, i) + "é")}, nil,
			digest.Algorithm(a).Validate(dgHex(63, i)+"é"))
		rec.result("validateEncoded", map[string]interface{}{"alg": gs(a), "encoded": gs(dgHex(62, i) + "é")}, nil,
			digest.Algorithm(a).Validate(dgHex(62, i)+"é"))
	}

	datas := []string{"", "a", "abc", "hello world\n", "\x00\xff\xfe", strings.Repeat("x", 1000), "é😀",
		`{"architecture":"amd64","os":"linux"}`}
	g := newGen(42)
	for i := 0; i < 40; i++ {
		datas = append(datas, g.stringFrom(concat(lowerAlnum, controlSet, unicodeSet, invalidUTF8), 60))
	}
	for _, data := range datas {
		for _, a := range []string{"sha256", "sha384", "sha512", "md5", ""} {
			out, err := dgCatch(func() string { return string(digest.Algorithm(a).FromBytes([]byte(data))) })
			rec.result("digestFromBytes", map[string]interface{}{"alg": gs(a), "data": gs(data)}, gs(out), err)
		}
	}
	rec.write(t)
}
