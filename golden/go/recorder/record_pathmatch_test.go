//go:build recorder

package server

// Records path.Match (used by containerd to pick pod annotations for the runtime) on every
// bad-pattern shape, byte-level UTF-8 corners, and a seeded mix of patterns and names.

import (
	"path"
	"testing"
)

func TestRecordPathmatch(t *testing.T) {
	rec := newRecording("pathmatch")
	match := func(pattern, name string) {
		matched, err := path.Match(pattern, name)
		in := map[string]interface{}{"pattern": gs(pattern), "name": gs(name)}
		rec.result("Match", in, matched, err)
		if err != nil {
			// Go hands back a bool next to the error, and containerd reads it; keep it too.
			rec.ok("Match.matched", in, matched)
		}
	}

	handPicked := [][2]string{
		{"", ""}, {"", "a"}, {"a", ""}, {"abc", "abc"}, {"abc", "abd"}, {"abc", "ab"}, {"ab", "abc"},
		{"*", ""}, {"*", "abc"}, {"*", "a/b"}, {"*", "/"}, {"**", "abc"}, {"**", "a/b"}, {"***", ""},
		{"a*", "a"}, {"a*", "abc"}, {"a*", "ab/c"}, {"*c", "abc"}, {"*c", "a/c"}, {"a*c", "ac"},
		{"a*c", "abbc"}, {"a*c", "abcbc"}, {"a*b*c", "abc"}, {"a*b*c", "axbxc"}, {"a*b*c", "axbxcx"},
		{"a*/b", "abc/b"}, {"a*/b", "a/c/b"}, {"a*b*c*d*e*/f", "axbxcxdxe/f"},
		{"a*b*c*d*e*/f", "axbxcxdxexxx/f"}, {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f"},
		{"a*b*c*d*e*/f", "axbxcxdxexxx/fff"}, {"a*b?c*x", "abxbbxdbxebxczzx"},
		{"a*b?c*x", "abxbbxdbxebxczzy"}, {"*x", "xxx"}, {"*?", ""}, {"*?", "a"}, {"*?", "ab"},
		{"*??", "a"}, {"?*", "/"}, {"*/", "a/"}, {"/*", "/a"}, {"/*", "/a/b"},
		{"?", ""}, {"?", "a"}, {"?", "/"}, {"?", "ab"}, {"??", "é"}, {"?", "é"}, {"?", "😀"},
		{"??", "😀"}, {"?", "\xff"}, {"??", "\xe2\x82"}, {"?", "\xe2\x82"}, {"a?c", "abc"},
		{"a?c", "a/c"}, {"a?c", "aéc"},
		{"[a-z]", "m"}, {"[a-z]", "A"}, {"[a-z]", "z"}, {"[^a-z]", "m"}, {"[^a-z]", "M"},
		{"[abc]", "b"}, {"[abc]", "d"}, {"[^abc]", "d"}, {"[^abc]", "/"}, {"[a-c-e]", "d"},
		{"[a-cx-z]", "y"}, {"[z-a]", "m"}, {"[a-a]", "a"}, {"[é]", "é"}, {"[^é]", "é"},
		{"[à-ÿ]", "é"}, {"[😀]", "😀"}, {"[😀-😂]", "😁"}, {"[/]", "/"}, {"[^a]", "/"},
		{"[\\]]", "]"}, {"[\\-]", "-"}, {"[x\\-]", "-"}, {"[\\^]", "^"}, {"[\\a-\\c]", "b"},
		{"[a-\\z]", "q"}, {"[\\\\]", "\\"}, {"[]a]", "]"}, {"[^]a]", "b"}, {"[a]]", "a]"},
		{"[*]", "*"}, {"[*]", "x"}, {"[?]", "?"}, {"[[]", "["}, {"[^^]", "^"}, {"[!a]", "b"},
		{"[!a]", "!"}, {"]", "]"}, {"a]", "a]"}, {"-", "-"}, {"^", "^"},
		{"\\*", "*"}, {"\\*", "a"}, {"\\?", "?"}, {"\\?", "a"}, {"\\[", "["}, {"\\a", "a"},
		{"\\\\", "\\"}, {"\\é", "é"}, {"a\\*b", "a*b"}, {"a\\*b", "axb"},
		// A star skips byte by byte, so a class can start inside a multi-byte rune.
		{"*[\ufffd]", "é"}, {"*[^é]", "é"}, {"*[^x]", "éx"}, {"*?", "éa"}, {"*[^a]", "😀"},
		{"[\ufffd]", "\xff"}, {"[^a]", "\xff"}, {"*\xa9", "é"}, {"\xc3*", "é"},
		{"\xff", "\xff"}, {"\xff", "a"}, {"*\xff", "a\xff"},
		// Bad patterns, alone and behind matches that already failed or succeeded.
		{"[", ""}, {"[", "a"}, {"[", "["}, {"[^", "a"}, {"[]", ""}, {"[]", "a"}, {"[]", "]"},
		{"[^]", "a"}, {"[a-]", "a"}, {"[a-]", "-"}, {"[-a]", "a"}, {"[-a]", "-"}, {"[-]", "-"},
		{"[a", "a"}, {"[a-b", "a"}, {"[a-", "a"}, {"[\\", "a"}, {"[a\\", "a"}, {"[a-\\", "a"},
		{"[\\]", "]"}, {"[a-\\]", "a"}, {"\\", ""}, {"\\", "a"}, {"a\\", "a"}, {"a\\", "b"},
		{"*\\", "a"}, {"a*\\", "ab"}, {"[]a]", "a"}, {"[a-b-c]", "b"}, {"[\xff]", "a"},
		{"[a-\xff]", "a"}, {"[\\\xff]", "a"}, {"[\xe2\x82]", "a"}, {"[a\xff]", "a"},
		{"a[", "a"}, {"a[", "b"}, {"a[", ""}, {"*[", "a"}, {"*[", ""}, {"a*[", "abc"},
		{"x*[", "abc"}, {"*x*[", "y"}, {"*a*[", "bbb"}, {"a*b[", "acb"}, {"a*b[", "acx"},
		{"[x]*[", "y"}, {"[x]*[", "x"}, {"b*[", "a/c"}, {"a*b*[", "a/b"}, {"*a[", "bbb"},
		{"a*[]", "a"}, {"?[", "/"}, {"a/*[", "a/b"}, {"*[a-]", "a"}, {"*[]x", "ax"},
		{"a*\\", "b"}, {"[a-z]*[", "9"}, {"*a*b*[", "ab"}, {"*[*]*[", "*"},
	}
	for _, c := range handPicked {
		match(c[0], c[1])
	}

	g := newGen(101)
	patternPieces := []string{
		"*", "*", "**", "?", "?", "a", "b", "c", "/", ".", "-", "^", "]", "[", "\\",
		"[a-c]", "[^a]", "[^/]", "[ab]", "[b-]", "[-b]", "[]", "[^]", "[\\]]", "[\\-a]", "[a-\\c]",
		"\\*", "\\?", "\\[", "\\\\", "\\a", "é", "😀", "[é-ü]", "[^é]", "[😀]", "\ufffd",
	}
	namePieces := concat([]string{"a", "b", "c", "a", "b", "/", ".", "-", "^", "]", "[", "\\", "*", "?"},
		[]string{"é", "ü", "😀", "\ufffd"}, invalidUTF8)
	for i := 0; i < 420; i++ {
		pattern := g.stringFrom(patternPieces, 6)
		if g.intn(8) == 0 {
			pattern += g.pick(invalidUTF8...)
		}
		var name string
		switch g.intn(3) {
		case 0:
			name = g.stringFrom(namePieces, 6)
		default:
			name = instantiatePattern(g, pattern, namePieces)
		}
		match(pattern, name)
	}
	rec.write(t)
}

// instantiatePattern writes a name that a pattern probably matches (or nearly does), so the seeded
// cases exercise matching paths and not only mismatches.
func instantiatePattern(g *gen, pattern string, pieces []string) string {
	var out []byte
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			out = append(out, g.stringFrom(pieces, 2)...)
		case '?':
			out = append(out, g.pick(pieces...)...)
		case '\\':
			if i+1 < len(pattern) {
				i++
				out = append(out, pattern[i])
			}
		case '[':
			j := i + 1
			if j < len(pattern) && pattern[j] == '^' {
				j++
			}
			if j < len(pattern) {
				out = append(out, pattern[j])
			}
			for i < len(pattern) && pattern[i] != ']' {
				i++
			}
		default:
			out = append(out, c)
		}
	}
	if g.intn(6) == 0 && len(out) > 0 {
		out = out[:g.intn(len(out))]
	}
	return string(out)
}
