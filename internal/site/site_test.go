package site_test

import (
	"testing"

	"golang.org/x/text/language"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
)

func TestSnapshot(t *testing.T) {
	langs := []string{"en", "ko"}
	s := site.New(7, content.Site{Languages: langs}, nil)
	langs[0] = "fr" // the snapshot keeps its own copy
	if s.Default() != "en" || s.Generation() != 7 {
		t.Fatalf("default %q, generation %d", s.Default(), s.Generation())
	}
	if lang, _, conf := s.Match(language.MustParse("ko-KR")); lang != "ko" || conf == language.No {
		t.Errorf("ko-KR matched %q (%v)", lang, conf)
	}
	if got := site.New(0, content.Site{}, nil).Languages(); len(got) != 2 || got[0] != "ko" {
		t.Errorf("no languages: got %q, want content's defaults", got)
	}
}
