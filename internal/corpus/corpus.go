// Package corpus generates a deterministic, realistic bilingual
// (Korean/English) technical-blog content folder in the format of
// shared/CONTENT.md, for tests and benchmarks.
//
// Every post has one file per language of 6 to 14 KiB: front matter (title,
// description, date, sometimes updated, tags, now and then a draft flag or an
// unknown key such as series), then a markdown body of headings, Korean or
// English paragraphs, lists, inline code, links, a GFM table, one to three
// fenced code blocks (python, go, javascript, bash or sql; about a quarter
// of the bytes), and occasionally a blockquote and a footnote. Options.Light
// makes a typical blog's bodies instead: two short code blocks and one table.
//
// Output depends only on Options: the same options give the same bytes on
// every run, machine and Go release (randomness comes from a PCG seeded from
// Options.Seed and the post number, and nothing iterates a map). A post's
// files depend on the seed, its number, DraftEvery, BundleEvery and
// Categories, not on Posts, so corpora of different sizes share their
// first posts.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// Options say what to generate. The zero value of each field but Posts and
// Seed means its default.
type Options struct {
	Posts       int      // number of posts
	Seed        int64    // same seed, same bytes
	Langs       []string // default ["ko", "en"]: every post gets one file per language
	Categories  int      // number of categories, default 8 (cs, go, python, database, devops, web, ml, essay); past 16 named category-N
	DraftEvery  int      // every Nth post (N, 2N, ... counting from 1) is a draft; 0: none
	BundleEvery int      // every Nth post is a bundle <slug>/index.<lang>.md; 0: none
	// Light makes the bodies of a typical blog rather than a code-heavy one:
	// exactly two code blocks of 10 to 25 lines and one table, the rest
	// prose and lists, at the same file sizes. Posts with Light differ from
	// those without from their first code block on.
	Light bool
}

// Stats count what Generate wrote. Files and Bytes count post files only;
// the _category.yaml files (and site.yaml, written when Langs is not the
// default) are not included.
type Stats struct {
	Files int   // post files written: Posts × len(Langs)
	Posts int   // posts written
	Bytes int64 // total size of the post files
}

// normalize fills in defaults.
func (o Options) normalize() Options {
	if len(o.Langs) == 0 {
		o.Langs = []string{"ko", "en"}
	}
	if o.Categories <= 0 {
		o.Categories = 8
	}
	return o
}

func (o *Options) validate() error {
	if o.Posts < 0 {
		return fmt.Errorf("corpus: negative Posts %d", o.Posts)
	}
	if o.DraftEvery < 0 || o.BundleEvery < 0 {
		return errors.New("corpus: negative DraftEvery or BundleEvery")
	}
	for k, l := range o.Langs {
		if !validLang(l) {
			return fmt.Errorf("corpus: bad language %q", l)
		}
		if slices.Contains(o.Langs[:k], l) {
			return fmt.Errorf("corpus: duplicate language %q", l)
		}
	}
	return nil
}

func validLang(l string) bool {
	if l == "" {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

// File returns the path of post i's file in lang, relative to the corpus
// folder and slash-separated, and the bytes Generate writes there, without
// touching disk. i counts from 0. A lang other than "ko" gets English text.
func File(opts Options, i int, lang string) (path string, data []byte) {
	o := opts.normalize()
	p := newPost(&o, i)
	return p.path(lang), render(nil, &o, p, lang)
}

// Generate writes the corpus under dir, creating it if needed: one
// _category.yaml per category, site.yaml when Langs is not the default, and
// the post files. Files already there are overwritten or left alone, never
// removed. Posts are rendered and written by GOMAXPROCS workers; on the first
// error Generate stops and returns it with the Stats of what was written.
func Generate(dir string, opts Options) (Stats, error) {
	o := opts.normalize()
	if err := o.validate(); err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, err
	}
	for k := 0; k < o.Categories; k++ {
		c := catOf(k)
		if err := os.MkdirAll(filepath.Join(dir, c.slug), 0o755); err != nil {
			return Stats{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, c.slug, "_category.yaml"), categoryYAML(c, k), 0o644); err != nil {
			return Stats{}, err
		}
	}
	if !slices.Equal(o.Langs, []string{"ko", "en"}) {
		if err := os.WriteFile(filepath.Join(dir, "site.yaml"), siteYAML(o.Langs), 0o644); err != nil {
			return Stats{}, err
		}
	}

	var (
		next   atomic.Int64
		failed atomic.Bool
		mu     sync.Mutex
		stats  = Stats{Posts: o.Posts}
		first  error
		wg     sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), max(o.Posts, 1))
	for range workers {
		wg.Go(func() {
			var buf []byte
			var files int
			var bytes int64
			var err error
		loop:
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= o.Posts {
					break
				}
				p := newPost(&o, i)
				if p.bundle {
					if err = os.MkdirAll(filepath.Join(dir, catOf(p.cat).slug, p.slug), 0o755); err != nil {
						break
					}
				}
				for _, lang := range o.Langs {
					buf = render(buf[:0], &o, p, lang)
					if err = os.WriteFile(filepath.Join(dir, filepath.FromSlash(p.path(lang))), buf, 0o644); err != nil {
						break loop
					}
					files++
					bytes += int64(len(buf))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			stats.Files += files
			stats.Bytes += bytes
			if err != nil {
				failed.Store(true)
				if first == nil {
					first = err
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return stats, first
	}
	return stats, nil
}

// categoryYAML is the _category.yaml of category c at position k.
func categoryYAML(c category, k int) []byte {
	b := yamlKoEn(nil, "name", c.nameKo, c.nameEn)
	b = yamlKoEn(b, "description", c.descKo, c.descEn)
	b = append(b, "order: "...)
	b = strconv.AppendInt(b, int64(k+1), 10)
	return append(b, '\n')
}

// siteYAML lists the languages, the first being the default.
func siteYAML(langs []string) []byte {
	b := []byte("languages: [")
	for k, l := range langs {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = append(b, l...)
	}
	return append(b, "]\n"...)
}

// yamlKoEn appends key's line and its Korean and English strings as a map.
func yamlKoEn(b []byte, key, ko, en string) []byte {
	b = append(b, key...)
	b = append(b, ":\n  ko: "...)
	b = yamlString(b, ko)
	b = append(b, "\n  en: "...)
	b = yamlString(b, en)
	return append(b, '\n')
}

// yamlField appends the line "key: s", s quoted where YAML needs it.
func yamlField(b []byte, key, s string) []byte {
	b = append(b, key...)
	b = append(b, ": "...)
	b = yamlString(b, s)
	return append(b, '\n')
}
