package index

import (
	"errors"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/markdown"
)

// errRefused ends a run in which a file went over its rendering budget
// while being rendered: the run is rolled back and done again with that
// file refused like any other bad file, so that its post keeps its last
// good version and nothing else the run built points at the refused one.
var errRefused = errors.New("a file went over its rendering budget")

// refusal is a file version refused for its rendering budget; an edit
// (another hash) is rendered again.
type refusal struct {
	hash string
	err  *content.Error
}

// budgetErr turns a rendering over its budget into the problem of file f,
// with the line in the file; it returns nil for any other error.
func budgetErr(f *content.File, err error) *content.Error {
	var be *markdown.BudgetError
	if !errors.As(err, &be) {
		return nil
	}
	line := 0
	if be.Line > 0 {
		line = f.BodyLine + be.Line - 1
	}
	return &content.Error{Path: f.Path, Line: line, Reason: "over the rendering budget: " + be.Reason}
}

// CheckPost parses a post file and renders it as an index run would, within
// md's budget, for geul check. Any problem is a *content.Error. inBundle,
// for a bundle's index file, says whether a name is a file of the bundle;
// the warnings are its references to files the bundle does not have, as an
// index run reports them.
func CheckPost(md *markdown.Renderer, path string, data []byte, inBundle func(name string) bool) (*content.File, []*content.Error, error) {
	f, err := content.ParseFile(path, data)
	if err != nil {
		return nil, nil, err
	}
	res, err := md.Render(f.Body)
	if err != nil {
		if ce := budgetErr(f, err); ce != nil {
			return nil, nil, ce
		}
		return nil, nil, &content.Error{Path: path, Reason: err.Error()}
	}
	if inBundle == nil {
		return f, nil, nil
	}
	_, missing := markdown.RelinkBundle(res.HTML, func(name string) (markdown.BundleLink, bool) {
		return markdown.BundleLink{}, inBundle(name)
	})
	return f, missingWarnings(f, string(f.Body), missing), nil
}

// overBudget is fileRecord's error for a file over its budget.
type overBudget struct {
	hash string
	err  *content.Error
}

func (o *overBudget) Error() string { return o.err.Error() }

func budgetErrOf(err error) *overBudget {
	var o *overBudget
	if errors.As(err, &o) {
		return o
	}
	return nil
}

// refuse remembers the files a run refused while rendering, and forgets
// those no longer among the content files.
func (ix *Indexer) refuse(refused map[string]refusal, files map[string]bool) {
	if ix.refused == nil {
		ix.refused = map[string]refusal{}
	}
	for p := range ix.refused {
		if !files[p] {
			delete(ix.refused, p)
		}
	}
	for p, rf := range refused {
		ix.refused[p] = rf
	}
}

// SetBudget renders with b instead of markdown.DefaultBudget.
func (ix *Indexer) SetBudget(b markdown.Budget) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.md = markdown.NewBudget(b)
}
