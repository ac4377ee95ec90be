package store

import (
	"bytes"
	stdflate "compress/flate"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// BenchmarkReplyDeflate deflates the demo's replies with a provider's
// dictionary, as the writer does for every reply it keeps: the standard
// library's level 2 (its level 1 ignores a dictionary) against
// klauspost/compress's levels 1 and 3 (the store's), side by side. Both write deflate, which the
// store's reader (the standard library's inflater) reads.
func BenchmarkReplyDeflate(b *testing.B) {
	recs := demoRecords(b)
	var plains [][]byte
	for _, r := range recs {
		if r.Exchange != nil {
			var e enc
			appendReply(&e, &r.Exchange.Reply)
			plains = append(plains, e)
		}
	}
	dict := plains[0]
	std, _ := stdflate.NewWriterDict(nil, 2, dict)
	k, _ := kflate.NewWriterDict(nil, 1, dict)
	k3, _ := kflate.NewWriterDict(nil, 3, dict)
	for _, c := range []struct {
		name  string
		reset func(*bytes.Buffer)
		write func([]byte) error
		close func() error
	}{
		{"stdlib-level2", func(z *bytes.Buffer) { std.Reset(z) }, func(p []byte) error { _, err := std.Write(p); return err }, std.Close},
		{"klauspost-level1", func(z *bytes.Buffer) { k.Reset(z) }, func(p []byte) error { _, err := k.Write(p); return err }, k.Close},
		{"klauspost-level3", func(z *bytes.Buffer) { k3.Reset(z) }, func(p []byte) error { _, err := k3.Write(p); return err }, k3.Close},
	} {
		b.Run(c.name, func(b *testing.B) {
			var z bytes.Buffer
			out, in := 0, 0
			i := 0
			for b.Loop() {
				p := plains[i%len(plains)]
				i++
				z.Reset()
				c.reset(&z)
				if err := c.write(p); err != nil {
					b.Fatal(err)
				}
				if err := c.close(); err != nil {
					b.Fatal(err)
				}
				out += z.Len()
				in += len(p)
			}
			got, err := readAllInflate(z.Bytes(), dict)
			if err != nil || !bytes.Equal(got, plains[(i-1)%len(plains)]) {
				b.Fatalf("the standard inflater does not read it back: %v", err)
			}
			b.ReportMetric(float64(out)/float64(in), "out/in")
		})
	}
}

func readAllInflate(z, dict []byte) ([]byte, error) {
	r := stdflate.NewReaderDict(bytes.NewReader(z), dict)
	var out bytes.Buffer
	_, err := out.ReadFrom(r)
	return out.Bytes(), err
}
