package resolvers

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/opendata"
	"civicledger/portal"
)

// Each top-level list gives the path of its download: the same filter,
// read from the list field's own arguments (opendata.DownloadPath).

func (r *Resolver) ProjectConnection() graph.ProjectConnectionResolver { return projectDownload{} }
func (r *Resolver) OrganizationConnection() graph.OrganizationConnectionResolver {
	return organizationDownload{}
}
func (r *Resolver) AnnouncementConnection() graph.AnnouncementConnectionResolver {
	return announcementDownload{}
}
func (r *Resolver) ReportConnection() graph.ReportConnectionResolver { return reportDownload{} }

type (
	projectDownload      struct{}
	organizationDownload struct{}
	announcementDownload struct{}
	reportDownload       struct{}
)

// listArgs returns the arguments of the Query field named name that made
// the connection being resolved, or false for a connection of a record.
func listArgs(ctx context.Context, name string) (map[string]any, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil || fc.Parent.Field.Field == nil {
		return nil, false
	}
	p := fc.Parent
	if p.Object != "Query" || p.Field.Name != name {
		return nil, false
	}
	return p.Args, true
}

// downloadPath returns the path of the download of table for the Query
// list field of the same name, the filter taken from its argument arg.
func downloadPath[Q any](ctx context.Context, table, arg string, format model.DownloadFormat, lang *model.DownloadLanguage, columns []string) *string {
	args, ok := listArgs(ctx, table)
	if !ok {
		return nil
	}
	q, _ := args[arg].(Q)
	var l opendata.Lang
	if lang != nil {
		l = opendata.Lang(strings.ToLower(string(*lang)))
	}
	s := opendata.DownloadPath(table, opendata.Format(strings.ToLower(string(format))), q, l, columns)
	return &s
}

func (projectDownload) DownloadURL(ctx context.Context, _ *model.ProjectConnection, format model.DownloadFormat, lang *model.DownloadLanguage, columns []string) (*string, error) {
	return downloadPath[*portal.ProjectQuery](ctx, "projects", "filter", format, lang, columns), nil
}

func (organizationDownload) DownloadURL(ctx context.Context, _ *model.OrganizationConnection, format model.DownloadFormat, lang *model.DownloadLanguage, columns []string) (*string, error) {
	return downloadPath[[]ledger.OrgKind](ctx, "organizations", "kinds", format, lang, columns), nil
}

func (announcementDownload) DownloadURL(ctx context.Context, _ *model.AnnouncementConnection, format model.DownloadFormat, lang *model.DownloadLanguage, columns []string) (*string, error) {
	return downloadPath[*portal.AnnouncementQuery](ctx, "announcements", "filter", format, lang, columns), nil
}

func (reportDownload) DownloadURL(ctx context.Context, _ *model.ReportConnection, format model.DownloadFormat, lang *model.DownloadLanguage, columns []string) (*string, error) {
	return downloadPath[*portal.ReportQuery](ctx, "reports", "filter", format, lang, columns), nil
}
