//go:build recorder

package server

// Records strconv.ParseInt(s, 10, 64) (containerd reads numeric image users with it) and
// strconv.Quote (what %q prints, used in containerd's error texts and label filters). Also writes
// isprint.json: the ranges of runes strconv.IsPrint accepts, from which
// scripts/gen-unicode-printable.ts generates src/go/unicode-printable.ts.

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRecordStrconv(t *testing.T) {
	rec := newRecording("strconv")
	parseInt := func(s string) {
		v, err := strconv.ParseInt(s, 10, 64)
		rec.result("ParseInt", gs(s), i64(v), err)
		if err != nil {
			// Go returns the clamped value next to a range error; callers may read it.
			rec.ok("ParseInt.value", gs(s), i64(v))
		}
	}
	quote := func(s string) { rec.ok("Quote", gs(s), gs(strconv.Quote(s))) }

	for _, s := range []string{
		"", "0", "1", "-1", "+1", "-0", "+0", "00", "007", "-007", "+007", "0000000000000000000000001",
		"-", "+", "+-1", "-+1", "--1", "++1", "1-", "1+", " 1", "1 ", " ", "\t1", "1\n", "1_000",
		"_1", "1_", "0x10", "0X10", "0b1", "0o7", "0_7", "1e3", "1.0", "1,000", "١٢٣", "１２", "²",
		"\x00", "1\x00", "1\xff", "\xff", "\xe2\x82", "é", "😀1", "9223372036854775806",
		"9223372036854775807", "+9223372036854775807", "9223372036854775808", "-9223372036854775807",
		"-9223372036854775808", "-9223372036854775809", "09223372036854775807",
		"-00000000009223372036854775808", "18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616", "99999999999999999999",
		"-99999999999999999999", "184467440737095516150", "1844674407370955161x",
		"18446744073709551616x", "99999999999999999999x", "-99999999999999999999x",
		"x99999999999999999999", "99999999999999999999_", "9223372036854775808x",
		"100000000000000000000000000000000000000000000000000", "0000000000000000000000000000000",
		"4294967295", "4294967296", "-2147483648", "2147483647", "65534", "1000", "root", "1000:1000",
		"nobody", "NaN", "Inf", "-Inf", "\"1\"",
	} {
		parseInt(s)
	}
	g := newGen(303)
	pickInt := func(options ...int) int { return options[g.intn(len(options))] }
	digits := splitChars("0123456789")
	junk := concat([]string{"_", " ", "+", "-", "x", "0x", "e", ".", ",", "a", "Z"}, controlSet,
		unicodeSet, invalidUTF8)
	for i := 0; i < 420; i++ {
		var b strings.Builder
		b.WriteString(g.pick("", "", "", "-", "+", "-", "+-", "--", " "))
		b.WriteString(strings.Repeat("0", pickInt(0, 0, 0, 1, 3, 20)))
		n := pickInt(0, 1, 2, 5, 10, 17, 18, 19, 19, 19, 20, 20, 21, 25, 40)
		if n == 19 || n == 20 {
			// Near the int64 and uint64 limits, start from them so the edge is really crossed.
			b.WriteString(g.pick("92233720368547758", "18446744073709551", "9"))
			n -= 17
		}
		for j := 0; j < n; j++ {
			b.WriteString(g.pick(digits...))
		}
		s := b.String()
		if g.intn(5) == 0 && len(s) > 0 {
			at := g.intn(len(s) + 1)
			s = s[:at] + g.pick(junk...) + s[at:]
		}
		parseInt(s)
	}

	for _, s := range []string{
		"", "abc", "\"", "\\", "'", "`", "\"\\\"", "\a\b\f\n\r\t\v", "\x00", "\x01", "\x1b", "\x1f",
		" ", "~", "\x7f", "\u0080", "\u009f", "\u00a0", "\u00a1", "\u00ad", "\u00ff", "\u0100", "é",
		"ß", "Σ", "中文", "\u0301", "e\u0301", "\u0378", "\u0600", "\u061c", "\u1680", "\u180e",
		"\u2000", "\u200b", "\u200d", "\u2028", "\u2029", "\u202e", "\u2060", "\u3000", "\ud7ff",
		"\ue000", "\uf8ff", "\ufeff", "\ufff9", "\ufffd", "\ufffe", "\uffff", "\U00010000",
		"\U0001f600", "😀👍🏽", "👨‍👩‍👧", "🇫🇷", "\U0001d173", "\U000e0001", "\U000e0020", "\U000e0100",
		"\U000f0000", "\U0010fffd", "\U0010ffff", "\U0002a6df", "\U0003134a", "\U0003fffd",
		"\xff", "\xfe", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x80", "\xc3",
		"\xe0\x80\x80", "\xe0\x9f\xbf", "\xe2\x82", "\xe2\x82\xac", "\xed\x9f\xbf", "\xed\xa0\x80",
		"\xed\xbf\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8",
		"a\xffb", "\xff\xfe\xfd", "é\xc3", "\xc3é", "labels.\"io.kubernetes\"==\"x\"",
		"sandbox_pod_ns_uid_0", "line1\nline2", strings.Repeat("\x00", 5),
	} {
		quote(s)
	}
	pieces := concat(lowerAlnum, upperChars, refPunct, controlSet, unicodeSet, invalidUTF8,
		[]string{"\"", "\\", "'", "`", " ", "%", "\u0085", "\u00ad", "\u034f", "\u115f", "\u3164"})
	for i := 0; i < 260; i++ {
		quote(g.stringFrom(pieces, 8))
	}
	// Single runes drawn across every plane, so the printable table is sampled widely.
	for i := 0; i < 260; i++ {
		var r rune
		switch g.intn(4) {
		case 0:
			r = rune(g.intn(0x800))
		case 1:
			r = rune(g.intn(0x10000))
		case 2:
			r = rune(0x10000 + g.intn(0x20000))
		default:
			r = rune(g.intn(utf8.MaxRune + 1))
		}
		quote(string(r))
	}
	rec.write(t)
}

func TestRecordIsPrint(t *testing.T) {
	rec := newRecording("isprint")
	var ranges [][2]rune
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !strconv.IsPrint(r) {
			continue
		}
		if n := len(ranges); n > 0 && ranges[n-1][1] == r-1 {
			ranges[n-1][1] = r
		} else {
			ranges = append(ranges, [2]rune{r, r})
		}
	}
	rec.ok("IsPrintRanges", nil, ranges)
	rec.write(t)
}
