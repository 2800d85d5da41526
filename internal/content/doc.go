// Package content reads the content folder described in CONTENT.md: it
// lists the files (Scan, ReadFile), parses site.yaml, _category.yaml and the
// front matter of post files (ParseSite, ParseCategory, ParseFile) and merges
// the language files of one post (Assemble).
//
// It knows nothing of HTTP, SQL or markdown rendering, so that the indexer
// can decide what to keep when content is bad: every problem with a file is
// an *Error naming that file (and a line when there is one), and never stops
// the other files from being read.
//
// Conventions:
//
//   - Paths are slash-separated and relative to the content root.
//   - Line numbers are 1-based lines of the whole file. Line 0 means the
//     problem concerns the file as a whole (too large, unreadable, bad name,
//     duplicate slug).
//   - Front matter starts on line 2, so line N of the YAML is line N+1 of the
//     file. For a YAML syntax error the line is the first one at which the
//     YAML stops being valid (found by re-parsing prefixes, for front matter
//     of up to 500 lines and 32 KiB); the parser's own line often names where
//     the enclosing block began, or nothing.
//   - The opening and closing "---" lines may end in "\r\n" and may carry
//     trailing spaces or tabs: editors add them invisibly.
//   - A UTF-8 byte order mark at the very start of a post file is accepted and
//     skipped when looking for the opening "---". It can never reach the body,
//     which starts after the closing "---" line, so the body stays exactly the
//     bytes of the file.
//   - The whole file must be valid UTF-8, body included, because the body is
//     served as a JSON string; the error names the line of the first bad byte.
//   - Title, description and tag strings are trimmed of surrounding white
//     space (a folded "description: >" scalar would otherwise end in "\n").
//     Date and updated are kept exactly as the YAML scalar's text.
package content
