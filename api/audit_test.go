package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"civicledger/api"
	"civicledger/api/internal/testgraph"
)

// TestGraphQLOverHTTPAudit runs the graphql-http server audit (api/audit)
// against the handler over the test schema. It is skipped when node is not
// installed, except under CI=true, where that is a failure.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed; CI must run the GraphQL over HTTP audit")
		}
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs("audit")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("npm is needed to install api/audit's packages")
		}
		cmd := exec.CommandContext(ctx, npm, "ci", "--prefer-offline", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	es, _ := testgraph.New()
	mux := http.NewServeMux()
	mux.Handle("/graphql", api.NewHandler(es, api.Config{}, nil))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cmd := exec.CommandContext(ctx, node, "audit.mjs", srv.URL+"/graphql")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("graphql-http audit:\n%s", out)
	if err != nil {
		t.Fatalf("the audit failed: %v", err)
	}
	if !strings.Contains(string(out), "summary:") {
		t.Fatal("the audit printed no summary")
	}
}
