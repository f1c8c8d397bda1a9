package schedule

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var oslo, _ = time.LoadLocation("Europe/Oslo")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
	if err != nil {
		panic(err)
	}
	return t
}

// TestNextAcrossDST: the default 04:30 stays 04:30 local time across both changes, with
// the UTC offset moving under it.
func TestNextAcrossDST(t *testing.T) {
	s, err := Parse(DefaultSpec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after string
		want  string // RFC 3339 with offset
	}{
		{"2027-03-27 05:00", "2027-03-28T04:30:00+02:00"}, // spring: the night 02:00 → 03:00
		{"2027-03-28 04:30", "2027-03-29T04:30:00+02:00"},
		{"2027-10-30 05:00", "2027-10-31T04:30:00+01:00"}, // autumn: 03:00 → 02:00
		{"2027-10-31 04:29", "2027-10-31T04:30:00+01:00"},
		{"2027-12-31 23:59", "2028-01-01T04:30:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.after, func(t *testing.T) {
			if got := s.Next(at(tt.after)).In(oslo).Format(time.RFC3339); got != tt.want {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got, tt.want)
			}
		})
	}
	// 24 nightly runs through the spring change are exactly a day apart in local time and
	// 23 hours apart in UTC once.
	var short int
	prev := s.Next(at("2027-03-20 00:00"))
	for i := 0; i < 24; i++ {
		next := s.Next(prev)
		if next.Sub(prev) == 23*time.Hour {
			short++
		}
		prev = next
	}
	if short != 1 {
		t.Errorf("%d nights of 23 hours across the spring change, want 1", short)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		spec, err string
	}{
		{"30 4 * * *", ""},
		{"@daily", ""},
		{"CRON_TZ=UTC 30 2 * * *", ""},
		{"30 2 * * *", "outside 02:00–03:00"},
		{"0 * * * *", "outside 02:00–03:00"},
		{"61 4 * * *", "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec)
			if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Parse(%q) = %v, want error containing %q", tt.spec, err, tt.err)
			}
		})
	}
}

func TestCatchUpDue(t *testing.T) {
	s, _ := Parse(DefaultSpec)
	tests := []struct {
		name, last, now string
		want            bool
	}{
		{"never ran", "", "2027-01-05 10:00", true},
		{"ran last night", "2027-01-05 04:30", "2027-01-05 10:00", false},
		{"missed last night", "2027-01-04 04:30", "2027-01-05 10:00", true},
		{"down for a week", "2026-12-28 04:30", "2027-01-05 10:00", true},
		{"started before tonight's run", "2027-01-04 04:30", "2027-01-05 03:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last time.Time
			if tt.last != "" {
				last = at(tt.last)
			}
			if got := CatchUpDue(s, last, at(tt.now)); got != tt.want {
				t.Errorf("CatchUpDue(%s, %s) = %v, want %v", tt.last, tt.now, got, tt.want)
			}
		})
	}
}

// TestServiceCatchUpAndGrace: a missed night is caught up at start; on shutdown a run
// that outlasts the grace period is cancelled.
func TestServiceCatchUpAndGrace(t *testing.T) {
	s, _ := Parse(DefaultSpec)
	var runs atomic.Int32
	started := make(chan string, 1)
	var cancelled atomic.Bool
	svc := &Service{
		Schedule:    s,
		LastSuccess: func(context.Context) (time.Time, error) { return at("2027-01-01 04:30"), nil },
		Now:         func() time.Time { return at("2027-01-05 10:00") },
		Grace:       50 * time.Millisecond,
		Log:         slog.New(slog.DiscardHandler),
		Job: func(ctx context.Context, trigger string) error {
			runs.Add(1)
			started <- trigger
			<-ctx.Done()
			cancelled.Store(true)
			return ctx.Err()
		},
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.Run(ctx) }()
	if trigger := <-started; trigger != "catch-up" {
		t.Errorf("first run trigger = %q, want catch-up", trigger)
	}
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the grace period")
	}
	if !cancelled.Load() || runs.Load() != 1 {
		t.Errorf("runs = %d, cancelled = %v; want one run, cancelled after the grace period", runs.Load(), cancelled.Load())
	}
}

// TestServiceShutDownWhileAskingLastSuccess: a shutdown while the last success is still
// being read (the database busy) ends Run without an error and without a run; another
// failure to read it is an error.
func TestServiceShutDownWhileAskingLastSuccess(t *testing.T) {
	s, _ := Parse(DefaultSpec)
	tests := []struct {
		name    string
		cancel  bool
		wantErr bool
	}{
		{"shut down meanwhile", true, false},
		{"the database fails", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			var runs atomic.Int32
			svc := &Service{
				Schedule: s,
				LastSuccess: func(ctx context.Context) (time.Time, error) {
					if tt.cancel {
						stop()
						<-ctx.Done()
						return time.Time{}, ctx.Err()
					}
					return time.Time{}, errors.New("disk on fire")
				},
				Now: func() time.Time { return at("2027-01-05 10:00") },
				Log: slog.New(slog.DiscardHandler),
				Job: func(context.Context, string) error { runs.Add(1); return nil },
			}
			err := svc.Run(ctx)
			if (err != nil) != tt.wantErr {
				t.Errorf("Run = %v, want an error: %v", err, tt.wantErr)
			}
			if runs.Load() != 0 {
				t.Errorf("%d runs, want none", runs.Load())
			}
		})
	}
}
