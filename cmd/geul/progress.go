package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/geul-dev/geul/internal/index"
)

// How often progress is drawn: a terminal bar redraws often enough to move
// smoothly; plain lines (a CI log, a file) come seldom enough not to flood it.
const (
	barInterval  = 100 * time.Millisecond
	lineInterval = 2 * time.Second
	barWidth     = 30
)

// progressReport shows an index run's progress on w: a bar redrawn in place
// on a terminal, a plain line every lineInterval otherwise.
type progressReport struct {
	w        io.Writer
	tty      bool
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	last  time.Time // when the last report was drawn
	drawn bool      // a bar is on the terminal's last line
	stage string
}

func newProgressReport(w io.Writer) *progressReport {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	p := &progressReport{w: w, tty: tty, interval: lineInterval, now: time.Now}
	if tty {
		p.interval = barInterval
	}
	return p
}

var stageNames = map[string]string{
	index.StageRead:  "reading",
	index.StageBuild: "building",
}

func (p *progressReport) unit(stage string) string {
	if stage == index.StageRead {
		return "files"
	}
	return "posts"
}

// update is the index's progress hook. It draws at most once per interval,
// and always the end of a stage on a terminal, so the bar ends full.
func (p *progressReport) update(pr index.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	newStage := pr.Stage != p.stage
	if newStage {
		p.stage = pr.Stage
		if p.last.IsZero() {
			// Nothing is drawn for a run that ends within the first interval.
			p.last = now
			return
		}
	}
	end := pr.Done == pr.Total
	if now.Sub(p.last) < p.interval && !(p.tty && (end || newStage)) {
		return
	}
	p.last = now
	name := stageNames[pr.Stage]
	if name == "" {
		name = pr.Stage
	}
	pct := 0
	if pr.Total > 0 {
		pct = pr.Done * 100 / pr.Total
	}
	if !p.tty {
		fmt.Fprintf(p.w, "indexing: %s %d/%d %s (%d%%)\n", name, pr.Done, pr.Total, p.unit(pr.Stage), pct)
		return
	}
	fill := 0
	if pr.Total > 0 {
		fill = pr.Done * barWidth / pr.Total
	}
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	// \r and "erase to end of line" redraw in place.
	fmt.Fprintf(p.w, "\r\x1b[K%-8s [%s] %d/%d %s %3d%%", name, bar, pr.Done, pr.Total, p.unit(pr.Stage), pct)
	p.drawn = true
}

// finish clears the bar so that what follows starts on a clean line.
func (p *progressReport) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
