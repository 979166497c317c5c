package opendata_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"civicledger/opendata"
	"civicledger/store"
)

// Official schema URLs and the copies under testdata/schemas.
const (
	ocdsBase        = "https://standard.open-contracting.org/schema/1__1__5/"
	releasePkgURL   = ocdsBase + "release-package-schema.json"
	recordPkgURL    = ocdsBase + "record-package-schema.json"
	givingPkgURL    = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-package-schema.json"
	givingGrant142  = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
	givingGrant143  = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json"
	versionedRelURL = ocdsBase + "versioned-release-validation-schema.json"
)

// offline maps the schemas' URLs to the copied files: nothing is fetched.
type offline map[string]string

func (o offline) Load(url string) (any, error) {
	if url == versionedRelURL {
		// Not copied: the portal emits no versioned releases, and the
		// test below checks that no record carries one.
		return map[string]any{}, nil
	}
	file, ok := o[url]
	if !ok {
		return nil, fmt.Errorf("schema %s is not among the copied files", url)
	}
	f, err := os.Open(filepath.Join("testdata", "schemas", file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

var schemaFiles = offline{
	releasePkgURL:                    "ocds-1.1.5/release-package-schema.json",
	recordPkgURL:                     "ocds-1.1.5/record-package-schema.json",
	ocdsBase + "release-schema.json": "ocds-1.1.5/release-schema.json",
	givingPkgURL:                     "360giving-1.4.3/360-giving-package-schema.json",
	givingGrant142:                   "360giving-1.4.3/360-giving-schema.json",
	givingGrant143:                   "360giving-1.4.3/360-giving-schema.json",
}

func compile(t *testing.T, url string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(schemaFiles)
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", url, err)
	}
	return s
}

// validate checks a document, as JSON bytes, against a schema.
func validate(t *testing.T, s *jsonschema.Schema, name string, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "…"
		}
		t.Errorf("%s does not validate: %s", name, msg)
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every OCDS and 360Giving document the portal emits for the demo data
// validates against the official schemas: each round's release package,
// record package and grants (as /download/ocds/… and /download/360giving/…
// serve them), and the whole-ledger files of a snapshot.
func TestStandardsValidate(t *testing.T) {
	relSchema, recSchema, givSchema := compile(t, releasePkgURL), compile(t, recordPkgURL), compile(t, givingPkgURL)
	// The validator refuses what the schemas refuse (so the test can fail).
	bad := []byte(`{"uri":"x","version":"1.1","publishedDate":"2020-01-01T00:00:00Z","publisher":{"name":"p"},
		"releases":[{"ocid":"o","id":"1","date":"2020-01-01T00:00:00Z","tag":["bogus"],"initiationType":"tender"}]}`)
	if inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad)); relSchema.Validate(inst) == nil {
		t.Fatal("a release tagged bogus validates")
	}
	eachDialect(t, func(t *testing.T, db *store.DB) {
		src := source(db)
		st := opendata.Standards{OCIDPrefix: "ocds-demo00"}
		ctx := context.Background()
		rounds, err := src.Portal.Rounds(ctx)
		if err != nil || len(rounds) == 0 {
			t.Fatalf("rounds: %v (%d)", err, len(rounds))
		}
		var awards, transactions, grants int
		for _, r := range rounds {
			rel, err := src.Release(ctx, st, r.Year)
			if err != nil {
				t.Fatal(err)
			}
			awards += len(rel.Awards)
			for _, c := range rel.Contracts {
				if c.Implementation != nil {
					transactions += len(c.Implementation.Transactions)
				}
			}
			validate(t, relSchema, fmt.Sprintf("release package %d", r.Year), marshal(t, st.ReleasePackage(testBase+"/x", []*opendata.Release{rel})))
			rec := marshal(t, st.RecordPackage(testBase+"/x", []*opendata.Release{rel}))
			if bytes.Contains(rec, []byte(`"versionedRelease"`)) {
				t.Fatalf("record package %d has a versioned release, which the test does not validate", r.Year)
			}
			validate(t, recSchema, fmt.Sprintf("record package %d", r.Year), rec)
			gs, err := src.Grants(ctx, st, r.Year)
			if err != nil {
				t.Fatal(err)
			}
			grants += len(gs)
			validate(t, givSchema, fmt.Sprintf("grants %d", r.Year), marshal(t, st.GrantPackage("t", gs)))
		}
		// The demo's 717 funded projects are each an award and a grant.
		if awards != 717 || grants != 717 || transactions == 0 {
			t.Errorf("%d awards, %d grants, %d transactions; want 717, 717 and some", awards, grants, transactions)
		}
		// A snapshot's whole-ledger files hold the same releases and grants,
		// one round after another; checked once, on SQLite.
		if db.Dialect() != store.SQLite {
			return
		}
		dir := t.TempDir()
		m, err := src.WriteSnapshot(ctx, st, dir)
		if err != nil {
			t.Fatal(err)
		}
		for file, s := range map[string]*jsonschema.Schema{"ocds/release-package.json": relSchema, "ocds/record-package.json": recSchema, "360giving/grants.json": givSchema} {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			validate(t, s, "snapshot "+file, b)
		}
		if len(m.Files) == 0 {
			t.Fatal("empty manifest")
		}
	})
}
