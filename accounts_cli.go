package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
)

// The publishing commands: accounts, tokens, organizations and the audit
// log, run by the operator at the server's command line (who holds the
// database's keys: the writes are attributed to "cli:" and the operating
// system user, as a bureau administrator, and audited like any other).
//
//	civicledger org add CREDITCODE -name NAME -kind DEPARTMENT [-district D]
//	civicledger user add LOGIN -name NAME -org CREDITCODE -roles BUREAU,FINANCE
//	civicledger user list
//	civicledger token create LOGIN [-name NAME] [-expires 90d]
//	civicledger token list [LOGIN]
//	civicledger token revoke ID
//	civicledger audit [-login LOGIN] [-limit 50]
//
// A password is read from the terminal (twice, not echoed) or, when
// standard input is not a terminal, from its first line; never a flag.

// accountCommands are the commands this file runs.
var accountCommands = map[string]bool{"org": true, "user": true, "token": true, "audit": true}

// accountCommand runs one publishing command and returns the exit status.
func accountCommand(cmd string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runAccountCommand(ctx, cmd, args, os.Stdin, os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "civicledger:", ledger.ErrorMessage(err))
		if ledger.ErrorCode(err) == ledger.EINTERNAL {
			fmt.Fprintln(os.Stderr, "  detail:", err)
		}
		return 1
	}
	return 0
}

// cliFlags is a flag set that accepts flags after positional arguments.
type cliFlags struct {
	*flag.FlagSet
	dbURL, dataDir *string
}

func newCLIFlags(name string) cliFlags {
	fs := flag.NewFlagSet("civicledger "+name, flag.ContinueOnError)
	return cliFlags{FlagSet: fs,
		dataDir: fs.String("data-dir", env("CIVICLEDGER_DATA_DIR", "./data"), "data directory (CIVICLEDGER_DATA_DIR)"),
		dbURL:   fs.String("database-url", env("CIVICLEDGER_DATABASE_URL", ""), "postgres://… URL, or empty for SQLite in the data directory (CIVICLEDGER_DATABASE_URL)"),
	}
}

