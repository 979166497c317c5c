package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"civicledger/ledger"
	"civicledger/opendata"
	"civicledger/portal"
	"civicledger/store"
)

// openDataConfig configures the open data: downloads, snapshots, OCDS and
// 360Giving (see README, "Open data").
type openDataConfig struct {
	PublicURL     string        // -public-url (declared with the alerts' flags): permalinks; http://ADDR when empty
	SnapshotDir   string        // where scheduled snapshots are written and the latest served from
	SnapshotEvery time.Duration // 0: no scheduled snapshots
	OCIDPrefix    string
	GrantPrefix   string
}

// openDataFlags declares the open-data flags, each with an environment
// fallback.
func openDataFlags(fs *flag.FlagSet, c *config, bad *[]string) {
	o := &c.OpenData
	fs.StringVar(&o.SnapshotDir, "snapshot-dir", env("CIVICLEDGER_SNAPSHOT_DIR", ""), "directory of the snapshots served at /download/snapshot/; DATA-DIR/snapshots when empty (CIVICLEDGER_SNAPSHOT_DIR)")
	fs.DurationVar(&o.SnapshotEvery, "snapshot-every", envDuration("CIVICLEDGER_SNAPSHOT_EVERY", 0, bad), "make a snapshot this often (e.g. 24h); 0 makes none (CIVICLEDGER_SNAPSHOT_EVERY)")
	fs.StringVar(&o.OCIDPrefix, "ocid-prefix", env("CIVICLEDGER_OCID_PREFIX", "ocds-demo00"), "OCDS prefix of the contracting processes' IDs; the default is a fake one for the demo (CIVICLEDGER_OCID_PREFIX)")
	fs.StringVar(&o.GrantPrefix, "grant-prefix", env("CIVICLEDGER_GRANT_PREFIX", "360G-demo"), "360Giving prefix of the grant IDs; the default is a fake one for the demo (CIVICLEDGER_GRANT_PREFIX)")
}

func (o openDataConfig) publicURL(addr string) string {
	if o.PublicURL != "" {
		return strings.TrimSuffix(o.PublicURL, "/")
	}
	return "http://" + addr
}

func (o openDataConfig) snapshotDir(dataDir string) string {
	if o.SnapshotDir != "" {
		return o.SnapshotDir
	}
	return filepath.Join(dataDir, "snapshots")
}

func (o openDataConfig) standards() opendata.Standards {
	return opendata.Standards{OCIDPrefix: o.OCIDPrefix, GrantPrefix: o.GrantPrefix}
}

// openData is the /download/ handler over the application core.
func (a *app) openData(core *portal.Portal, log *slog.Logger) http.Handler {
	return &opendata.Handler{Source: a.openDataSource(core), Changes: a.db, Snapshots: a.od.snapshotDir(a.dataDir),
		Standards: a.od.standards(), Log: log}
}

func (a *app) openDataSource(core *portal.Portal) *opendata.Source {
	return &opendata.Source{Portal: core, Export: a.db, BaseURL: a.od.publicURL(a.addr)}
}

// startSnapshots makes snapshots on the configured schedule until the
// returned stop is called.
func (a *app) startSnapshots(log *slog.Logger) (stop func()) {
	if a.od.SnapshotEvery <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	src := a.openDataSource(&portal.Portal{Reader: a.db, Meta: a.db})
	go func() {
		defer close(done)
		src.RunSchedule(ctx, a.od.standards(), a.od.snapshotDir(a.dataDir), a.od.SnapshotEvery, log.Info)
	}()
	return func() { cancel(); <-done }
}

// export writes a full snapshot of the ledger into an empty directory:
// civicledger export DIR.
func export(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	src := &opendata.Source{Portal: &portal.Portal{Reader: db, Meta: db}, Export: db, BaseURL: cfg.OpenData.publicURL(cfg.Addr)}
	m, err := src.WriteSnapshot(ctx, cfg.OpenData.standards(), cfg.Args[0])
	if err != nil {
		return err
	}
	var bytes int64
	for _, f := range m.Files {
		bytes += f.Bytes
	}
	log.Info("exported", "dir", cfg.Args[0], "files", len(m.Files)+1, "bytes", bytes, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

var _ ledger.ExportReader = (*store.DB)(nil)
