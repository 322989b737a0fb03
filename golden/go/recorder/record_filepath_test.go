//go:build recorder

package server

// Records filepath.Clean and filepath.Join as they behave on Linux (containerd builds state and
// root directories with Join and compares mount paths with Clean).

import (
	"path/filepath"
	"testing"
)

func TestRecordFilepath(t *testing.T) {
	rec := newRecording("filepath")
	clean := func(p string) { rec.ok("Clean", gs(p), gs(filepath.Clean(p))) }
	join := func(elem ...string) {
		in := make([]interface{}, 0, len(elem))
		for _, e := range elem {
			in = append(in, gs(e))
		}
		rec.ok("Join", in, gs(filepath.Join(elem...)))
	}

	for _, p := range []string{
		"", ".", "..", "/", "//", "///", "/.", "/..", "/../..", "./", "../", ".//", "a", "a/", "a//",
		"/a", "//a", "a/b", "a//b", "a/./b", "a/../b", "a/b/..", "a/b/../..", "a/b/../../..",
		"/a/b/../../..", "../a", "../../a", "../a/../..", "a/../../b", "./a", "././a/./", "...",
		"/...", "a/...", "..a", "a..", ".a", "a.", "/..a/", "a/.b/..", "abc/def/../ghi/./jkl/",
		"/var/lib/containerd/../containerd//io.containerd.grpc.v1.cri/sandboxes/", " ", " / ",
		"a /b", "é/../ü", "😀//😀/.", "\x00/..", "a\\b/..", "\xff/../\xfe", "/\xe2\x82/./",
		// Line breaks and other controls next to a slash (a regular expression's "." skips "\n").
		"\n/", "/a\n/", "a/\n", "\r/", "\u2028/", "a\n/.", "\n//\n",
	} {
		clean(p)
	}
	join()
	join("")
	join("", "")
	join("", "", "a")
	join("a", "")
	join("a", "", "b")
	join("/", "a")
	join("/", "")
	join("", "/")
	join("a", "/b")
	join("a/", "/b/")
	join("/a", "..", "..", "b")
	join("..", "a")
	join(".", ".")
	join("/var/lib/containerd", "io.containerd.grpc.v1.cri", "sandboxes", "abc")
	join("/run/containerd", "containers", "../../etc")
	join("\xff", "..")

	g := newGen(202)
	pieces := concat([]string{"a", "b", "abc", ".", "..", "...", ".a", "a.", "/", "/", "//", " ", "\\"},
		[]string{"é", "😀", "\u200b", "\x00"}, invalidUTF8)
	segment := func() string { return g.stringFrom(pieces, 6) }
	for i := 0; i < 220; i++ {
		clean(segment())
	}
	for i := 0; i < 200; i++ {
		elem := make([]string, g.intn(5))
		for j := range elem {
			if g.intn(5) == 0 {
				continue
			}
			elem[j] = g.stringFrom(pieces, 3)
		}
		join(elem...)
	}
	rec.write(t)
}