// parse reads flags and positional arguments in any order.
func (f cliFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

func (f cliFlags) open(ctx context.Context) (*store.DB, *portal.Publishing, error) {
	url := *f.dbURL
	if url == "" {
		url = filepath.Join(*f.dataDir, "civicledger.db")
		if err := os.MkdirAll(*f.dataDir, 0o755); err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	return db, &portal.Publishing{Store: db}, nil
}

// operator is the actor of the person running the command.
func operator() ledger.Actor {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return portal.Operator(name)
}

func runAccountCommand(ctx context.Context, cmd string, args []string, in io.Reader, out io.Writer) error {
	sub := ""
	if cmd != "audit" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("usage: civicledger %s add|list|create|revoke … (see civicledger -h)", cmd)
		}
		sub, args = args[0], args[1:]
	}
	f := newCLIFlags(strings.TrimSpace(cmd + " " + sub))
	switch cmd + " " + sub {
	case "org add":
		name := f.String("name", "", "the organization's name")
		kind := f.String("kind", "DEPARTMENT", "UNDERTAKER, EVALUATOR, AUDITOR or DEPARTMENT")
		district := f.String("district", "", "its district")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: civicledger org add CREDITCODE -name NAME -kind KIND")
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		o := &ledger.Organization{CreditCode: pos[0], Name: *name, Kind: ledger.OrgKind(strings.ToUpper(*kind)), District: *district}
		if _, err := pub.RegisterOrganization(ctx, operator(), o); err != nil {
			return err
		}
		fmt.Fprintf(out, "organization %s (%s) registered with id %d\n", o.Name, o.CreditCode, o.ID)
		return nil

	case "user add":
		name := f.String("name", "", "the person's or script's name")
		org := f.String("org", "", "credit code of the organization the account belongs to")
		roles := f.String("roles", "", "comma-separated roles: BUREAU, FINANCE, EVALUATOR, AUDITOR, UNDERTAKER, MODERATOR")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: civicledger user add LOGIN -name NAME -org CREDITCODE -roles ROLES (the password is asked for)")
		}
		rs, err := ledger.ParseRoles(*roles)
		if err != nil {
			return err
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		o, err := db.Organization(ctx, *org)
		if err != nil {
			return fmt.Errorf("-org %q: %s", *org, ledger.ErrorMessage(err))
		}
		a := &ledger.Account{Login: pos[0], Name: *name, OrgID: o.ID, Roles: rs}
		if err := a.Validate(); err != nil {
			return err
		}
		pw, err := readPassword(in, out)
		if err != nil {
			return err
		}
		if err := pub.AddAccount(ctx, operator(), a, pw); err != nil {
			return err
		}
		fmt.Fprintf(out, "account %s added (%s, %s)\n", a.Login, o.Name, rolesList(a.Roles))
		return nil

	case "user list":
		if _, err := f.parse(args); err != nil {
			return err
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		accts, err := pub.Accounts(ctx, operator())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tNAME\tORGANIZATION\tROLES\tCREATED\tDISABLED")
		for _, a := range accts {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%v\n", a.Login, a.Name, a.OrgID, rolesList(a.Roles), ledger.FormatTime(a.CreatedAt), a.Disabled)
		}
		return tw.Flush()

	case "token create":
		name := f.String("name", "script", "what the token is for")
		expires := f.String("expires", "90d", "how long it lasts: 30d, 12h, …")
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: civicledger token create LOGIN [-name NAME] [-expires 90d]")
		}
		ttl, err := parseTTL(*expires)
		if err != nil {
			return err
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		secret, t, err := pub.CreateToken(ctx, operator(), pos[0], *name, ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "token %d for %s, expires %s. It is shown only now:\n%s\n", t.ID, pos[0], ledger.FormatTime(t.ExpiresAt), secret)
		return nil

	case "token list":
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		login := ""
		if len(pos) > 0 {
			login = pos[0]
		}
		toks, err := pub.Tokens(ctx, operator(), login)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tKIND\tNAME\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.AccountID, t.Kind, t.Name, ledger.FormatTime(t.CreatedAt),
				ledger.FormatTime(t.ExpiresAt), timeOrDash(t.LastUsedAt), timeOrDash(t.RevokedAt))
		}
		return tw.Flush()

	case "token revoke":
		pos, err := f.parse(args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: civicledger token revoke ID")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("token ID %q is not a number", pos[0])
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := pub.RevokeToken(ctx, operator(), id); err != nil {
			return err
		}
		fmt.Fprintf(out, "token %d revoked\n", id)
		return nil

	case "audit ":
		login := f.String("login", "", "only entries of this login")
		limit := f.Int("limit", 50, "how many entries, newest first")
		if _, err := f.parse(args); err != nil {
			return err
		}
		db, pub, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		es, total, err := pub.AuditLog(ctx, operator(), ledger.AuditFilter{Login: *login}, 0, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAT\tLOGIN\tROLE\tORG\tACTION\tRECORD\tCREDENTIAL\tCLIENT\tSUMMARY")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s:%d\t%s\t%s\t%s\n", e.ID, ledger.FormatTime(e.At), e.Login, e.Role, e.OrgID,
				e.Action, e.Entity, e.EntityID, e.Credential, e.Client, e.Summary)
		}
		fmt.Fprintf(tw, "(%d of %d entries)\n", len(es), total)
		return tw.Flush()
	}
	return fmt.Errorf("unknown command %q (see civicledger -h)", strings.TrimSpace(cmd+" "+sub))
}

// readPassword reads a new password: from the terminal twice without echo,
// or the first line of a non-terminal standard input.
func readPassword(in io.Reader, out io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(out, "password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		fmt.Fprint(out, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), ledger.CheckPassword(string(a))
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("give the password on standard input (one line)")
	}
	pw := strings.TrimRight(line, "\r\n")
	return pw, ledger.CheckPassword(pw)
}

// parseTTL reads a duration with a d (days) unit as well as Go's own.
func parseTTL(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("-expires %q: give days as 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-expires %q: give 90d, 12h or the like", s)
	}
	return d, nil
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return ledger.FormatTime(*t)
}

func rolesList(rs []ledger.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
