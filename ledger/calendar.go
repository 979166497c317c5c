package ledger

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// The working-day calendar. Notice periods (公示期) and answer deadlines
// are counted in working days: Monday to Friday, except the public
// holidays the State Council announces each year, plus the weekend days it
// makes working days (调休). The announcements are data, one file per year
// under calendar/ ("YYYY-MM-DD off|work 节日" a line, # starts a comment),
// embedded in the binary. A year without a file counts weekdays only; a
// file that says "# provisional" was written before its notice appeared.

//go:embed calendar/*.txt
var calendarFiles embed.FS

// Calendar says which days are working days.
type Calendar struct {
	off, work   map[Date]string // holidays and make-up working days, with the holiday's name
	years       map[int]bool    // years with a file
	provisional map[int]bool    // years whose file predates the State Council notice
}

// Workdays is the calendar of the embedded yearly files.
var Workdays = mustCalendar(calendarFiles)

func mustCalendar(fsys fs.FS) *Calendar {
	c, err := LoadCalendar(fsys)
	if err != nil {
		panic(err)
	}
	return c
}

// LoadCalendar reads the calendar/*.txt files of fsys.
func LoadCalendar(fsys fs.FS) (*Calendar, error) {
	c := &Calendar{off: map[Date]string{}, work: map[Date]string{}, years: map[int]bool{}, provisional: map[int]bool{}}
	names, err := fs.Glob(fsys, "calendar/*.txt")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		year, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "calendar/"), ".txt"))
		if err != nil {
			return nil, fmt.Errorf("%s: the file name is not a year", name)
		}
		c.years[year] = true
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "# provisional" {
				c.provisional[year] = true
			}
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fields := strings.Fields(line)
			if len(fields) != 3 {
				f.Close()
				return nil, fmt.Errorf("%s:%d: want \"date off|work name\"", name, n)
			}
			d, err := ParseDate(fields[0])
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %v", name, n, err)
			}
			wd := d.Time().Weekday()
			switch fields[1] {
			case "off":
				c.off[d] = fields[2]
			case "work":
				if wd != time.Saturday && wd != time.Sunday {
					f.Close()
					return nil, fmt.Errorf("%s:%d: %s is a weekday, not a make-up working day", name, n, d)
				}
				c.work[d] = fields[2]
			default:
				f.Close()
				return nil, fmt.Errorf("%s:%d: kind %q is neither off nor work", name, n, fields[1])
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Covers reports whether the calendar has year's holidays, and whether
// they are provisional.
func (c *Calendar) Covers(year int) (covered, provisional bool) {
	return c.years[year], c.provisional[year]
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if _, ok := c.work[d]; ok {
		return true
	}
	if _, ok := c.off[d]; ok {
		return false
	}
	wd := d.Time().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Holiday returns the name of the holiday d belongs to ("" for none); a
// make-up working day names the holiday it makes up for.
func (c *Calendar) Holiday(d Date) string {
	if h, ok := c.off[d]; ok {
		return h
	}
	return c.work[d]
}

// WorkingDays counts the working days from `from` to `to`, both included;
// 0 when to is before from.
func (c *Calendar) WorkingDays(from, to Date) int {
	if to < from {
		return 0
	}
	n := 0
	for t, end := from.Time(), to.Time(); !t.After(end); t = t.AddDate(0, 0, 1) {
		if c.IsWorkingDay(DateOf(t)) {
			n++
		}
	}
	return n
}

// AddWorkingDays returns the n-th working day counted from start (start
// itself is the first when it is a working day): the last day of a period
// of n working days that begins on start. n below 1 is read as 1.
func (c *Calendar) AddWorkingDays(start Date, n int) Date {
	t := start.Time()
	for !c.IsWorkingDay(DateOf(t)) {
		t = t.AddDate(0, 0, 1)
	}
	for n--; n > 0; n-- {
		t = t.AddDate(0, 0, 1)
		for !c.IsWorkingDay(DateOf(t)) {
			t = t.AddDate(0, 0, 1)
		}
	}
	return DateOf(t)
}

// ElapsedWorkingDays is how long something received at `from` took until
// `to`, in working days: the working days after from up to and including
// to. Answered the same day (or over a weekend only) is 0.
func (c *Calendar) ElapsedWorkingDays(from, to Date) int {
	if to <= from {
		return 0
	}
	return c.WorkingDays(DateOf(from.Time().AddDate(0, 0, 1)), to)
}

// NoticeDays describes an announcement's notice period on a given day.
type NoticeDays struct {
	Open        bool // the period includes today
	Total       int  // working days in the whole period
	Left        int  // working days from today to the end, today included; 0 once closed
	ClosedOn    Date // the period's last day
	NotYetBegun bool // today is before the period
}

// Notice counts the working days of a notice period [start, end] as seen
// on day today.
func (c *Calendar) Notice(start, end, today Date) NoticeDays {
	n := NoticeDays{Total: c.WorkingDays(start, end), ClosedOn: end}
	switch {
	case today < start:
		n.NotYetBegun = true
		n.Left = n.Total
	case today <= end:
		n.Open = true
		n.Left = c.WorkingDays(today, end)
	}
	return n
}
