package opendata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// Grant is one 360Giving grant: one per funded project.
type Grant struct {
	ID                    string          `json:"id"`
	Title                 string          `json:"title"`
	Description           string          `json:"description"`
	Currency              string          `json:"currency"`
	AmountAwarded         json.Number     `json:"amountAwarded"`
	AmountDisbursed       json.Number     `json:"amountDisbursed"`
	AwardDate             string          `json:"awardDate"`
	URL                   string          `json:"url"`
	PlannedDates          []givingEvent   `json:"plannedDates,omitempty"`
	RecipientOrganization []givingOrg     `json:"recipientOrganization"`
	BeneficiaryLocation   []givingPlace   `json:"beneficiaryLocation"`
	FundingOrganization   []givingOrg     `json:"fundingOrganization"`
	GrantProgramme        []givingProgram `json:"grantProgramme"`
	DateModified          string          `json:"dateModified"`
}

type givingOrg struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	AddressLocality string `json:"addressLocality,omitempty"`
	AddressCountry  string `json:"addressCountry,omitempty"`
	URL             string `json:"url,omitempty"`
}

type givingPlace struct {
	Name        string `json:"name"`
	CountryCode string `json:"countryCode"`
}

type givingProgram struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type givingEvent struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate,omitempty"`
}

// GrantPackage is a 360Giving grant package.
type GrantPackage struct {
	Version     string   `json:"version"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Grants      []*Grant `json:"grants"`
}

// GivingVersion is the 360Giving schema version the grants follow.
const GivingVersion = "1.4"

// Grants builds the 360Giving grants of one funding round: one grant per
// funded project, with its recipient, amount, dates, beneficiary location
// (the district) and grant programme (the round and service area).
func (s *Source) Grants(ctx context.Context, st Standards, year int) ([]*Grant, error) {
	d, err := s.loadRound(ctx, year)
	if err != nil {
		return nil, err
	}
	return s.grants(st, d), nil
}

func (s *Source) grants(st Standards, d *roundData) []*Grant {
	var funder givingOrg
	if d.buyer != nil {
		funder = givingOrg{ID: USCIScheme + "-" + d.buyer.CreditCode, Name: d.buyer.Name, AddressCountry: "CN"}
	} else {
		funder = givingOrg{ID: st.grantPrefix(), Name: st.publisher()}
	}
	var out []*Grant
	for _, p := range d.projects {
		if p.Outcome == ledger.Rejected {
			continue
		}
		u := d.orgs[p.UndertakerID]
		var paid ledger.Money
		if f := d.figures[p.ID]; f != nil {
			paid = f.Paid
		}
		awardDate := string(p.ApprovedOn)
		if awardDate == "" {
			awardDate = string(p.AppliedOn)
		}
		g := &Grant{ID: st.grantPrefix() + "-" + p.Code, Title: p.Title, Description: p.Summary, Currency: "CNY",
			AmountAwarded: json.Number(p.Awarded.String()), AmountDisbursed: json.Number(paid.String()), AwardDate: awardDate,
			URL: s.ProjectURL(p.Code), FundingOrganization: []givingOrg{funder},
			BeneficiaryLocation: []givingPlace{{Name: p.District, CountryCode: "CN"}},
			GrantProgramme: []givingProgram{{Code: fmt.Sprintf("FC%d-%s", d.round.Year, p.ServiceArea),
				Title: d.round.Title + " · " + ledger.Label(p.ServiceArea)}},
			DateModified: ledger.FormatTime(p.RecordedAt)}
		if u != nil {
			g.RecipientOrganization = []givingOrg{{ID: USCIScheme + "-" + u.CreditCode, Name: u.Name, AddressLocality: u.District,
				AddressCountry: "CN", URL: s.OrganizationURL(u.CreditCode)}}
		}
		if p.ApprovedOn != "" {
			g.PlannedDates = []givingEvent{{StartDate: string(p.ApprovedOn)}}
		}
		out = append(out, g)
	}
	return out
}

// GrantPackage wraps grants in a package.
func (st Standards) GrantPackage(title string, grants []*Grant) *GrantPackage {
	return &GrantPackage{Version: GivingVersion, Title: title,
		Description: "Grants of the welfare-lottery fund's purchase of social services, one per funded project (" + st.publisher() + ")",
		Grants:      grants}
}

// serveStandard answers /download/ocds/{year}/{release,record}-package.json
// and /download/360giving/{year}.json.
func (h *Handler) serveStandard(w http.ResponseWriter, r *http.Request, rest string) error {
	notFound := &ledger.Error{Code: ledger.ENOTFOUND, Message: "no such document; the documents are /download/ocds/{year}/release-package.json, " +
		"/download/ocds/{year}/record-package.json and /download/360giving/{year}.json"}
	parts := strings.Split(rest, "/")
	var doc any
	ctx := ledger.WithBulk(r.Context())
	uri := strings.TrimSuffix(h.Source.BaseURL, "/") + r.URL.Path
	switch {
	case len(parts) == 3 && parts[0] == "ocds" && (parts[2] == "release-package.json" || parts[2] == "record-package.json"):
		year, err := strconv.Atoi(parts[1])
		if err != nil {
			return notFound
		}
		rel, err := h.Source.Release(ctx, h.Standards, year)
		if err != nil {
			return err
		}
		if parts[2] == "release-package.json" {
			doc = h.Standards.ReleasePackage(uri, []*Release{rel})
		} else {
			doc = h.Standards.RecordPackage(uri, []*Release{rel})
		}
	case len(parts) == 2 && parts[0] == "360giving" && strings.HasSuffix(parts[1], ".json"):
		year, err := strconv.Atoi(strings.TrimSuffix(parts[1], ".json"))
		if err != nil {
			return notFound
		}
		gs, err := h.Source.Grants(ctx, h.Standards, year)
		if err != nil {
			return err
		}
		if len(gs) == 0 {
			return &ledger.Error{Code: ledger.ENOTFOUND, Message: fmt.Sprintf("no funded project in %d", year)}
		}
		doc = h.Standards.GrantPackage(fmt.Sprintf("%d年度福彩公益金购买服务项目 grants %d", year, year), gs)
	default:
		return notFound
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
