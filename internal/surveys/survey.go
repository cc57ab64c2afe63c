package surveys

import (
	"sort"
	"strings"
	"time"

	"unionhall/internal/content"
)

// Survey is one survey as content declares it, gathered across the
// language versions of its page (they share one id, one set of question
// and option ids, and one store of answers).
type Survey struct {
	ID            string
	Audience      string // "public" | "members"
	Mode          string // "named" | "anonymous"
	Closes        time.Time
	PublicResults bool
	// Pages by language; Default is the site's default language's page
	// when there is one (else any), whose questions define the survey.
	Pages   map[string]*content.Page
	Default *content.Page
}

// Members says whether only signed-in members may answer.
func (s *Survey) Members() bool { return s.Audience == "members" }

// Anonymous says whether answers are kept apart from who gave them.
func (s *Survey) Anonymous() bool { return s.Mode == "anonymous" }

// Page is the survey's page in lang, else the default one.
func (s *Survey) Page(lang string) *content.Page {
	if p, ok := s.Pages[lang]; ok {
		return p
	}
	return s.Default
}

// Questions are the survey's questions in lang.
func (s *Survey) Questions(lang string) []content.SurveyQuestion {
	return s.Page(lang).Survey.Questions
}

// Title is the page title in lang.
func (s *Survey) Title(lang string) string { return s.Page(lang).Title }

// ClosedBy says whether the survey's time has passed at now.
func (s *Survey) pastClose(now time.Time) bool {
	return !s.Closes.IsZero() && !now.Before(s.Closes)
}

// Key is a page's survey id: the block's id (or surveyId), else the page's
// translation key made safe for URLs ("/" becomes "-"), so the Czech and
// English pages share one survey.
func Key(p *content.Page) string {
	if p.Survey != nil && p.Survey.ID != "" {
		return p.Survey.ID
	}
	k := strings.ToLower(strings.Trim(p.TranslationKey, "/"))
	var b strings.Builder
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > 64 {
		out = out[len(out)-64:]
	}
	return strings.Trim(out, "-_")
}

// index groups a site's survey pages by key. The first language version
// defines audience, mode, closing and public results; a version that
// disagrees is left out (and logged by the caller) rather than letting a
// translation open a members' survey to the public.
func index(cs *content.Site) (map[string]*Survey, []string) {
	out := map[string]*Survey{}
	var problems []string
	var pages []*content.Page
	for _, p := range cs.Pages {
		if p.Survey != nil && p.URL != "" {
			pages = append(pages, p)
		}
	}
	// Default language first, then by URL: a stable choice of which page
	// defines the survey.
	sort.SliceStable(pages, func(i, j int) bool {
		di, dj := pages[i].Lang == cs.DefaultLang, pages[j].Lang == cs.DefaultLang
		if di != dj {
			return di
		}
		return pages[i].URL < pages[j].URL
	})
	for _, p := range pages {
		k := Key(p)
		if k == "" {
			continue
		}
		sv := p.Survey
		s, ok := out[k]
		if !ok {
			s = &Survey{ID: k, Audience: sv.Audience, Mode: sv.Mode, Closes: sv.Closes, PublicResults: sv.PublicResults,
				Pages: map[string]*content.Page{}, Default: p}
			// A survey on a members-only page is for members, whatever
			// its block says: the page itself is not public.
			if p.MembersOnly {
				s.Audience = "members"
			}
			out[k] = s
		} else if sv.Audience != s.Default.Survey.Audience || sv.Mode != s.Mode || !sv.Closes.Equal(s.Closes) || !sameQuestions(sv, s.Default.Survey) {
			problems = append(problems, p.URL+": its survey "+k+" differs from "+s.Default.URL+" (audience, mode, closes or question ids); left out")
			continue
		}
		if _, dup := s.Pages[p.Lang]; !dup {
			s.Pages[p.Lang] = p
		}
	}
	return out, problems
}

// sameQuestions: the same question ids, kinds and option ids in order
// (texts differ by language).
func sameQuestions(a, b *content.Survey) bool {
	if len(a.Questions) != len(b.Questions) {
		return false
	}
	for i, q := range a.Questions {
		r := b.Questions[i]
		if q.ID != r.ID || q.Kind != r.Kind || q.Required != r.Required || len(q.Options) != len(r.Options) || q.Min != r.Min || q.Max != r.Max {
			return false
		}
		for j, o := range q.Options {
			if o.ID != r.Options[j].ID {
				return false
			}
		}
	}
	return true
}

func sortSurveys(l []*Survey) {
	sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
}
