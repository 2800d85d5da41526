package markdown

import (
	"bytes"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// BundleLink is where a file beside a post is served, and its pixel size
// when it is an image whose size is known (0 otherwise).
type BundleLink struct {
	URL           string
	Width, Height int
}

// MissingRef is a relative reference to a file that is not in the bundle.
type MissingRef struct {
	// Ref is the attribute's value (one candidate's URL for srcset) as the
	// rendered HTML has it; Name is the file it names, decoded.
	Ref, Name string
}

// linkAttrs are the attributes whose URL can name a file beside the post.
var linkAttrs = map[string]bool{"src": true, "href": true, "srcset": true, "poster": true}

// RelinkBundle rewrites the relative URLs of rendered HTML (src, href,
// poster, and each candidate of srcset) that name a file of the post's
// bundle to lookup's URL, keeping their ?query and #fragment, and gives an
// <img> of a known size its width and height when it has neither. "x.png",
// "./x.png" and "my%20x.png" name files; URLs with a scheme, "//host",
// "/abs", "#frag" or "?q" alone, and any that leave the bundle ("../x") are
// not relative to it and are left alone.
//
// It returns the references that name no file: every src, srcset and poster,
// and hrefs that look like a file (an extension other than .md or .html), so
// that a link to another page ("../other-post") is not reported. Tags that
// change are written again from their parsed attributes; every other byte of
// html is kept as it was. html is returned as is when nothing changes.
func RelinkBundle(src string, lookup func(name string) (BundleLink, bool)) (string, []MissingRef) {
	if !mayLinkLocally(src) {
		return src, nil
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var out bytes.Buffer
	var missing []MissingRef
	changed := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		// Token lower-cases the tag in place: the bytes as written first.
		raw := bytes.Clone(z.Raw())
		tok := z.Token()
		if !relinkTag(&tok, lookup, &missing) {
			out.Write(raw)
			continue
		}
		changed = true
		writeTag(&out, tok, tt == html.SelfClosingTagToken)
	}
	if !changed {
		return src, missing
	}
	return out.String(), missing
}

// mayLinkLocally reports whether html may hold a URL relative to the post's
// folder, by a scan of its bytes for link attributes: most posts link only
// to other sites, and tokenizing their html (every highlighted token is a
// tag) cost as much as a fifth of rendering them. It errs towards true: any
// srcset, and any value that does not plainly start with a scheme, "/", "#"
// or "?", sends the html through the tokenizer.
func mayLinkLocally(html string) bool {
	// One pass over the '=' signs, each checked for a link attribute's name
	// before it: lower-casing the html first copied all of it whenever code
	// held a capital (most posts), which cost more than the scan.
	for i := 0; ; i++ {
		j := strings.IndexByte(html[i:], '=')
		if j < 0 {
			return false
		}
		i += j
		name := strings.TrimRight(html[:i], spaces)
		k := len(name)
		for k > 0 && k > len(name)-maxLinkAttr && isLetter(name[k-1]) {
			k--
		}
		var lower [maxLinkAttr]byte
		n := copy(lower[:], name[k:])
		for m := range n {
			lower[m] |= 0x20
		}
		switch attr := string(lower[:n]); {
		case !linkAttrs[attr]:
		case attr == "srcset", !plainlyAbsolute(strings.TrimLeft(html[i+1:], spaces)):
			return true
		}
	}
}

// maxLinkAttr is the length of the longest name in linkAttrs: a longer run
// of letters before "=" is read by its end, which errs towards true.
const maxLinkAttr = len("srcset")

// spaces are the characters HTML allows around an attribute's "=".
const spaces = " \t\n\f\r"

func isLetter(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z'
}

// plainlyAbsolute reports whether an attribute value (at the start of v,
// quoted or not) starts with a URL scheme (in any case), "/", "#" or "?".
func plainlyAbsolute(v string) bool {
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	if strings.IndexByte("/#?", v[0]) >= 0 {
		return true
	}
	for i := range len(v) {
		switch c := v[i]; {
		case c == ':':
			return i > 0
		case isLetter(c), i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}

// relinkTag rewrites tok's bundle references and reports whether it changed.
func relinkTag(tok *html.Token, lookup func(string) (BundleLink, bool), missing *[]MissingRef) bool {
	changed := false
	var img BundleLink
	hasSize := false
	for i := range tok.Attr {
		a := &tok.Attr[i]
		if a.Namespace != "" {
			continue
		}
		if a.Key == "width" || a.Key == "height" {
			hasSize = true
		}
		if !linkAttrs[a.Key] {
			continue
		}
		if a.Key == "srcset" {
			if v, ok := relinkSrcset(a.Val, lookup, missing); ok {
				a.Val, changed = v, true
			}
			continue
		}
		name, suffix, ok := localName(a.Val)
		if !ok {
			continue
		}
		link, found := lookup(name)
		if !found {
			if a.Key != "href" || looksLikeFile(name) {
				*missing = append(*missing, MissingRef{Ref: strings.TrimSpace(a.Val), Name: name})
			}
			continue
		}
		a.Val, changed = link.URL+suffix, true
		if a.Key == "src" {
			img = link
		}
	}
	if tok.Data == "img" && !hasSize && img.Width > 0 && img.Height > 0 {
		tok.Attr = append(tok.Attr,
			html.Attribute{Key: "width", Val: strconv.Itoa(img.Width)},
			html.Attribute{Key: "height", Val: strconv.Itoa(img.Height)})
		changed = true
	}
	return changed
}

// relinkSrcset rewrites each candidate ("url [descriptor]") of a srcset.
func relinkSrcset(v string, lookup func(string) (BundleLink, bool), missing *[]MissingRef) (string, bool) {
	cands := strings.Split(v, ",")
	changed := false
	for i, c := range cands {
		fields := strings.Fields(c)
		if len(fields) == 0 {
			continue
		}
		name, suffix, ok := localName(fields[0])
		if !ok {
			continue
		}
		link, found := lookup(name)
		if !found {
			*missing = append(*missing, MissingRef{Ref: fields[0], Name: name})
			continue
		}
		fields[0] = link.URL + suffix
		cands[i] = strings.Join(fields, " ")
		if i > 0 {
			cands[i] = " " + cands[i]
		}
		changed = true
	}
	return strings.Join(cands, ","), changed
}

// localName returns the bundle file a URL names, decoded and cleaned, and the
// ?query or #fragment that follows it; ok is false for a URL that is not
// relative to the post's folder.
func localName(v string) (name, suffix string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v[:1], "#?/\\") {
		return "", "", false
	}
	if u, err := url.Parse(v); err != nil || u.Scheme != "" || u.Opaque != "" {
		return "", "", false
	}
	p := v
	if i := strings.IndexAny(v, "?#"); i >= 0 {
		p, suffix = v[:i], v[i:]
	}
	decoded, err := url.PathUnescape(p)
	if err != nil || decoded == "" || strings.ContainsAny(decoded, "\\\x00") {
		return "", "", false
	}
	name = path.Clean(decoded)
	if name == "." || name == ".." || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") {
		return "", "", false
	}
	return name, suffix, true
}

// looksLikeFile reports whether a link target reads as a file rather than a
// page: it has an extension, and not that of a page.
func looksLikeFile(name string) bool {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case "", ".md", ".html", ".htm":
		return false
	}
	return true
}

// writeTag writes a start tag from its parsed form.
func writeTag(out *bytes.Buffer, tok html.Token, selfClosing bool) {
	out.WriteByte('<')
	out.WriteString(tok.Data)
	for _, a := range tok.Attr {
		out.WriteByte(' ')
		if a.Namespace != "" {
			out.WriteString(a.Namespace)
			out.WriteByte(':')
		}
		out.WriteString(a.Key)
		out.WriteString(`="`)
		out.WriteString(html.EscapeString(a.Val))
		out.WriteByte('"')
	}
	if selfClosing {
		out.WriteString(" /")
	}
	out.WriteByte('>')
}

// BundleURL is the URL path of a bundle file: /posts/{category}/{slug}/{name},
// each segment of name escaped.
func BundleURL(base, postID, name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + "/posts/" + postID + "/" + strings.Join(segs, "/")
}
