package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"civicledger/ledger"
)

// TestAccountCommands runs the publishing commands on a SQLite data
// directory: an organization, the first administrator (password on
// standard input, never a flag), the account list, a token made, listed
// and revoked, and the audit log that recorded it all.
func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	run := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := runAccountCommand(ctx, args[0], append(args[1:], "-data-dir", dir), strings.NewReader(stdin), &out)
		return out.String(), err
	}
	code := orgCode(1)
	if out, err := run("", "org", "add", code, "-name", "市民政局", "-kind", "department"); err != nil || !strings.Contains(out, "registered") {
		t.Fatalf("org add: %v %s", err, out)
	}
	if _, err := run("short\n", "user", "add", "admin", "-name", "管理员", "-org", code, "-roles", "BUREAU"); ledger.ErrorField(err) != "password" {
		t.Errorf("a short password: %v, want refused by field password", err)
	}
	if _, err := run("a long enough password\n", "user", "add", "admin", "-name", "管理员", "-org", code, "-roles", "UNDERTAKER"); ledger.ErrorField(err) != "account.roles[0]" {
		t.Errorf("an undertaker role in a department: %v", err)
	}
	if out, err := run("a long enough password\n", "user", "add", "admin", "-name", "管理员", "-org", code, "-roles", "bureau"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	if out, _ := run("", "user", "list"); !strings.Contains(out, "admin") || !strings.Contains(out, "BUREAU") || strings.Contains(out, "argon2id") {
		t.Errorf("user list: %s", out)
	}
	out, err := run("", "token", "create", "admin", "-name", "import script", "-expires", "30d")
	secret := regexp.MustCompile(`clt_[A-Za-z0-9_-]+`).FindString(out)
	if err != nil || secret == "" {
		t.Fatalf("token create: %v %s", err, out)
	}
	if out, _ := run("", "token", "list", "admin"); !strings.Contains(out, "import script") || strings.Contains(out, secret) {
		t.Errorf("token list shows the token but never its secret: %s", out)
	}
	if out, err := run("", "token", "revoke", "1"); err != nil || !strings.Contains(out, "revoked") {
		t.Errorf("token revoke: %v %s", err, out)
	}
	out, err = run("", "audit", "-limit", "10")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REGISTER_ORGANIZATION", "account admin created", "API token import script created", "revoked"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "long enough password") {
		t.Error("the audit log shows a password")
	}
}
