package tree

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// ReadRegular sizes its buffer from the file's size: one buffer for the bytes, not a
// doubling series of them, and the bytes exact with or without a limit.
func TestReadRegularSizesItsBuffer(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	want := bytes.Repeat([]byte("key: value\n"), 10000)
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int64{0, int64(len(want)), 1 << 20} {
		b, _, err := ReadRegular(p, max)
		if err != nil || !bytes.Equal(b, want) {
			t.Fatalf("max %d: %d bytes, %v", max, len(b), err)
		}
	}
	var big int
	allocs := testing.AllocsPerRun(5, func() {
		b, _, _ := ReadRegular(p, 1<<20)
		big = cap(b)
	})
	// The file, its FileInfo and the limit reader: a growing buffer takes 10 or more.
	if allocs > 6 || big > len(want)+1 {
		t.Errorf("ReadRegular of %d bytes: %v allocations, a buffer of %d", len(want), allocs, big)
	}
}
