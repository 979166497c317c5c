package search

import (
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/registry"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
)

// TestDocumentAnalysis checks that the documents indexed (newDocument,
// one analysis per text for both its fields) hold the terms, frequencies
// and locations that bleve makes with the registered analyzers, which the
// mapping names.
func TestDocumentAnalysis(t *testing.T) {
	cache := registry.NewCache()
	analyzers := map[string]analysis.Analyzer{}
	for _, name := range []string{WordAnalyzerName, BigramAnalyzerName} {
		a, err := cache.AnalyzerNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		analyzers[name] = a
	}
	m := indexMapping()
	for _, d := range append(loadCorpus(t)[:5], genDocs(20, 9)...) {
		doc, err := newDocument(m, d)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, f := range doc.Fields {
			tf, ok := f.(*textField)
			if !ok {
				continue
			}
			seen++
			name := WordAnalyzerName
			if tf.pair {
				name = BigramAnalyzerName
			}
			want := document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), analyzers[name])
			want.Analyze()
			tf.Analyze()
			if tf.AnalyzedLength() != want.AnalyzedLength() {
				t.Errorf("%s %s: %d tokens, want %d", d.Key, tf.Name(), tf.AnalyzedLength(), want.AnalyzedLength())
			}
			if diff := cmp.Diff(freqMap(want.AnalyzedTokenFrequencies()), freqMap(tf.AnalyzedTokenFrequencies())); diff != "" {
				t.Errorf("%s %s: frequencies (-bleve +ours):\n%s", d.Key, tf.Name(), diff)
			}
		}
		if seen != 6 {
			t.Errorf("%s: %d text fields analysed together, want 6", d.Key, seen)
		}
	}
	if _, err := newDocument(m, &ledger.SearchDoc{Key: "report:1", Kind: ledger.DocReport}); err != nil {
		t.Fatal(err)
	}
}

type freq struct {
	N    int
	Locs []index.TokenLocation
}

func freqMap(tfs index.TokenFrequencies) map[string]freq {
	out := map[string]freq{}
	for k, tf := range tfs {
		f := freq{N: tf.Frequency()}
		for _, l := range tf.Locations {
			f.Locs = append(f.Locs, *l)
		}
		out[k] = f
	}
	return out
}
