package corpus

import (
	"math/rand/v2"
	"strings"
)

// Hostile returns content files that attack geul as a careless or hostile
// author might, by file name (a post file of language ko): each must be
// refused with its file and line, or served, without stalling a run or
// holding much memory, while every other post goes on being served.
//
//   - list: one line of "- " repeated 100,000 times, a list nested as deep
//   - nested: a list nested 2,000 levels
//   - table: a GFM table of 4.4 MB
//   - yaml-bomb: front matter whose aliases expand a billion times
//   - broken-front-matter: front matter that never closes, then a tab-indented key
//   - binary: random bytes with NULs after valid front matter
//
// The bytes are the same on every call.
func Hostile() map[string][]byte {
	const front = "---\ntitle: hostile\ndate: 2025-01-01\n---\n"
	var nested strings.Builder
	for i := range 2000 {
		nested.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	var table strings.Builder
	table.WriteString("| a | b | c | d |\n| - | - | - | - |\n")
	for table.Len() < 4400<<10 {
		table.WriteString("| x | y | z | w |\n")
	}
	bomb := "---\ntitle: bomb\ndate: 2025-01-01\n" +
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, k := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += k + ": &" + k + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n"
		prev = k
	}
	bomb += "---\nbody\n"
	r := rand.New(rand.NewPCG(13, 13))
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	return map[string][]byte{
		"list.ko.md":                []byte(front + strings.Repeat("- ", 100_000) + "x\n"),
		"nested.ko.md":              []byte(front + nested.String()),
		"table.ko.md":               []byte(front + table.String()),
		"yaml-bomb.ko.md":           []byte(bomb),
		"broken-front-matter.ko.md": []byte("---\ntitle: [unclosed\n\tdate: 2025-01-01\nbody without an end\n"),
		"binary.ko.md":              append([]byte(front), junk...),
	}
}
