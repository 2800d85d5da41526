package importer_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/geul-dev/geul/internal/importer"
)

// FuzzParse checks that no input makes Parse, Post or Lang panic or run away,
// and that whatever Post returns is JSON that encoding/json can decode. The
// committed corpus in testdata/fuzz/FuzzParse holds the real payload and small
// valid and broken ones.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"\n",
		"0:null",
		"1:{\"post\":{}}\n",
		"1:T5,hello2:{\"post\":{\"a\":\"$1\",\"b\":\"$$1\",\"c\":\"$L1\"}}\n",
		"1:{\"a\":[\"$2\"]}\n2:{\"post\":{\"x\":\"$1:a:0\"}}\n",
		"1:[\"$2\"]\n2:[\"$1\"]\n3:{\"post\":\"$1\"}\n",
		"2:I[1,[],\"\"]\n0:[\"$\",\"html\",null,{\"lang\":\"ko\"}]\n4:{\"post\":{\"slug\":\"a/b\"}}",
		"1:T2792,short",
		"1:Tz,",
		"1:{",
		expansion(24),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := importer.Parse(data)
		if err != nil {
			var se *importer.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("Parse error offset %d outside the input (%d bytes)", se.Offset, len(data))
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned nil, nil")
		}
		_ = p.Lang()
		post, err := p.Post()
		if err != nil {
			return
		}
		var v map[string]any
		if err := json.Unmarshal(post, &v); err != nil {
			t.Fatalf("Post() = %.200q is not a JSON object: %v", post, err)
		}
	})
}
