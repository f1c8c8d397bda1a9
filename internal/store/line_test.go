package store

import (
	"errors"
	"syscall"
	"testing"
)

// TestLine: what a user sees of an error is one line that keeps every part of it that
// says what failed (regression: the command line kept only the first line, so a full
// disk during the analyst copy read "CHECKPOINT during DETACH failed." without its cause,
// and lost what the run had published).
func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"one line", "one line"},
		{"IO Error: Detached database 'vpsau_copy', but CHECKPOINT during DETACH failed. \nCheckpoint failed. Original error: Could not write file \"x\": No space left on device (the previous analyst copy stays)",
			"IO Error: Detached database 'vpsau_copy', but CHECKPOINT during DETACH failed. Checkpoint failed. Original error: Could not write file \"x\": No space left on device (the previous analyst copy stays)"},
		{"Binder Error: Referenced column \"x\" not found in FROM clause!\n\nLINE 1: SELECT x FROM t\n               ^", "Binder Error: Referenced column \"x\" not found in FROM clause!"},
		{"Parser Error: syntax error at or near \"FORM\"\nLINE 1: SELECT 1 FORM t\n                 ^", "Parser Error: syntax error at or near \"FORM\""},
		{"write a: no space left on device\nwrite a: no space left on device", "write a: no space left on device write a: no space left on device"},
		{"\r\nfirst\r\nsecond\r\n", "first second"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	err := OneLine(errors.Join(syscall.ENOSPC, errors.New("more")))
	if !errors.Is(err, syscall.ENOSPC) || err.Error() != "no space left on device more" {
		t.Errorf("OneLine(errors.Join) = %q, want one line that still is ENOSPC", err)
	}
	if OneLine(nil) != nil {
		t.Errorf("OneLine(nil) != nil")
	}
}
