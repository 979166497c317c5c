package scalars

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"civicledger/ledger"
)

// wantRefusal checks that err, placed under field, is an EINVALID
// *ledger.Error naming field with a message.
func wantRefusal(t *testing.T, name string, err error, field string) {
	t.Helper()
	var e *ledger.Error
	if !errors.As(ledger.InField(field, err), &e) || e.Code != ledger.EINVALID || e.Field != field || e.Message == "" {
		t.Errorf("%s: got %v, want a %s refusal of %s", name, err, ledger.EINVALID, field)
	}
}

func TestUnmarshalMoney(t *testing.T) {
	const maxYuan = math.MaxInt64 / 100
	for _, tc := range []struct {
		name string
		in   any
		want ledger.Money
		bad  bool
	}{
		{"string", "1234.56", 123456, false},
		{"inline integer of yuan", int64(12), 1200, false},
		{"int", 3, 300, false},
		{"variable number", json.Number("12"), 1200, false},
		{"variable decimal", json.Number("12.5"), 1250, false},
		{"largest integer of yuan", int64(maxYuan), ledger.Yuan(maxYuan), false},
		{"integer that overflows", int64(maxYuan + 1), 0, true},
		{"negative integer that overflows", int64(math.MinInt64), 0, true},
		{"variable exponent", json.Number("1e5"), 0, true},
		{"float", 12.5, 0, true},
		{"bool", true, 0, true},
		{"null", nil, 0, true},
		{"bad string", "abc", 0, true},
	} {
		m, err := UnmarshalMoney(tc.in)
		if tc.bad {
			wantRefusal(t, tc.name, err, "arg")
			continue
		}
		if err != nil || m != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, m, err, tc.want)
		}
	}
}

func TestScalarsAndEnumsFromGraphQL(t *testing.T) {
	if d, err := UnmarshalDate("2015-06-02"); err != nil || d != "2015-06-02" {
		t.Errorf("Date 2015-06-02: %q, %v", d, err)
	}
	for _, bad := range []any{"2015-13-45", 20150602, nil, "2015-06-02 "} {
		_, err := UnmarshalDate(bad)
		wantRefusal(t, "Date", err, "d")
	}
	if s, err := UnmarshalStage("EXECUTION"); err != nil || s != ledger.Execution {
		t.Errorf("Stage EXECUTION: %q, %v", s, err)
	}
	for _, bad := range []any{"execution", "", 3} {
		_, err := UnmarshalStage(bad)
		wantRefusal(t, "Stage", err, "s")
	}
	_, err := UnmarshalOutcome("")
	wantRefusal(t, "Outcome empty", err, "o")
	_, err = UnmarshalStatsGroup("")
	wantRefusal(t, "StatsGroup empty", err, "g")
	var buf bytes.Buffer
	MarshalDate("").MarshalGQL(&buf)
	MarshalDate("2015-06-02").MarshalGQL(&buf)
	MarshalMoney(-5).MarshalGQL(&buf)
	MarshalServiceArea(ledger.ElderlySupport).MarshalGQL(&buf)
	if got := buf.String(); got != `null"2015-06-02""-0.05""ELDERLY_SUPPORT"` {
		t.Errorf("marshalled %s", got)
	}
}
