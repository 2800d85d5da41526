package api

import "time"

// Status is the body of GET /admin/status: what the index holds and how its last
// run went.
type Status struct {
	// Ready is false until the first index run after start is complete.
	Ready bool `json:"ready"`
	// Generation is the index generation: it moves with every run that changed
	// what is served, and is what GET /changes and GET /events count in.
	Generation int64 `json:"generation"`
	// IndexedAt is when the last index run started; null before the first.
	IndexedAt *time.Time `json:"indexedAt"`
	// DurationMS is how long the last index run took, in milliseconds.
	DurationMS int64 `json:"durationMs"`
	// Posts is the number of posts with a body, per language.
	Posts map[string]int `json:"posts"`
	// Errors are the content errors of the last run, by file and line.
	Errors []ContentError `json:"errors"`
	// Release is the release served; null before the first index run.
	Release *Release `json:"release"`
	// Runs says whether index runs fail, since when and why, and what is
	// wrong with the index database, if anything.
	Runs RunHealth `json:"runs"`
}

// RunHealth is how index runs fare and what is wrong with the index
// database. Whatever it reports, the last good index goes on being served.
type RunHealth struct {
	// Failing is true while index runs fail.
	Failing bool `json:"failing"`
	// FailingSince is when the first of the failed runs in a row ended; null
	// while runs succeed.
	FailingSince *time.Time `json:"failingSince"`
	// Failures is the number of failed runs in a row.
	Failures int `json:"failures"`
	// LastError is why the last run failed; empty when it succeeded.
	LastError string `json:"lastError,omitempty"`
	// Storage is what is wrong with the database file itself: deleted or
	// replaced while served (the next run builds a new one), or not writable.
	// Empty when nothing is.
	Storage string `json:"storage,omitempty"`
	// ReadOnly is true when the index is served read-only: no run can write it.
	ReadOnly bool `json:"readOnly"`
}

// ContentError is a problem with one content file. The post it belongs to
// keeps its last good version until the file is fixed.
type ContentError struct {
	// File is the file's path inside the content folder, with slashes.
	File string `json:"file"`
	// Line is the line the problem is on, 0 when it is about the whole file.
	Line int `json:"line"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
	// Message is file:line: reason in one string, the form editors turn into a link.
	Message string `json:"message"`
	// Severity is "error" (the file is left out, or its post keeps its last
	// good version) or "warning" (reported only: the post is served, e.g. with
	// a link to a file that is not in its bundle left as written).
	Severity string `json:"severity" enums:"error,warning"`
}

// ReindexResult is the body of POST /admin/reindex: what the run did.
type ReindexResult struct {
	// Path is the content path asked for, empty for the whole folder. A post
	// file's path is looked at alone (with what it changes in other posts);
	// any other path, or none, is a run over the whole folder, where unchanged
	// files are skipped by size, time and hash.
	Path string `json:"path,omitempty"`
	// Generation is the index generation after the run.
	Generation int64 `json:"generation"`
	// Changed tells whether the run changed what is served (and so moved the generation).
	Changed bool `json:"changed"`
	// Files is the number of content files found.
	Files int `json:"files"`
	// Read is the number of files read because their size or time changed.
	Read int `json:"read"`
	// Rendered is the number of post files parsed and rendered.
	Rendered int `json:"rendered"`
	// Deleted is the number of files gone since the last run.
	Deleted int `json:"deleted"`
	// Posts is the number of posts in the index.
	Posts int `json:"posts"`
	// Payloads is the number of post payloads rebuilt.
	Payloads int `json:"payloads"`
	// DurationMS is how long the run took, in milliseconds.
	DurationMS int64 `json:"durationMs"`
	// Errors are the content errors found by the run.
	Errors []ContentError `json:"errors"`
}
