// Command gendict writes the trimmed segmentation dictionary search/data/words.txt
// from gse's simplified-Chinese dictionary, and search/data/t2s.txt from
// OpenCC's TSCharacters table when its text form is given.
//
// Usage (from the repository root):
//
//	go run ./search/internal/gendict -min 10
//	opencc_dict -i /usr/share/opencc/TSCharacters.ocd2 -o /tmp/ts.txt -f ocd2 -t text
//	go run ./search/internal/gendict -t2s /tmp/ts.txt
//
// Trimming keeps words whose corpus frequency is at least -min: the full
// dictionary (350,000 words) costs about 130 MB of heap once loaded, the
// trimmed one about a quarter of that (see search/doc.go).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func main() {
	minFreq := flag.Float64("min", 10, "minimum word frequency kept")
	maxLen := flag.Int("maxlen", 8, "longest word kept, in characters")
	t2s := flag.String("t2s", "", "OpenCC TSCharacters.txt (text form); when set, only t2s.txt is written")
	out := flag.String("out", "search/data", "output directory")
	flag.Parse()
	if *t2s != "" {
		if err := writeT2S(*t2s, filepath.Join(*out, "t2s.txt")); err != nil {
			log.Fatal(err)
		}
		return
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/go-ego/gse").Output()
	if err != nil {
		log.Fatalf("locating gse: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(dir)), "data", "dict", "zh", "s_1.txt")
	if err := writeWords(src, filepath.Join(*out, "words.txt"), *minFreq, *maxLen); err != nil {
		log.Fatal(err)
	}
}

func writeWords(src, dst string, minFreq float64, maxLen int) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "# Trimmed from gse v0.80.3 data/dict/zh/s_1.txt (MIT/Apache-2.0): frequency >= %g, at most %d characters.\n", minFreq, maxLen)
	fmt.Fprintf(w, "# Regenerate with: go run ./search/internal/gendict -min %g -maxlen %d\n", minFreq, maxLen)
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		freq, err := strconv.ParseFloat(f[1], 64)
		if err != nil || freq < minFreq || utf8.RuneCountInString(f[0]) > maxLen || !allHan(f[0]) {
			continue
		}
		fmt.Fprintf(w, "%s %s\n", f[0], f[1])
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	log.Printf("wrote %d words to %s", n, dst)
	return out.Close()
}

// allHan reports whether w is Chinese characters only: the tokenizers hand
// gse nothing else. Single characters stay: without them every word's
// sub-segmentation allocates placeholder tokens (17 MB more heap).
func allHan(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func writeT2S(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "# Traditional -> simplified single characters, from OpenCC TSCharacters (Apache-2.0).")
	fmt.Fprintln(w, "# One pair a line: traditional, a space, simplified; the first candidate is kept.")
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || utf8.RuneCountInString(f[0]) != 1 || utf8.RuneCountInString(f[1]) != 1 || f[0] == f[1] {
			continue
		}
		fmt.Fprintf(w, "%s %s\n", f[0], f[1])
		n++
	}
	if err := w.Flush(); err != nil {
		return err
	}
	log.Printf("wrote %d pairs to %s", n, dst)
	return out.Close()
}
