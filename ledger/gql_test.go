package ledger

import (
	"bytes"
	"testing"
)

func TestScalarsAndEnumsFromGraphQL(t *testing.T) {
	var d Date
	if err := d.UnmarshalGQL("2015-06-02"); err != nil || d != "2015-06-02" {
		t.Errorf("Date 2015-06-02: %q, %v", d, err)
	}
	for _, bad := range []any{"2015-13-45", 20150602, nil, "2015-06-02 "} {
		var d Date
		wantRefusal(t, "Date", InField("d", d.UnmarshalGQL(bad)), "d")
	}
	var s Stage
	if err := s.UnmarshalGQL("EXECUTION"); err != nil || s != Execution {
		t.Errorf("Stage EXECUTION: %q, %v", s, err)
	}
	for _, bad := range []any{"execution", "", 3} {
		var s Stage
		wantRefusal(t, "Stage", InField("s", s.UnmarshalGQL(bad)), "s")
	}
	var o Outcome
	wantRefusal(t, "Outcome empty", InField("o", o.UnmarshalGQL("")), "o")
	var buf bytes.Buffer
	Date("").MarshalGQL(&buf)
	Date("2015-06-02").MarshalGQL(&buf)
	Money(-5).MarshalGQL(&buf)
	ElderlySupport.MarshalGQL(&buf)
	if got := buf.String(); got != `null"2015-06-02""-0.05""ELDERLY_SUPPORT"` {
		t.Errorf("marshalled %s", got)
	}
}
