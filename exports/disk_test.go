package exports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dvpsau/vpsau/fixtures/disk"
)

// TestStageFullDisk: whichever byte the disk fills at — in the CSV, the XLSX or the
// manifest — Stage fails with ENOSPC, leaves no staging folder behind and publishes
// nothing; the export published before stays as it was. With room for every byte it
// succeeds.
func TestStageFullDisk(t *testing.T) {
	out := t.TempDir()
	e := sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}, FileSpec{Format: XLSX})
	first, _ := stagePublish(t, out, e, newRows(sampleRows()...))
	var need int64
	entries, _ := os.ReadDir(first)
	for _, de := range entries {
		fi, _ := de.Info()
		need += fi.Size()
	}
	e.ID = "2027-01-05-000000000110"
	for _, left := range []int64{0, 1, 100, need / 3, need / 2, need - 600, need - 1} {
		t.Run(fmt.Sprintf("%d of %d bytes free", left, need), func(t *testing.T) {
			b := &disk.Budget{Left: left}
			x := e
			x.Wrap = b.Wrap
			s, err := Stage(out, x, newRows(sampleRows()...))
			if err == nil {
				s.Discard()
				t.Fatalf("Stage with %d bytes free succeeded", left)
			}
			if !errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Stage = %v, want one line wrapping ENOSPC", err)
			}
			assertOnly(t, out, "saukontrollen", first)
		})
	}
	t.Run("room for every byte", func(t *testing.T) {
		b := &disk.Budget{Left: need}
		x := e
		x.Wrap = b.Wrap
		s, err := Stage(out, x, newRows(sampleRows()...))
		if err != nil {
			t.Fatalf("Stage with %d bytes free: %v", need, err)
		}
		if err := s.Publish(); err != nil {
			t.Fatal(err)
		}
		if err := Verify(s.Path()); err != nil {
			t.Error(err)
		}
	})
}

// assertOnly checks that the receiver's folder holds exactly the published export dir,
// whole.
func assertOnly(t *testing.T, out, receiver, dir string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, receiver))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(dir) {
		var names []string
		for _, de := range entries {
			names = append(names, de.Name())
		}
		t.Errorf("%s holds %v, want only %s", receiver, names, filepath.Base(dir))
	}
	if err := Verify(dir); err != nil {
		t.Errorf("the published export: %v", err)
	}
}
