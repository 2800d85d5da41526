package importer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/geul-dev/geul/internal/importer"
)

const seedPath = "testdata/original-page-payload.txt"

func readSeed(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// seedBody cuts the body out of the seed by hand, independently of Parse: the
// 10130 bytes after the text row header "e:T2792,".
func seedBody(t testing.TB, data []byte) string {
	t.Helper()
	const header = "e:T2792,"
	i := bytes.Index(data, []byte(header))
	if i < 0 {
		t.Fatalf("seed has no %q", header)
	}
	start := i + len(header)
	if start+0x2792 > len(data) {
		t.Fatalf("seed is shorter than its text row")
	}
	return string(data[start : start+0x2792])
}

// seedPost is the post object as CONTENT.md describes it, in its key order.
func seedPost(t testing.TB, body string) []byte {
	t.Helper()
	content, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{
  "slug": "cs/multiprocessing-and-multithreading-in-python",
  "categorySlug": "cs",
  "title": {"ko": "파이썬에서의 멀티 프로세싱과 멀티 스레딩", "en": "Multiprocessing and Multithreading in Python"},
  "date": "2025-02-21",
  "category": {"ko": "컴퓨터 공학", "en": "Computer Science"},
  "description": {"ko": "멀티 프로세싱과 멀티 스레딩의 파이썬에서의 동작 원리", "en": "How Multiprocessing and Multithreading Work in Python"},
  "content": ` + string(content) + `
}`)
}

// tokens flattens a JSON document into its token stream, so that comparing two
// streams compares key order too, which decoding into a map would lose.
func tokens(t testing.TB, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("token stream of %.80q: %v", data, err)
		}
		out = append(out, fmt.Sprintf("%T:%v", tok, tok))
	}
}

func TestPostSeed(t *testing.T) {
	data := readSeed(t)
	body := seedBody(t, data)
	p, err := importer.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Post()
	if err != nil {
		t.Fatal(err)
	}
	want := seedPost(t, body)

	var gotV, wantV any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatalf("Post() is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotV, wantV) {
		t.Errorf("Post() decoded:\ngot  %.300v\nwant %.300v", gotV, wantV)
	}
	if g, w := tokens(t, got), tokens(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("Post() token stream (key order):\ngot  %.300q\nwant %.300q", g, w)
	}

	var post struct{ Content string }
	if err := json.Unmarshal(got, &post); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"len(content)", len(post.Content), 10130},
		{"content == text row", post.Content == body, true},
		{"content prefix", strings.HasPrefix(post.Content, "\n## 개요"), true},
		{"content suffix", strings.HasSuffix(post.Content, "실행할 수 있습니다.\n"), true},
		{"len(Text[e])", len(p.Text["e"]), 10130},
		{"Lang()", p.Lang(), "ko"},
		{"first row", p.Order[0], "2"},
		{"rows", len(p.Order), 15},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestPayloads covers the RSC conventions and the ways a payload breaks. Every
// case must return either the post or an error; none may panic.
func TestPayloads(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload string
		want    string // compact JSON of Post(); "" if an error is wanted
		wantErr string // substring of the error
		lang    string
	}{
		{
			name:    "text row",
			payload: "1:T5,hello2:{\"post\":{\"a\":\"$1\"}}\n",
			want:    `{"a":"hello"}`,
		},
		{
			name:    "text row at the end, no trailing newline",
			payload: "2:{\"post\":{\"a\":\"$1\"}}\n1:T3,abc",
			want:    `{"a":"abc"}`,
		},
		{
			name:    "empty text row",
			payload: "1:T0,2:{\"post\":{\"a\":\"$1\"}}",
			want:    `{"a":""}`,
		},
		{
			name:    "text row bytes are raw: newlines and a $ prefix",
			payload: "1:T6,$2\n0:x2:{\"post\":{\"a\":\"$1\"}}\n",
			want:    `{"a":"$2\n0:x"}`,
		},
		{
			name:    "$$ escape",
			payload: `4:{"post":{"a":"$$1","b":"$$","c":"$$$L2","d":"$"}}`,
			want:    `{"a":"$1","b":"$","c":"$$L2","d":"$"}`,
		},
		{
			name:    "special forms stay",
			payload: `4:{"post":{"a":"$L1","b":"$undefined","c":"$Sreact.suspense","d":"$@2","e":"$D2025-01-01","f":"$n12","g":"$1x","h":"$E1"}}`,
			want:    `{"a":"$L1","b":"$undefined","c":"$Sreact.suspense","d":"$@2","e":"$D2025-01-01","f":"$n12","g":"$1x","h":"$E1"}`,
		},
		{
			name:    "JSON row reference, key order kept",
			payload: "a:{\"z\":1,\"a\":[true,null,1.50]}\n4:[\"$\",\"$Ld\",null,{\"post\":{\"y\":\"$a\",\"b\":2}}]\n",
			want:    `{"y":{"z":1,"a":[true,null,1.50]},"b":2}`,
		},
		{
			name:    "post itself is a reference",
			payload: "1:{\"x\":\"<&>\"}\n2:{\"post\":\"$1\"}\n",
			want:    `{"x":"<&>"}`,
		},
		{
			name:    "path reference",
			payload: "1:{\"props\":{\"children\":[\"a\",\"$2\"]}}\n2:T2,hi3:{\"post\":{\"x\":\"$1:props:children:1\",\"y\":\"$1:props\"}}\n",
			want:    `{"x":"hi","y":{"children":["a","hi"]}}`,
		},
		{
			name:    "first post key in document order wins",
			payload: "1:{\"a\":{\"post\":{\"n\":1}},\"post\":{\"n\":2}}\n2:{\"post\":{\"n\":3}}\n",
			want:    `{"n":1}`,
		},
		{
			name:    "post in a later row",
			payload: "1:[\"$\",\"html\",null,{\"lang\":\"en\"}]\n2:I[1,[],\"\"]\n3:HL[\"x\",\"style\"]\n4:{\"post\":{}}\n",
			want:    `{}`,
			lang:    "en",
		},
		{
			name:    "blank lines between rows",
			payload: "\n1:{\"post\":{}}\n\n",
			want:    `{}`,
		},
		{name: "empty", payload: "", wantErr: "no rows"},
		{name: "missing post", payload: "1:{\"posts\":[]}\n2:T1,x", wantErr: "no post"},
		{name: "post is not an object", payload: `1:{"post":[1]}`, wantErr: "want an object"},
		{name: "non-JSON row", payload: "1:{\"post\":{}}\n2:{nope}\n", wantErr: `row "2" at byte 17: row is not JSON: invalid character 'n' looking for beginning of object key string`},
		{name: "tag without JSON", payload: "1:Ix\n", wantErr: `row "1" at byte 3: row is not JSON: invalid character 'x'`},
		{name: "bad row id", payload: "x:1\n", wantErr: "byte 0: want a hex row id"},
		{name: "upper-case row id", payload: "A:1\n", wantErr: "want a hex row id"},
		{name: "row id without colon", payload: "12", wantErr: "end of payload after row id"},
		{name: "row id then junk", payload: "12;1", wantErr: "want ':'"},
		{name: "duplicate row", payload: "1:1\n1:2\n", wantErr: "duplicate row id"},
		{name: "truncated T row header", payload: "1:T27", wantErr: "text row header truncated"},
		{name: "T row without length", payload: "1:T,abc", wantErr: "want hex digits"},
		{name: "bad hex length", payload: "1:T2g,ab", wantErr: "want ',' after hex digits"},
		{name: "huge hex length", payload: "1:Tffffffffffffffffff,ab", wantErr: "too many hex digits"},
		{name: "length past end", payload: "1:T2792,## short", wantErr: "runs past the end"},
		{name: "length past end by one", payload: "1:T4,abc", wantErr: "0x4 (4 bytes) runs past the end of the payload (3 bytes left)"},
		{name: "reference cycle", payload: "1:[\"$2\"]\n2:{\"a\":\"$1\"}\n3:{\"post\":{\"x\":\"$1\"}}\n", wantErr: "reference cycle"},
		{name: "self reference", payload: "1:{\"post\":{\"x\":\"$1\"}}\n", wantErr: "reference cycle"},
		{name: "post refers to its own path", payload: "1:{\"post\":{\"x\":\"$1:post\"}}\n", wantErr: "reference cycle"},
		{name: "path loops through references", payload: "1:{\"a\":\"$1:a\"}\n2:{\"post\":{\"x\":\"$1:a:b\"}}\n", wantErr: "too many references"},
		{name: "missing row", payload: `1:{"post":{"x":"$9"}}`, wantErr: `refers to missing row "9"`},
		{name: "module row", payload: "2:I[1,[],\"\"]\n1:{\"post\":{\"x\":\"$2\"}}", wantErr: `refers to I row "2"`},
		{name: "path into text", payload: "2:T1,x1:{\"post\":{\"x\":\"$2:0\"}}", wantErr: "path into text row"},
		{name: "missing path", payload: "2:{}\n1:{\"post\":{\"x\":\"$2:a\"}}", wantErr: `no "a" in a JSON object`},
		{name: "duplicate key", payload: `1:{"post":{"a":1,"a":2}}`, wantErr: `duplicate key "a"`},
		{name: "exponential expansion", payload: expansion(40), wantErr: "size limit"},
		{name: "deep references", payload: deepChain(10100), wantErr: "nested deeper"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := importer.Parse([]byte(c.payload))
			var got []byte
			if err == nil {
				if lang := p.Lang(); lang != c.lang {
					t.Errorf("Lang() = %q, want %q", lang, c.lang)
				}
				got, err = p.Post()
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %s, %v; want error containing %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %s", err, c.want)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// expansion is a payload whose rows each reference the next twice: tiny, but
// 2^n values once resolved.
func expansion(n int) string {
	var b strings.Builder
	b.WriteString("0:{\"post\":{\"x\":\"$1\"}}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "%x:[\"$%x\",\"$%x\"]\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "%x:\"leaf\"\n", n)
	return b.String()
}

// deepChain is a payload whose rows nest by reference n levels deep.
func deepChain(n int) string {
	var b strings.Builder
	b.WriteString("0:{\"post\":{\"x\":\"$1\"}}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "%x:[\"$%x\"]\n", i, i+1)
	}
	fmt.Fprintf(&b, "%x:1\n", n)
	return b.String()
}

func TestSyntaxErrorOffset(t *testing.T) {
	data := readSeed(t)
	for _, c := range []struct {
		name   string
		data   []byte
		offset int
		row    string
	}{
		{"seed cut inside the body", data[:5000], 4468, "e"},
		{"seed with a broken row 4", bytes.Replace(data, []byte("\n4:[\"$\""), []byte("\n4:[\"$"), 1), 14605, "4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := importer.Parse(c.data)
			var se *importer.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			if se.Offset != c.offset || se.Row != c.row {
				t.Errorf("got row %q at %d, want row %q at %d (%v)", se.Row, se.Offset, c.row, c.offset, err)
			}
		})
	}
}

func TestNoPost(t *testing.T) {
	p, err := importer.Parse([]byte("0:[\"$\",\"html\",null,{\"lang\":\"$$ko\"}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Post(); !errors.Is(err, importer.ErrNoPost) {
		t.Errorf("got %v, want ErrNoPost", err)
	}
	if got, want := p.Lang(), "$ko"; got != want {
		t.Errorf("Lang() = %q, want %q", got, want)
	}
}

func TestParseKeepsNoReference(t *testing.T) {
	data := []byte("1:T3,abc2:{\"post\":{\"a\":\"$1\"}}")
	p, err := importer.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	copy(data, bytes.Repeat([]byte("!"), len(data)))
	got, err := p.Post()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"abc"}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
