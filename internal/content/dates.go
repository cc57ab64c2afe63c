package content

import (
	"strconv"
	"time"
)

// dateStyle is how one language writes a date. Months are in code rather
// than in i18n files because grammar (the Czech genitive "ledna") is part of
// the format, and a translator should not have to know that.
type dateStyle struct {
	months [12]string
	// dayDot: "24. ledna 2024" (cs, sk, sr, de, pl, hr) vs "24 January 2024".
	dayDot bool
}

var dateStyles = map[string]dateStyle{
	"en": {months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}},
	"cs": {dayDot: true, months: [12]string{"ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října", "listopadu", "prosince"}},
	"sk": {dayDot: true, months: [12]string{"januára", "februára", "marca", "apríla", "mája", "júna", "júla", "augusta", "septembra", "októbra", "novembra", "decembra"}},
	"sr": {dayDot: true, months: [12]string{"januar", "februar", "mart", "april", "maj", "jun", "jul", "avgust", "septembar", "oktobar", "novembar", "decembar"}},
	"hr": {dayDot: true, months: [12]string{"siječnja", "veljače", "ožujka", "travnja", "svibnja", "lipnja", "srpnja", "kolovoza", "rujna", "listopada", "studenoga", "prosinca"}},
	"de": {dayDot: true, months: [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}},
	"pl": {dayDot: true, months: [12]string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"}},
}

func styleFor(lang string) dateStyle {
	if st, ok := dateStyles[lang]; ok {
		return st
	}
	if st, ok := dateStyles[baseLang(lang)]; ok {
		return st
	}
	return dateStyles["en"]
}

func (s *Site) loc() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// FormatDate writes a date the way the language does, in the site's time
// zone: cs "24. ledna 2024", en "24 January 2024", sr "24. januar 2024".
func (s *Site) FormatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(s.loc())
	st := styleFor(lang)
	d := strconv.Itoa(t.Day())
	if st.dayDot {
		d += "."
	}
	return d + " " + st.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// dayMonth is FormatDate without the year (for ranges within one year).
func (s *Site) dayMonth(lang string, t time.Time) string {
	t = t.In(s.loc())
	st := styleFor(lang)
	d := strconv.Itoa(t.Day())
	if st.dayDot {
		d += "."
	}
	return d + " " + st.months[t.Month()-1]
}

// FormatTime writes a 24-hour clock time ("18:30") in the site's time zone;
// 24-hour time is understood in every language the sites use.
func (s *Site) FormatTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc()).Format("15:04")
}

// FormatDateRange writes an event's time span: "24. ledna 2024, 18:30–20:00"
// on one day, "24. ledna 2024, 18:30 – 25. ledna 2024, 20:00" across days,
// "24.–26. ledna 2024"-style ranges for whole days. A zero or invalid end
// (not after start) prints the start only.
func (s *Site) FormatDateRange(lang string, start, end time.Time) string {
	if start.IsZero() {
		return ""
	}
	loc := s.loc()
	start = start.In(loc)
	midnight := func(t time.Time) bool { return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 }
	if end.IsZero() || !end.After(start) {
		if midnight(start) {
			return s.FormatDate(lang, start)
		}
		return s.FormatDate(lang, start) + ", " + s.FormatTime(lang, start)
	}
	end = end.In(loc)
	sameDay := start.Year() == end.Year() && start.YearDay() == end.YearDay()
	if sameDay {
		return s.FormatDate(lang, start) + ", " + s.FormatTime(lang, start) + "–" + s.FormatTime(lang, end)
	}
	if midnight(start) && midnight(end) {
		// Whole days (dates written without times): show them as written.
		last := end
		if last.Year() == start.Year() {
			if last.Month() == start.Month() {
				st := styleFor(lang)
				d := strconv.Itoa(start.Day())
				if st.dayDot {
					d += "."
				}
				return d + "–" + s.FormatDate(lang, last)
			}
			return s.dayMonth(lang, start) + " – " + s.FormatDate(lang, last)
		}
		return s.FormatDate(lang, start) + " – " + s.FormatDate(lang, last)
	}
	return s.FormatDate(lang, start) + ", " + s.FormatTime(lang, start) + " – " +
		s.FormatDate(lang, end) + ", " + s.FormatTime(lang, end)
}
