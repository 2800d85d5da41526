package corpus_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/geul-dev/geul/internal/corpus"
)

// treeHash hashes every file under dir, names and bytes, in sorted order.
func treeHash(t *testing.T, dir string) (sum string, files map[string][]byte) {
	t.Helper()
	files = map[string][]byte{}
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[rel] = data
		names = append(names, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(files[n])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), files
}

func generate(t *testing.T, o corpus.Options) (string, corpus.Stats) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	st, err := corpus.Generate(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func TestDeterministic(t *testing.T) {
	o := corpus.Options{Posts: 80, Seed: 7, DraftEvery: 5, BundleEvery: 6}
	d1, s1 := generate(t, o)
	d2, s2 := generate(t, o)
	h1, f1 := treeHash(t, d1)
	h2, _ := treeHash(t, d2)
	if h1 != h2 {
		t.Fatalf("same options, different trees: %s vs %s", h1, h2)
	}
	if s1 != s2 {
		t.Fatalf("same options, different stats: %+v vs %+v", s1, s2)
	}
	// Langs given explicitly as the default is the same corpus.
	o.Langs = []string{"ko", "en"}
	o.Categories = 8
	d3, _ := generate(t, o)
	if h3, _ := treeHash(t, d3); h3 != h1 {
		t.Fatal("explicit defaults changed the corpus")
	}

	// A different seed changes (nearly) every post file.
	o.Seed = 8
	d4, _ := generate(t, o)
	h4, f4 := treeHash(t, d4)
	if h4 == h1 {
		t.Fatal("different seeds, same tree")
	}
	same := 0
	for name, data := range f4 {
		if strings.HasSuffix(name, ".md") && bytes.Equal(f1[name], data) {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("%d post files identical across seeds", same)
	}
}

// A post does not depend on how many posts the corpus has.
func TestPrefixStable(t *testing.T) {
	small := corpus.Options{Posts: 5, Seed: 3, DraftEvery: 4, BundleEvery: 3}
	big := small
	big.Posts = 5000
	for i := range 5 {
		for _, lang := range []string{"ko", "en"} {
			p1, d1 := corpus.File(small, i, lang)
			p2, d2 := corpus.File(big, i, lang)
			if p1 != p2 || !bytes.Equal(d1, d2) {
				t.Fatalf("post %d %s depends on Posts", i, lang)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	o := corpus.Options{Posts: 1000, Seed: 11}
	var lo, hi int
	for i := 0; i < o.Posts; i += 3 {
		for _, lang := range []string{"ko", "en"} {
			_, d := corpus.File(o, i, lang)
			if len(d) < 6*1024 || len(d) > 14*1024 {
				t.Errorf("post %d %s: %d bytes, want 6-14 KiB", i, lang, len(d))
			}
			if len(d) < 9*1024 {
				lo++
			} else if len(d) > 11*1024 {
				hi++
			}
		}
	}
	if lo < 50 || hi < 50 {
		t.Errorf("sizes do not vary: %d small, %d large", lo, hi)
	}
}

var (
	slugRe  = regexp.MustCompile(`^([a-z0-9-]+)/([a-z0-9-]+)(?:\.(ko|en)\.md|/index\.(ko|en)\.md)$`)
	dateRe  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	fenceRe = regexp.MustCompile("(?m)^```")
)

type frontMatter struct {
	Title       any            `yaml:"title"`
	Description any            `yaml:"description"`
	Date        string         `yaml:"date"`
	Updated     string         `yaml:"updated"`
	Tags        []string       `yaml:"tags"`
	Draft       *bool          `yaml:"draft"`
	Extra       map[string]any `yaml:",inline"`
}

// split returns the front matter and body of a post file.
func split(t *testing.T, name string, data []byte) (frontMatter, string) {
	t.Helper()
	s := string(data)
	if !strings.HasPrefix(s, "---\n") {
		t.Fatalf("%s: no opening ---", name)
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		t.Fatalf("%s: no closing ---", name)
	}
	var fm frontMatter
	if err := yaml.Unmarshal([]byte(s[4:4+end+1]), &fm); err != nil {
		t.Fatalf("%s: front matter: %v", name, err)
	}
	return fm, s[4+end+5:]
}

func parseDate(t *testing.T, name, s string) time.Time {
	t.Helper()
	if !dateRe.MatchString(s) {
		t.Fatalf("%s: date %q", name, s)
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if d.Year() < 2019 || d.Year() > 2026 {
		t.Fatalf("%s: date %s outside 2019-2026", name, s)
	}
	return d
}

func TestContent(t *testing.T) {
	o := corpus.Options{Posts: 240, Seed: 5, Categories: 10, DraftEvery: 7, BundleEvery: 9}
	dir, st := generate(t, o)
	_, files := treeHash(t, dir)

	var (
		posts            = map[string]int{} // category/slug -> files
		titleMaps, extra int
		updated          int
		tags             = map[string]bool{}
	)
	for name, data := range files {
		if strings.HasSuffix(name, "/_category.yaml") {
			var c struct {
				Name        map[string]string `yaml:"name"`
				Description map[string]string `yaml:"description"`
				Order       int               `yaml:"order"`
			}
			if err := yaml.Unmarshal(data, &c); err != nil || c.Name["ko"] == "" || c.Name["en"] == "" || c.Description["en"] == "" || c.Order < 1 {
				t.Errorf("%s: %v %+v", name, err, c)
			}
			continue
		}
		m := slugRe.FindStringSubmatch(name)
		if m == nil {
			t.Fatalf("unexpected file %s", name)
		}
		posts[m[1]+"/"+m[2]]++
		lang := m[3] + m[4]
		fm, body := split(t, name, data)
		if !strings.HasPrefix(body, "\n## ") {
			t.Errorf("%s: body does not start with a blank line and a heading", name)
		}
		d := parseDate(t, name, fm.Date)
		if fm.Updated != "" {
			updated++
			if !parseDate(t, name, fm.Updated).After(d) {
				t.Errorf("%s: updated %s not after date %s", name, fm.Updated, fm.Date)
			}
		}
		switch title := fm.Title.(type) {
		case string:
			if title == "" {
				t.Errorf("%s: empty title", name)
			}
		case map[string]any:
			titleMaps++
			if lang != "ko" || title["ko"] == nil || title["en"] == nil {
				t.Errorf("%s: title map %v", name, title)
			}
			if _, ok := fm.Description.(map[string]any); !ok {
				t.Errorf("%s: title map without description map", name)
			}
		default:
			t.Errorf("%s: title %T", name, fm.Title)
		}
		if fm.Description == nil {
			t.Errorf("%s: no description", name)
		}
		if n := len(fm.Tags); n < 1 || n > 4 {
			t.Errorf("%s: %d tags", name, n)
		}
		for _, tag := range fm.Tags {
			tags[tag] = true
		}
		if len(fm.Extra) > 0 {
			extra++
		}
		fences := len(fenceRe.FindAllString(body, -1))
		if fences%2 != 0 || fences < 2 || fences > 6 {
			t.Errorf("%s: %d fence lines", name, fences)
		}
		if !strings.Contains(body, "\n| --- |") && !strings.Contains(body, "\n| ---: |") {
			t.Errorf("%s: no table", name)
		}
		korean := strings.Contains(body, "니다.")
		if korean != (lang == "ko") {
			t.Errorf("%s: Korean text %v in a %s file", name, korean, lang)
		}
	}
	if len(posts) != o.Posts || st.Posts != o.Posts {
		t.Fatalf("%d posts on disk, stats %d, want %d", len(posts), st.Posts, o.Posts)
	}
	for p, n := range posts {
		if n != 2 {
			t.Errorf("%s has %d files", p, n)
		}
	}
	if titleMaps == 0 || extra == 0 || updated == 0 || len(tags) < 20 {
		t.Errorf("too little variety: %d title maps, %d extra keys, %d updated, %d tags", titleMaps, extra, updated, len(tags))
	}
	cats, _ := filepath.Glob(filepath.Join(dir, "*", "_category.yaml"))
	if len(cats) != o.Categories {
		t.Errorf("%d categories, want %d", len(cats), o.Categories)
	}
}

// With fewer posts than days in 2019-2026, every post has its own date.
func TestDatesDistinct(t *testing.T) {
	o := corpus.Options{Posts: 500, Seed: 9}
	seen := map[string]int{}
	for i := range o.Posts {
		name, d := corpus.File(o, i, "en")
		fm, _ := split(t, name, d)
		parseDate(t, name, fm.Date)
		if j, ok := seen[fm.Date]; ok {
			t.Fatalf("posts %d and %d share %s", j, i, fm.Date)
		}
		seen[fm.Date] = i
		_, ko := corpus.File(o, i, "ko")
		if !bytes.Contains(ko, []byte("\ndate: "+fm.Date+"\n")) {
			t.Fatalf("post %d: ko and en dates differ", i)
		}
	}
}

func TestStats(t *testing.T) {
	o := corpus.Options{Posts: 37, Seed: 2, Langs: []string{"en", "ko", "ja"}, BundleEvery: 4}
	dir, st := generate(t, o)
	_, files := treeHash(t, dir)
	var n int
	var size int64
	for name, data := range files {
		if strings.HasSuffix(name, ".md") {
			n++
			size += int64(len(data))
		}
	}
	want := corpus.Stats{Files: 37 * 3, Posts: 37, Bytes: size}
	if st != want || n != want.Files {
		t.Fatalf("stats %+v, %d files on disk; want %+v", st, n, want)
	}
	if got := string(files["site.yaml"]); got != "languages: [en, ko, ja]\n" {
		t.Errorf("site.yaml = %q", got)
	}

	_, st = generate(t, corpus.Options{})
	if st != (corpus.Stats{}) {
		t.Errorf("empty corpus: %+v", st)
	}
}

func TestDraftAndBundle(t *testing.T) {
	o := corpus.Options{Posts: 100, Seed: 4, DraftEvery: 10, BundleEvery: 25}
	dir, _ := generate(t, o)
	_, files := treeHash(t, dir)
	drafts, bundles := 0, 0
	for name, data := range files {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		fm, _ := split(t, name, data)
		if fm.Draft != nil && *fm.Draft {
			drafts++
		}
		if strings.Contains(name, "/index.") {
			bundles++
		}
	}
	if drafts != 10*2 || bundles != 4*2 {
		t.Fatalf("%d draft files, %d bundle files; want 20 and 8", drafts, bundles)
	}
	for i := range o.Posts {
		path, data := corpus.File(o, i, "ko")
		isDraft := bytes.Contains(data, []byte("\ndraft: true\n"))
		isBundle := strings.HasSuffix(path, "/index.ko.md")
		if isDraft != ((i+1)%10 == 0) || isBundle != ((i+1)%25 == 0) {
			t.Errorf("post %d: draft %v, bundle %v", i, isDraft, isBundle)
		}
	}

	o.DraftEvery, o.BundleEvery = 0, 0
	for i := range o.Posts {
		path, data := corpus.File(o, i, "en")
		if bytes.Contains(data, []byte("\ndraft: true\n")) || strings.Contains(path, "/index.") {
			t.Fatalf("post %d is a draft or bundle with DraftEvery and BundleEvery 0", i)
		}
	}
}

func TestFileMatchesGenerate(t *testing.T) {
	o := corpus.Options{Posts: 50, Seed: 12, DraftEvery: 3, BundleEvery: 5}
	dir, _ := generate(t, o)
	_, files := treeHash(t, dir)
	seen := 0
	for i := range o.Posts {
		for _, lang := range []string{"ko", "en"} {
			path, data := corpus.File(o, i, lang)
			if !bytes.Equal(files[path], data) {
				t.Fatalf("File(%d, %s) = %s differs from what Generate wrote", i, lang, path)
			}
			seen++
		}
	}
	if md := len(files) - 8; seen != md {
		t.Fatalf("File covers %d files, Generate wrote %d", seen, md)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []corpus.Options{
		{Posts: -1},
		{Posts: 1, Langs: []string{"ko", "ko"}},
		{Posts: 1, Langs: []string{"KO"}},
		{Posts: 1, Langs: []string{""}},
		{Posts: 1, DraftEvery: -2},
	} {
		if _, err := corpus.Generate(t.TempDir(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := corpus.Options{Posts: 1000, Seed: 1, DraftEvery: 50, BundleEvery: 20}
	var st corpus.Stats
	for b.Loop() {
		var err error
		st, err = corpus.Generate(b.TempDir(), o)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(st.Bytes)
	b.ReportMetric(float64(st.Files), "files/op")
}

func BenchmarkFile(b *testing.B) {
	o := corpus.Options{Posts: 1000, Seed: 1}
	var n int64
	i := 0
	for b.Loop() {
		_, d := corpus.File(o, i%1000, "ko")
		n += int64(len(d))
		i++
	}
	b.SetBytes(n / int64(i))
}

func TestHostileIsDeterministic(t *testing.T) {
	a, b := corpus.Hostile(), corpus.Hostile()
	if len(a) != 6 {
		t.Fatalf("%d hostile files, want 6", len(a))
	}
	for name, data := range a {
		if string(b[name]) != string(data) {
			t.Errorf("%s differs between calls", name)
		}
	}
}

// A light corpus's files have exactly two code blocks of 10 to 25 lines
// each, one table, and the sizes of the present corpus.
func TestLight(t *testing.T) {
	opts := corpus.Options{Posts: 40, Seed: 7, Light: true}
	for i := range opts.Posts {
		for _, lang := range []string{"ko", "en"} {
			path, data := corpus.File(opts, i, lang)
			if n := len(data); n < 6*1024 || n > 14*1024+1024 {
				t.Errorf("%s: %d bytes", path, n)
			}
			var blocks []int
			in := false
			tables := 0
			for _, l := range strings.Split(string(data), "\n") {
				switch {
				case strings.HasPrefix(l, "```"):
					if in {
						in = false
					} else {
						in = true
						blocks = append(blocks, 0)
					}
				case in:
					blocks[len(blocks)-1]++
				case strings.HasPrefix(l, "| ---") || strings.HasPrefix(l, "| :--") || strings.HasPrefix(l, "| ---:"):
					tables++
				}
			}
			if len(blocks) != 2 || tables != 1 {
				t.Errorf("%s: code blocks of %v lines, %d tables; want 2 blocks, 1 table", path, blocks, tables)
			}
			for _, n := range blocks {
				if n < 10 || n > 25 {
					t.Errorf("%s: a code block of %d lines", path, n)
				}
			}
		}
	}
}
