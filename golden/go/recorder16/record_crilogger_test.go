//go:build recorder

package server

// The CRI log writer (containerd v1.6.20 pkg/cri/io NewCRILogger): the records written for a
// stream's bytes, fed in given chunks, then closed. Timestamps are time.Now() and are cut off the
// records; their format is recorded separately (RFC3339Nano in UTC). Replayed by
// golden/go/replay/crilogger.test.ts against src/cri/io/logger.ts.

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	cio "github.com/containerd/containerd/pkg/cri/io"
)

type loggerInput struct {
	MaxLen int           `json:"maxLen"`
	Stream string        `json:"stream"`
	Chunks []interface{} `json:"chunks"`
}

// runCRILogger feeds the chunks through the writer's loop. containerd runs that loop in a goroutine
// of its own, where a panic brings the daemon down; here it is caught and returned as the error.
func runCRILogger(maxLen int, stream string, chunks []string) (records []interface{}, err error) {
	var buf bytes.Buffer
	pr, pw := io.Pipe()
	go func() {
		for _, c := range chunks {
			if _, werr := pw.Write([]byte(c)); werr != nil {
				return
			}
		}
		pw.Close()
	}()
	defer func() {
		if p := recover(); p != nil {
			pr.Close()
			records, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	cio.RedirectLogsForRecorder(pr, &buf, cio.StreamType(stream), maxLen)
	records = []interface{}{}
	for _, record := range strings.SplitAfter(buf.String(), "\n") {
		if record == "" {
			continue
		}
		records = append(records, gs(record[strings.IndexByte(record, ' ')+1:]))
	}
	return records, nil
}

func TestRecordCrilogger(t *testing.T) {
	r := newRecording("crilogger")
	record := func(maxLen int, stream string, chunks ...string) {
		in := loggerInput{MaxLen: maxLen, Stream: stream}
		for _, c := range chunks {
			in.Chunks = append(in.Chunks, gs(c))
		}
		records, err := runCRILogger(maxLen, stream, chunks)
		r.result("criLogger", in, records, err)
	}
	record(16384, "stdout", "hello\nwor", "ld\n")
	record(16384, "stderr", "a\r\nb\rc\n\n")
	record(4, "stdout", "abcdefghij\n")
	record(4, "stdout", "abcd\n")
	record(4, "stdout", "abcdefgh\n")
	record(16384, "stdout", "done\npartial")
	record(16384, "stdout", "")
	record(16384, "stdout", "\n")
	record(0, "stdout", strings.Repeat("x", 10000)+"\n")
	record(-1, "stdout", strings.Repeat("x", 9000))
	record(5000, "stdout", strings.Repeat("y", 12000)+"\n")
	record(3, "stdout", "éé\n")
	record(1, "stdout", "ab\r\ncd\r")
	record(2, "stdout", "a\r\r\nb")
	record(4096, "stdout", strings.Repeat("z", 4095)+"\r\n"+strings.Repeat("z", 4096)+"\r\n")
	record(4097, "stdout", strings.Repeat("q", 4096)+"\r", "\n")
	record(16384, "stdout", strings.Repeat("w", 4095)+"\r", "\n", strings.Repeat("w", 4096), "\r")

	g := newGen(1602)
	pieces := []string{"a", "b", "é", "中", "😀", "\n", "\n", "\r", "\r\n", " ", "\xff", "\t"}
	limits := []int{-1, 0, 1, 2, 3, 4, 5, 7, 8, 16, 100, 4095, 4096, 4097, 5000, 8193, 16384}
	for i := 0; i < 500; i++ {
		maxLen := limits[g.intn(len(limits))]
		var chunks []string
		for j, n := 0, g.intn(6)+1; j < n; j++ {
			chunk := g.stringFrom(pieces, 40)
			if g.intn(12) == 0 {
				chunk += strings.Repeat(g.pick("x", "é", "\r"), g.intn(5000))
			}
			chunks = append(chunks, chunk)
		}
		record(maxLen, g.pick("stdout", "stderr"), chunks...)
	}

	for _, ns := range []int64{0, 1, -1, 1_633_478_400_000_000_000, 1_633_478_400_000_000_001, 1_633_478_400_120_000_000, 1_633_478_400_999_999_999, 253_402_300_799_999_999_999 / 1000, -62_135_596_800_000_000_000 / 1000} {
		r.ok("rfc3339Nano", i64(ns), time.Unix(0, ns).UTC().Format(time.RFC3339Nano))
	}
	for i := 0; i < 300; i++ {
		ns := g.r.Int63n(4_102_444_800_000_000_000)
		if g.intn(3) == 0 {
			ns -= ns % 1_000_000
		}
		if g.intn(4) == 0 {
			ns -= ns % 1_000_000_000
		}
		r.ok("rfc3339Nano", i64(ns), time.Unix(0, ns).UTC().Format(time.RFC3339Nano))
	}
	r.write(t)
}
