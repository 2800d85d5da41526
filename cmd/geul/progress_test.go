package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/geul-dev/geul/internal/index"
)

// fakeClock advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	now := time.Unix(0, 0)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressReport(&buf)
	if p.tty {
		t.Fatal("a buffer is not a terminal")
	}
	p.now = fakeClock(500 * time.Millisecond)
	for i := 0; i <= 20; i++ {
		p.update(index.Progress{Stage: index.StageRead, Done: i, Total: 20})
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 21 updates half a second apart: a line every 2 seconds.
	if len(lines) != 5 || lines[0] != "indexing: reading 4/20 files (20%)" {
		t.Errorf("got %d lines %q, want 5 starting with reading 4/20", len(lines), lines)
	}
	if strings.Contains(buf.String(), "\r") || strings.Contains(buf.String(), "\x1b") {
		t.Errorf("terminal codes in plain output: %q", buf.String())
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressReport(&buf)
	p.tty, p.interval = true, barInterval
	p.now = fakeClock(time.Second)
	p.update(index.Progress{Stage: index.StageRead, Total: 4})
	for i := 1; i <= 4; i++ {
		p.update(index.Progress{Stage: index.StageRead, Done: i, Total: 4})
	}
	p.update(index.Progress{Stage: index.StageBuild, Total: 2})
	p.update(index.Progress{Stage: index.StageBuild, Done: 2, Total: 2})
	p.finish()
	out := buf.String()
	for _, want := range []string{
		"\r\x1b[Kreading  [" + strings.Repeat("=", barWidth) + "] 4/4 files 100%",
		"\r\x1b[Kbuilding [" + strings.Repeat("=", barWidth) + "] 2/2 posts 100%",
		"reading  [=======>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the bar is not cleared at the end: %q", out)
	}
}

func TestProgressQuietForQuickRuns(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressReport(&buf)
	p.now = fakeClock(time.Millisecond)
	for i := 0; i <= 100; i++ {
		p.update(index.Progress{Stage: index.StageRead, Done: i, Total: 100})
	}
	p.finish()
	if buf.Len() != 0 {
		t.Errorf("a run shorter than the interval printed %q", buf.String())
	}
}
