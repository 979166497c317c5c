package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"civicledger/importer"
	"civicledger/ledger"
	"civicledger/portal"
)

// importConfig holds the flags of `civicledger import`.
type importConfig struct {
	DryRun   bool
	Template bool
	As       string // the login of the account the rows are imported as
	Token    string // or an API token of that account
	Sheet    string
}

// importFlags adds the import command's flags to the command line.
func importFlags(fs *flag.FlagSet, c *importConfig) {
	fs.BoolVar(&c.DryRun, "dry-run", false, "import: check every row and report each bad one; write nothing")
	fs.BoolVar(&c.Template, "template", false, "import: write an empty XLSX template of the table (to FILE, default KIND-template.xlsx; - for standard output)")
	fs.StringVar(&c.As, "as", "", "import: the login of the account the rows are imported as (its roles and organization decide what it may import)")
	fs.StringVar(&c.Token, "token", env("CIVICLEDGER_TOKEN", ""), "import: an API token of the account to import as, instead of -as (CIVICLEDGER_TOKEN)")
	fs.StringVar(&c.Sheet, "sheet", "", "import: the XLSX sheet to read (default the first)")
}

// importUsage is the import command's line in the usage text.
const importUsage = `import KIND FILE  import a table the agencies keep (KIND: applications,
                reviews, approvals, tranches, metrics) from CSV or XLSX, for
                the account -as LOGIN (or -token), all rows or none; -dry-run checks
                every row and writes nothing; import KIND -template [FILE]
                writes the table's XLSX template (docs/import.md)`

// importCommand runs `civicledger import KIND FILE` or
// `civicledger import KIND -template [FILE]`.
func importCommand(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	ic := cfg.Import
	if len(cfg.Args) == 0 || len(cfg.Args) > 2 {
		return errors.New("usage: civicledger import KIND FILE [-dry-run] -as LOGIN, or civicledger import KIND -template [FILE]")
	}
	kind, err := importer.KindByName(cfg.Args[0])
	if err != nil {
		return err
	}
	if ic.Template {
		return writeTemplate(kind, cfg.Args[1:], stdout)
	}
	if len(cfg.Args) != 2 {
		return errors.New("usage: civicledger import KIND FILE [-dry-run] -as LOGIN")
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	pub := &portal.Publishing{Store: db}
	actor, err := importActor(ctx, pub, ic)
	if err != nil {
		return err
	}
	opts := importer.Options{Kind: kind, Path: cfg.Args[1], Sheet: ic.Sheet, DryRun: ic.DryRun, Actor: actor}
	var bar *progressbar.ProgressBar
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		desc := "检查 / checking"
		opts.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(desc),
					progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100_000_000),
					progressbar.OptionClearOnFinish())
			}
			if total > 0 && done*2 > total && !ic.DryRun && desc != "写入 / writing" {
				desc = "写入 / writing"
				bar.Describe(desc)
			}
			_ = bar.Set(done)
		}
	}
	res, err := importer.Run(ctx, db, importer.PortalServices{Store: db}, opts)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	return reportImport(stdout, res, ic.DryRun)
}

// reportImport prints what an import found and did; refused rows make it
// an error, so the command exits 1.
func reportImport(w io.Writer, res *importer.Result, dry bool) error {
	src := res.Sheet
	if res.Encoding != "" {
		src += "（" + res.Encoding + "）"
	}
	fmt.Fprintf(w, "%s：%s，%d 行 / %d rows\n", res.Kind, src, res.Rows, res.Rows)
	if len(res.Ignored) > 0 {
		fmt.Fprintf(w, "忽略的列 / ignored columns: %s\n", strings.Join(res.Ignored, ", "))
	}
	for _, p := range res.Problems {
		fmt.Fprintln(w, p.String())
	}
	if !res.OK() {
		rows := map[int]bool{}
		for _, p := range res.Problems {
			rows[p.Row] = true
		}
		return fmt.Errorf("%d 行有误，未导入任何数据 / %d rows refused, nothing imported", len(rows), len(rows))
	}
	if dry {
		fmt.Fprintf(w, "检查通过，可以导入（未写入）/ every row passed; nothing written (dry run)\n")
		return nil
	}
	fmt.Fprintf(w, "已导入 %d 行（%d 项操作，均记入审计日志）/ imported %d rows (%d use cases, each in the audit log)\n", res.Written, res.Records, res.Written, res.Records)
	return nil
}

// writeTemplate writes kind's XLSX template to args[0], or to
// KIND-template.xlsx, or to standard output for "-".
func writeTemplate(kind *importer.Kind, args []string, stdout io.Writer) error {
	path := kind.Name + "-template.xlsx"
	if len(args) > 0 {
		path = args[0]
	}
	if path == "-" {
		return importer.WriteTemplate(stdout, kind)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := importer.WriteTemplate(f, kind); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "模板已写入 / template written: %s (%s)\n", path, kind.Title)
	return nil
}

// importActor is the account the command line imports as: -as LOGIN
// (the operator holds the database's keys, as for `civicledger token
// create`) or -token, an API token of the account. The account's roles
// and organization decide, row by row, what it may import; its use cases
// attribute the writes to it and log them in the audit log.
func importActor(ctx context.Context, pub *portal.Publishing, ic importConfig) (ledger.Actor, error) {
	switch {
	case ic.As != "" && ic.Token != "":
		return ledger.Actor{}, errors.New("-as and -token: give one of them")
	case ic.Token != "":
		a, err := pub.Authenticate(ctx, ic.Token, "cli")
		if err != nil {
			return ledger.Actor{}, fmt.Errorf("-token: %w", err)
		}
		return a, nil
	case ic.As != "":
		a, err := pub.AccountAs(ctx, ic.As)
		if err != nil {
			return ledger.Actor{}, fmt.Errorf("-as %s: %w", ic.As, err)
		}
		return a, nil
	}
	return ledger.Actor{}, errors.New("-as LOGIN or -token: name the account the rows are imported as (civicledger user add creates one)")
}
