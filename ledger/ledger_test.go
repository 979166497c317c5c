package ledger

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in  string
		bad bool
	}{
		{"2015-06-02", false},
		{"2016-02-29", false}, // leap year
		{"2000-02-29", false},
		{"0001-01-01", false},
		{"2015-02-29", true},
		{"1900-02-29", true},
		{"2015-13-45", true},
		{"2015-00-10", true},
		{"2015-04-31", true},
		{"2015-6-2", true},
		{"15-06-02", true},
		{"2015/06/02", true},
		{"2015-06-02T00:00:00Z", true},
		{" 2015-06-02", true},
		{"", true},
		{"２０１５-06-02", true},
	} {
		d, err := ParseDate(tc.in)
		if tc.bad {
			wantRefusal(t, "ParseDate("+tc.in+")", InField("date", err), "date")
			if Date(tc.in).Valid() {
				t.Errorf("Date(%q).Valid() = true", tc.in)
			}
			continue
		}
		if err != nil || string(d) != tc.in || !d.Valid() {
			t.Errorf("ParseDate(%q) = %q, %v", tc.in, d, err)
		}
		if got := d.Time().Format(time.DateOnly); got != tc.in {
			t.Errorf("Date(%q).Time() is %s", tc.in, got)
		}
	}
}

func TestDateOfAndYear(t *testing.T) {
	// 2015-12-31 17:00 UTC is already 1 January in Shanghai.
	at := time.Date(2015, 12, 31, 17, 0, 0, 0, time.UTC)
	if got := DateOf(at); got != "2016-01-01" {
		t.Errorf("DateOf(%v) = %s, want 2016-01-01", at, got)
	}
	if got := FormatTime(at); got != "2016-01-01T01:00:00+08:00" {
		t.Errorf("FormatTime = %s", got)
	}
	for d, want := range map[Date]int{"2015-06-02": 2015, "": 0, "0001-01-01": 1} {
		if got := d.Year(); got != want {
			t.Errorf("Date(%q).Year() = %d, want %d", d, got, want)
		}
	}
	if got := Date("2015-06-02").Time(); got.Location() != Shanghai || got.Hour() != 0 {
		t.Errorf("Date.Time() = %v, want midnight in Shanghai", got)
	}
}

func TestAttribution(t *testing.T) {
	for _, tc := range []struct {
		name       string
		att        Attribution
		field      string // of Validate's refusal
		correction string // of ValidateCorrection's refusal
	}{
		{"complete", Attribution{Actor: "zhang", Role: RoleBureau, Reason: "typo in title"}, "", ""},
		{"no reason", Attribution{Actor: "demo-loader", Role: RoleSystem}, "", "attribution.reason"},
		{"blank reason", Attribution{Actor: "zhang", Role: RoleBureau, Reason: "  \t"}, "", "attribution.reason"},
		{"no actor", Attribution{Role: RoleBureau, Reason: "x"}, "attribution.actor", "attribution.actor"},
		{"unknown role", Attribution{Actor: "zhang", Role: "MAYOR", Reason: "x"}, "attribution.role", "attribution.role"},
		{"no role", Attribution{Actor: "zhang"}, "attribution.role", "attribution.role"},
	} {
		wantRefusal(t, tc.name+" Validate", tc.att.Validate(), tc.field)
		wantRefusal(t, tc.name+" ValidateCorrection", tc.att.ValidateCorrection(), tc.correction)
	}
}

func TestForStageChange(t *testing.T) {
	att := Attribution{Actor: "a", Role: RoleBureau}
	for _, tc := range []struct {
		reason string
		e      StageEvent
		want   string
	}{
		{"", StageEvent{Stage: Execution}, "stage change: 项目执行"},
		{"", StageEvent{Stage: Execution, Outcome: Terminated}, "stage change: 项目执行 / 终止"},
		{"", StageEvent{Stage: Closing, Outcome: Completed}, "stage change: 项目结项 / 已结项"},
		{"协议签订", StageEvent{Stage: Execution}, "协议签订"},
	} {
		a := att
		a.Reason = tc.reason
		got := a.ForStageChange(&tc.e)
		if got.Reason != tc.want || got.Actor != att.Actor || got.Role != att.Role {
			t.Errorf("ForStageChange(%+v) = %+v, want reason %q", tc.e, got, tc.want)
		}
	}
}
