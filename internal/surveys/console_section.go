package surveys

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/web"
)

// The surveys feature's part of the committee's console (console/*.html,
// console.json): the list of surveys, each survey's results with its
// charts, the text answers, the CSV and closing early. It plugs into the
// console's route table (ConsoleSection) and never imports the console.

// The surveys permissions, declared by the feature (console.Declare).
const (
	// ListSurveys shows surveys, their results and text answers, and the
	// CSV; for a named survey that includes who answered.
	ListSurveys = "list-surveys"
	// ManageSurveys closes a survey early.
	ManageSurveys = "manage-surveys"
)

func init() {
	console.AddTexts("surveys", consoleTexts)
	console.Declare("surveys",
		console.Permission{Name: ListSurveys, Label: map[string]string{
			"en": "See surveys and their results", "cs": "Vidět ankety a jejich výsledky"}},
		console.Permission{Name: ManageSurveys, Label: map[string]string{
			"en": "Manage surveys", "cs": "Spravovat ankety"}})
}

//go:embed console/*.html
var consoleFS embed.FS

//go:embed console.json
var consoleJSON []byte

var consoleTexts = web.MustCatalog("surveys console", consoleJSON)

// ConsoleTexts is the surveys pages' own catalog (for tests).
func ConsoleTexts() web.Catalog { return consoleTexts }

var surveyFlashes = []string{"survey_closed"}

type consolePages struct{ s *Service }

// ConsoleSection is the surveys feature's section of the console.
func (s *Service) ConsoleSection() console.Section {
	cp := &consolePages{s: s}
	tmpl, _ := fs.Sub(consoleFS, "console")
	return console.Section{
		Name:        "surveys",
		Nav:         []console.Nav{{Href: "/admin/surveys", Perm: ListSurveys, Label: "nav.surveys", Hint: "dash.surveys"}},
		Templates:   tmpl,
		Flashes:     surveyFlashes,
		Permissions: []console.Permission{{Name: ListSurveys}, {Name: ManageSurveys}},
		Routes: []console.Route{
			{Method: "GET", Pattern: "/admin/surveys", Perm: ListSurveys, Handler: cp.list},
			{Method: "GET", Pattern: "/admin/surveys/{id}", Perm: ListSurveys, Handler: cp.page},
			{Method: "POST", Pattern: "/admin/surveys/{id}/export", Perm: ListSurveys, Handler: cp.export},
			{Method: "POST", Pattern: "/admin/surveys/{id}/close", Perm: ManageSurveys, Handler: cp.close},
		},
	}
}

// Row is a survey as the console lists it.
type Row struct {
	ID, Title, URL, Audience, Mode string
	Closes, ClosedAt               time.Time
	Open, Early, PublicResults     bool
	Answers                        int
}

func (cp *consolePages) row(r *http.Request, sv *Survey) (Row, error) {
	st, err := cp.s.State(r.Context(), sv.ID)
	if err != nil {
		return Row{}, err
	}
	pg := sv.Page(console.Lang(r))
	return Row{ID: sv.ID, Title: pg.Title, URL: pg.URL, Audience: sv.Audience, Mode: sv.Mode, Closes: sv.Closes,
		ClosedAt: st.ClosedAt, Early: st.ClosedBy != "", PublicResults: sv.PublicResults,
		Open: st.ClosedAt.IsZero() && !sv.pastClose(cp.s.now()), Answers: st.Answers}, nil
}

func (cp *consolePages) list(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	var rows []Row
	for _, sv := range cp.s.List() {
		row, err := cp.row(r, sv)
		if err != nil {
			p.FailErr(w, r, a, err)
			return
		}
		rows = append(rows, row)
	}
	p.Render(w, r, a, http.StatusOK, "surveys.html", console.Tr(r, "nav.surveys"), map[string]any{"Rows": rows}, nil)
}

func (cp *consolePages) survey(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) (*Survey, bool) {
	sv, ok := cp.s.Get(r.PathValue("id"))
	if !ok {
		p.Fail(w, r, a, http.StatusNotFound, "err.not_found")
	}
	return sv, ok
}

func (cp *consolePages) page(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	sv, ok := cp.survey(p, w, r, a)
	if !ok {
		return
	}
	row, err := cp.row(r, sv)
	if err != nil {
		p.FailErr(w, r, a, err)
		return
	}
	lang := console.Lang(r)
	res, err := cp.s.Results(r.Context(), sv, lang, true)
	if err != nil {
		p.FailErr(w, r, a, err)
		return
	}
	p.Render(w, r, a, http.StatusOK, "survey.html", row.Title, map[string]any{
		"S": row, "R": res, "CanManage": a.Has(ManageSurveys), "Suppress": Suppress,
		"ResultsURL": ResultsURL(sv.Page(lang)),
	}, nil)
}

func (cp *consolePages) export(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	sv, ok := cp.survey(p, w, r, a)
	if !ok {
		return
	}
	data, err := cp.s.CSV(r.Context(), sv, console.Lang(r))
	if errors.Is(err, ErrSuppressed) {
		p.Fail(w, r, a, http.StatusConflict, "err.survey_suppressed", "n", Suppress)
		return
	}
	if err != nil {
		p.FailErr(w, r, a, err)
		return
	}
	if err := cp.s.audit(r, a.ID, "survey.export", sv.ID, ""); err != nil {
		p.FailErr(w, r, a, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="survey-`+sv.ID+`.csv"`)
	h.Set("Cache-Control", "no-store")
	w.Write(append([]byte("\ufeff"), data...))
}

func (cp *consolePages) close(p console.Page, w http.ResponseWriter, r *http.Request, a *auth.Account) {
	sv, ok := cp.survey(p, w, r, a)
	if !ok {
		return
	}
	if err := cp.s.CloseEarly(r.Context(), sv, a.ID); err != nil {
		if errors.Is(err, ErrClosed) {
			p.Fail(w, r, a, http.StatusConflict, "err.survey_closed")
			return
		}
		p.FailErr(w, r, a, err)
		return
	}
	console.Redirect(w, r, "/admin/surveys/"+sv.ID, "survey_closed")
}
