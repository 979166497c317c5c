package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestEveryTextHasBothLanguages: every text key the templates and
// handlers name exists, in Chinese and in English (a missing key would
// show the key itself on the page).
func TestEveryTextHasBothLanguages(t *testing.T) {
	files, _ := filepath.Glob("templates/*.html")
	gos, _ := filepath.Glob("*.go")
	uses := regexp.MustCompile(`\.T "([A-Za-z0-9_]+)"|\.T\("([A-Za-z0-9_]+)"\)`)
	n := 0
	for _, f := range append(files, gos...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			n++
			if s, ok := texts[key]; !ok || s[0] == "" || s[1] == "" {
				t.Errorf("%s: text %q is missing", f, key)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d text uses found", n)
	}
	for k, s := range texts {
		if s[0] == "" || s[1] == "" {
			t.Errorf("text %q lacks a language", k)
		}
	}
}
