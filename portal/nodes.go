package portal

import (
	"context"
	"strconv"

	"civicledger/ledger"
)

// ByKeys returns the records of one type by their public keys — a project
// or report or announcement code, a credit code, a round's year, the
// number of an indicator set or case collection — in the order of keys,
// nil where none has the key or the type is unknown. It backs the GraphQL
// API's global object IDs and the pages' permalinks.
func (p *Portal) ByKeys(ctx context.Context, typ string, keys []string) ([]ledger.Node, error) {
	switch typ {
	case "Project":
		return nodes(p.Reader.ProjectsByCodes(ctx, keys))
	case "Organization":
		return nodes(p.Reader.OrganizationsByCodes(ctx, keys))
	case "Report":
		return nodes(p.Reader.ReportsByCodes(ctx, keys))
	case "Announcement":
		return nodes(p.Reader.AnnouncementsByCodes(ctx, keys))
	case "Round":
		return nodes(p.roundsByYears(ctx, keys))
	case "IndicatorSet":
		return nodes(p.Reader.IndicatorSetsByIDs(ctx, numericKeys(keys)))
	case "CaseCollection":
		return nodes(p.Reader.CaseCollectionsByIDs(ctx, numericKeys(keys)))
	}
	return make([]ledger.Node, len(keys)), nil
}

// nodes converts records to nodes, keeping nil for missing ones (a nil
// *T in a ledger.Node would not be nil).
func nodes[T any, PT interface {
	*T
	ledger.Node
}](vs []PT, err error) ([]ledger.Node, error) {
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Node, len(vs))
	for i, v := range vs {
		if v != nil {
			out[i] = v
		}
	}
	return out, nil
}

// numericKeys parses decimal IDs; a key that is not one matches nothing.
func numericKeys(keys []string) []int64 {
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i], _ = strconv.ParseInt(k, 10, 64)
	}
	return ids
}

// roundsByYears loads rounds by year keys ("2014"); missing years are nil.
func (p *Portal) roundsByYears(ctx context.Context, keys []string) ([]*ledger.Round, error) {
	all, err := p.Reader.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*ledger.Round, len(keys))
	for i, k := range keys {
		for _, rd := range all {
			if strconv.Itoa(rd.Year) == k {
				out[i] = rd
			}
		}
	}
	return out, nil
}
