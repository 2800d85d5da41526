package markdown

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// linkRendererPriority beats goldmark's HTML renderer (1000) and the
// highlighting extension (200): lower priorities register last and win.
const linkRendererPriority = 100

// safeLinkRenderer drops links and images whose destination could run
// script, and otherwise hands the node to goldmark's own renderer.
//
// goldmark alone already blanks the href of javascript:, vbscript:, file: and
// data: (except data:image/{png,gif,jpeg,webp}) destinations, after resolving
// entities and backslash escapes. Its check is a plain prefix match, though:
// "%20javascript:", "%01javascript:" or "java&Tab;script:" get through
// percent-encoded. Browsers do not execute those today, but a blank href
// still renders a clickable link to the page itself, and a sanitizer or
// frontend that decodes URLs later would see "javascript:" again. So geul
// renders a rejected link as its text, a rejected image as its alt text, and
// rejects anything whose scheme reads as dangerous once decoded and stripped
// of whitespace and control characters.
//
// data: is rejected for links entirely, and for images except
// data:image/png, gif, jpeg and webp (never svg, which can carry script).
type safeLinkRenderer struct {
	// base is goldmark's own HTML renderer; delegating to it keeps the
	// output of safe links byte-identical to plain goldmark.
	base  renderer.NodeRenderer
	funcs map[ast.NodeKind]renderer.NodeRendererFunc
}

func newSafeLinkRenderer() *safeLinkRenderer {
	r := &safeLinkRenderer{base: html.NewRenderer(), funcs: map[ast.NodeKind]renderer.NodeRendererFunc{}}
	r.base.RegisterFuncs(funcCollector(r.funcs))
	return r
}

// funcCollector captures the render funcs goldmark's renderer registers so
// that safeLinkRenderer can call them for links it accepts.
type funcCollector map[ast.NodeKind]renderer.NodeRendererFunc

func (c funcCollector) Register(k ast.NodeKind, f renderer.NodeRendererFunc) { c[k] = f }

// SetOption forwards renderer options so the delegate is configured exactly
// like the renderer it stands in for (XHTML, writer, and so on).
func (r *safeLinkRenderer) SetOption(name renderer.OptionName, value any) {
	if so, ok := r.base.(renderer.SetOptioner); ok {
		so.SetOption(name, value)
	}
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *safeLinkRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, r.renderLink)
	reg.Register(ast.KindImage, r.renderImage)
	reg.Register(ast.KindAutoLink, r.renderAutoLink)
}

func (r *safeLinkRenderer) renderLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if unsafeURL(node.(*ast.Link).Destination, false) {
		// Children still render, so the link text stays readable.
		return ast.WalkContinue, nil
	}
	return r.funcs[ast.KindLink](w, src, node, entering)
}

func (r *safeLinkRenderer) renderImage(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !unsafeURL(node.(*ast.Image).Destination, true) {
		return r.funcs[ast.KindImage](w, src, node, entering)
	}
	if entering {
		writeAltText(w, src, node)
	}
	return ast.WalkSkipChildren, nil
}

func (r *safeLinkRenderer) renderAutoLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.AutoLink)
	if !unsafeURL(n.URL(src), false) {
		return r.funcs[ast.KindAutoLink](w, src, node, entering)
	}
	if entering {
		_, _ = w.Write(util.EscapeHTML(n.Label(src)))
	}
	return ast.WalkContinue, nil
}

// writeAltText writes what goldmark would have put in alt="…", as text.
func writeAltText(w util.BufWriter, src []byte, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			_, _ = w.Write(util.EscapeHTML(resolveText(c.Value(src))))
		case *ast.String:
			_, _ = w.Write(util.EscapeHTML(c.Value))
		default:
			writeAltText(w, src, c)
		}
	}
}

var (
	schemeJavascript = []byte("javascript")
	schemeVbscript   = []byte("vbscript")
	schemeFile       = []byte("file")
	schemeData       = []byte("data")
	safeImageTypes   = [][]byte{[]byte("image/png"), []byte("image/gif"), []byte("image/jpeg"), []byte("image/webp")}
)

// maxScheme bounds the scan: no dangerous scheme is longer than this, so a
// longer run of letters before ':' cannot be one.
const maxScheme = len("javascript")

// unsafeURL reports whether dest, as written in the markdown (entities and
// backslash escapes unresolved), names a dangerous scheme.
//
// It is deliberately paranoid: after resolving references it percent-decodes,
// skips everything before the first ASCII letter and ignores whitespace,
// control and non-ASCII characters inside the scheme. A relative link such
// as "./javascript:x" is rejected too; that is the price of not caring how a
// particular browser or URL parser reads the rest.
func unsafeURL(dest []byte, image bool) bool {
	if bytes.IndexByte(dest, ':') < 0 && bytes.IndexByte(dest, '&') < 0 && bytes.IndexByte(dest, '%') < 0 {
		// Without a colon, even an encoded one, there is no scheme at all:
		// the common case of relative links costs one scan.
		return false
	}
	dest = resolveText(dest)

	var scheme [maxScheme]byte
	n := 0
	for i := 0; i < len(dest); i++ {
		c := dest[i]
		if c == '%' && i+2 < len(dest) && util.IsHexDecimal(dest[i+1]) && util.IsHexDecimal(dest[i+2]) {
			c = unhex(dest[i+1])<<4 | unhex(dest[i+2])
			i += 2
		}
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			if n == maxScheme {
				return false
			}
			scheme[n] = c | 0x20
			n++
		case c == ':':
			if n == 0 {
				continue // leading junk: keep looking for the scheme
			}
			return dangerousScheme(scheme[:n], dest[i+1:], image)
		case c <= ' ' || c >= 0x7f:
			// Whitespace, control and non-ASCII bytes: URL parsers strip
			// some of them and decoders may drop others, so they neither
			// start nor end a scheme here.
		default:
			if n > 0 {
				return false // '/', '?', '#', digits...: the scheme ended without ':'
			}
		}
	}
	return false
}

func dangerousScheme(scheme, rest []byte, image bool) bool {
	switch {
	case bytes.Equal(scheme, schemeJavascript), bytes.Equal(scheme, schemeVbscript), bytes.Equal(scheme, schemeFile):
		return true
	case bytes.Equal(scheme, schemeData):
		if !image {
			return true
		}
		rest = bytes.TrimLeft(rest, " \t\r\n\f")
		for _, t := range safeImageTypes {
			if len(rest) > len(t) && bytes.EqualFold(rest[:len(t)], t) && (rest[len(t)] == ';' || rest[len(t)] == ',') {
				return false
			}
		}
		return true
	}
	return false
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// resolveText resolves backslash escapes and character references the way
// goldmark's renderer does before writing, without allocating when there are
// none.
func resolveText(v []byte) []byte {
	if bytes.IndexByte(v, '\\') >= 0 {
		v = util.UnescapePunctuations(v)
	}
	if bytes.IndexByte(v, '&') >= 0 {
		v = util.ResolveEntityNames(util.ResolveNumericReferences(v))
	}
	return v
}
