// Package schedule runs the nightly job on a cron schedule in Europe/Oslo time: it skips a
// tick while a run is still going, catches up at start on a night that was missed while
// the process was down, and on shutdown lets the current run finish within a grace period
// before abandoning it.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSpec is 04:30 every night, Europe/Oslo: outside the hour between 02:00 and 03:00
// that the switch to summer time skips and the switch back repeats.
const DefaultSpec = "30 4 * * *"

// Zone is the schedule's time zone.
const Zone = "Europe/Oslo"

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a five-field cron spec (or @daily etc.) in Europe/Oslo time; a CRON_TZ=
// prefix names another zone. A spec that would fire between 02:00 and 03:00 local time is
// refused: that hour does not exist, or happens twice, on the nights the clocks change.
func Parse(spec string) (cron.Schedule, error) {
	if !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + Zone + " " + spec
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	loc := location(s)
	_, winter := time.Date(2027, 1, 1, 0, 0, 0, 0, loc).Zone()
	_, summer := time.Date(2027, 7, 1, 0, 0, 0, 0, loc).Zone()
	if winter == summer {
		return s, nil // no daylight saving in this zone
	}
	t := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	for i := 0; i < 400*24*60 && t.Year() < 2028; i++ {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		if t.In(loc).Hour() == 2 {
			return nil, fmt.Errorf("schedule %q fires at %s: choose a time outside 02:00–03:00, which daylight saving skips or repeats", spec, t.In(loc).Format("15:04"))
		}
	}
	return s, nil
}

func location(s cron.Schedule) *time.Location {
	if ss, ok := s.(*cron.SpecSchedule); ok && ss.Location != nil {
		return ss.Location
	}
	return time.Local
}

// Previous returns the latest time the schedule fired at or before now (zero if none in
// the last eight days).
func Previous(s cron.Schedule, now time.Time) time.Time {
	var prev time.Time
	for t := s.Next(now.Add(-8 * 24 * time.Hour)); !t.IsZero() && !t.After(now); t = s.Next(t) {
		prev = t
	}
	return prev
}

// CatchUpDue reports whether a run is owed at now: the schedule fired since the last
// successful run started (or there never was one).
func CatchUpDue(s cron.Schedule, lastSuccess, now time.Time) bool {
	prev := Previous(s, now)
	if lastSuccess.IsZero() {
		return true
	}
	return !prev.IsZero() && lastSuccess.Before(prev)
}

// Job runs the nightly job once; trigger is "schedule" or "catch-up". It must stop
// promptly when ctx is cancelled.
type Job func(ctx context.Context, trigger string) error

// Service runs a Job on a schedule.
type Service struct {
	Schedule    cron.Schedule
	Job         Job
	LastSuccess func(ctx context.Context) (time.Time, error) // start of the last successful run
	Grace       time.Duration                                // how long a run may go on after shutdown is asked for
	Now         func() time.Time
	Log         *slog.Logger
}

// Run schedules the job until ctx is cancelled, then waits up to Grace for a running job
// before cancelling it, and returns when nothing runs any more.
func (s *Service) Run(ctx context.Context) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	runCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	var mu sync.Mutex // one job at a time: SkipIfStillRunning for the tick and the catch-up alike
	var wg sync.WaitGroup
	start := func(trigger string) {
		if !mu.TryLock() {
			s.Log.Warn("run skipped: the previous run is still going", "trigger", trigger)
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer mu.Unlock()
			t0 := s.Now()
			if err := s.Job(runCtx, trigger); err != nil {
				s.Log.Error("run failed", "trigger", trigger, "error", err.Error())
				return
			}
			s.Log.Info("run succeeded", "trigger", trigger, "took", s.Now().Sub(t0).Round(time.Millisecond).String())
		}()
	}
	c := cron.New(cron.WithParser(parser), cron.WithChain(cron.Recover(cron.DiscardLogger)))
	c.Schedule(s.Schedule, cron.FuncJob(func() { start("schedule") }))
	if s.LastSuccess != nil {
		last, err := s.LastSuccess(ctx)
		if err != nil && ctx.Err() != nil {
			return nil // shut down before it was known: a shutdown, not a failure
		}
		if err != nil {
			return fmt.Errorf("schedule: last success: %w", err)
		}
		if CatchUpDue(s.Schedule, last, s.Now()) {
			s.Log.Info("catching up a missed night", "last_success", last.Format(time.RFC3339))
			start("catch-up")
		}
	}
	c.Start()
	s.Log.Info("scheduled", "next", s.Schedule.Next(s.Now()).Format(time.RFC3339))
	<-ctx.Done()
	<-c.Stop().Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.Grace):
		s.Log.Warn("grace period over: abandoning the running run", "grace", s.Grace.String())
		abandon()
		<-done
	}
	return nil
}

// ErrSkipped can be returned by a Job that found another run holding the run lock.
var ErrSkipped = errors.New("skipped")
