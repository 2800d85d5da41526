package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/geul-dev/geul/api"
)

// langRoutes are the routes that take lang, each as a path and its other
// query parameters.
var langRoutes = []string{
	"/posts/cs/post-00?", "/posts?", "/categories?", "/categories/cs?", "/tags/alpha?",
	"/search?q=text&", "/feed.xml?", "/atom.xml?", "/feed.json?",
}

// TestLangTags: lang is a language tag as clients send it, the same on every
// route that takes it.
func TestLangTags(t *testing.T) {
	e := newListEnv(t)
	for _, tc := range []struct {
		lang   string
		status int
		want   string // Content-Language of a 200; a part of the detail of a 400
	}{
		{"en", 200, "en"},
		{"en-US", 200, "en"},
		{"EN", 200, "en"},
		{"en-gb", 200, "en"},
		{"ko-KR", 200, "ko"},
		{"KO", 200, "ko"},
		{"", 200, "ko"}, // empty is absent: the default
		{"fr", 400, "this site has ko, en"},
		{"zh-Hant", 400, "this site has ko, en"},
		{"und", 400, "this site has ko, en"},
		{"i-klingon", 400, "this site has ko, en"}, // the matcher's guess is en
		{"en-", 400, "malformed lang"},
		{"en US", 400, "malformed lang"},
		{"12345", 400, "malformed lang"},
		{strings.Repeat("en-", 40) + "x", 400, "malformed lang"},
	} {
		for _, route := range langRoutes {
			target := route + "lang=" + url.QueryEscape(tc.lang)
			resp, body := e.request(t, http.MethodGet, target)
			if resp.StatusCode != tc.status {
				t.Errorf("GET %s: status %d, want %d: %.200s", target, resp.StatusCode, tc.status, body)
				continue
			}
			if tc.status == 200 {
				if got := resp.Header.Get("Content-Language"); got != tc.want {
					t.Errorf("GET %s: Content-Language %q, want %q", target, got, tc.want)
				}
				continue
			}
			var p api.Problem
			if err := json.Unmarshal(body, &p); err != nil || !strings.Contains(p.Detail, tc.want) {
				t.Errorf("GET %s: problem %q (%v), want a detail with %q", target, body, err, tc.want)
			}
		}
	}
}

// TestCategoriesInLanguage: a category carries its name and description in
// the language asked for, by lang or Accept-Language.
func TestCategoriesInLanguage(t *testing.T) {
	e := newListEnv(t)
	for _, tc := range []struct {
		target, acceptLanguage string
		name, desc             string
	}{
		{"/categories?lang=en-US", "", "Category cs", "About cs"},
		{"/categories?lang=ko", "en", "분류 cs", "설명 cs"},
		{"/categories", "en-GB,en;q=0.9", "Category cs", "About cs"},
		{"/categories", "", "분류 cs", "설명 cs"},
	} {
		_, body := e.ok(t, tc.target, "Accept-Language", tc.acceptLanguage)
		var cs api.CategoriesResponse
		if err := json.Unmarshal(body, &cs); err != nil {
			t.Fatal(err)
		}
		for _, c := range cs.Categories {
			if c.Slug == "cs" && (c.LocalName != tc.name || c.LocalDescription != tc.desc) {
				t.Errorf("%s (Accept-Language %q): cs is %q, %q; want %q, %q", tc.target, tc.acceptLanguage, c.LocalName, c.LocalDescription, tc.name, tc.desc)
			}
		}
	}
	_, body := e.ok(t, "/categories/cs?lang=EN")
	if one := listDecode[api.CategoryResponse](t, body); one.Category.LocalName != "Category cs" {
		t.Errorf("/categories/cs?lang=EN: localName %q", one.Category.LocalName)
	}
}
