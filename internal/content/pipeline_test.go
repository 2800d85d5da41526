package content_test

import (
	"context"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/geul-dev/geul/internal/content"
)

// TestPipeline runs the indexer's sequence on a small tree with one bad file
// of each stage, and checks that the good posts all come through.
func TestPipeline(t *testing.T) {
	fsys := fstest.MapFS{
		"site.yaml":         file("languages: [ko, en]\n"),
		"cs/_category.yaml": file("name: {ko: 컴퓨터 공학, en: Computer Science}\n"),
		"cs/multiprocessing-and-multithreading-in-python.ko.md": file(examplePost),
		"cs/bundle/index.en.md":                                 file("---\ntitle: Bundle\ndate: 2025-01-01\n---\nhi\n"),
		"cs/bundle/diagram.png":                                 file("png"),
		"cs/broken.ko.md":                                       file("---\ntitle: [\n---\n"),
		"cs/Bad_Name.ko.md":                                     file(goodPost),
		"cs/no-date.ko.md":                                      file("---\ntitle: x\n---\n"),
		"life/hello.en.md":                                      file(goodPost),
		"life/hello/index.en.md":                                file(goodPost),
	}
	ctx := context.Background()
	siteData, err := content.ReadFile(fsys, content.SiteFile)
	if err != nil {
		t.Fatal(err)
	}
	site, err := content.ParseSite(siteData)
	if err != nil {
		t.Fatal(err)
	}
	entries, problems, err := content.Scan(ctx, fsys, site)
	if err != nil {
		t.Fatal(err)
	}
	var files []*content.File
	for _, e := range entries {
		data, err := content.ReadFile(fsys, e.Path)
		if err != nil {
			t.Fatal(err)
		}
		switch e.Kind {
		case content.KindCategory:
			if _, err := content.ParseCategory(e.Path, data); err != nil {
				t.Error(err)
			}
		case content.KindPost:
			f, err := content.ParseFile(e.Path, data)
			if err != nil {
				problems = append(problems, err.(*content.Error))
				continue
			}
			files = append(files, f)
		}
	}
	posts, errs := content.Assemble(site, files)
	problems = append(problems, errs...)

	var ids []string
	for _, p := range posts {
		ids = append(ids, p.ID())
	}
	wantIDs := []string{"cs/bundle", "cs/multiprocessing-and-multithreading-in-python", "life/hello"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("posts = %v, want %v", ids, wantIDs)
	}
	var got []string
	for _, e := range problems {
		got = append(got, e.Error())
	}
	want := []string{
		`cs/Bad_Name.ko.md: bad slug "Bad_Name": only lower-case ASCII letters, digits and "-" are allowed`,
		`cs/broken.ko.md:2: bad YAML: did not find expected node content`,
		`cs/no-date.ko.md:1: missing date: no file of post cs/no-date has one`,
		`life/hello/index.en.md: duplicate slug: life/hello in language en is already defined by life/hello.en.md`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%q\nwant:\n%q", got, want)
	}
}
