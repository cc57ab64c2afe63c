package membership

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"
	"unionhall/internal/site"

	"unionhall/internal/content"
	"unionhall/internal/membership/signature"
)

// formState is what the form shows: the values as typed, the errors, and
// the page context. It is rebuilt for every response; nothing of it is
// stored on the server.
type formState struct {
	In     Input
	Errors Errors
	Notice string
	// Signature kept from an earlier attempt, as a data URL of the
	// normalised PNG (never the raw upload).
	KeptSignature string
	// Stamp is the form's original signed timestamp when it passed: a
	// person correcting one field must not be refused as "too fast".
	Stamp string
}

// formView is the template data of the form.
type formView struct {
	Lang          string
	Title         string
	Action        string
	Intro         template.HTML
	TS            string
	Notice        string
	Summary       []summaryItem
	Values        map[string]string
	FieldErrors   map[string]string
	Languages     []langOption
	Companies     []string
	Occupations   []string
	StatutesLabel template.HTML
	Statutes      bool
	TypedConsent  bool
	SignMethod    string
	// SignatureDataURL is our own re-encoded PNG (never what was sent), so
	// it is safe to mark as a URL for html/template, which would otherwise
	// replace a data: URL in src with "#ZgotmplZ".
	SignatureDataURL template.URL
	SignatureError   string
	MethodError      string
	PhoneExample     string
	PostalInputMode  string
}

type summaryItem struct{ Anchor, Label, Message string }

type langOption struct {
	Code, Name string
	Selected   bool
}

// fieldView is one input for the "input" template.
type fieldView struct {
	Lang, Name, Type, Label, Hint, Error, Value, Autocomplete, InputMode, List, DescribedBy string
	Required                                                                                bool
	MaxLength                                                                               int
}

var maxLengths = map[string]int{FEmail: maxEmail, FFirstName: maxName, FLastName: maxName, FAddress: maxText,
	FCity: maxName, FPostalCode: 12, FPhone: 30, FCompany: maxText, FOccupation: maxName, FTypedName: 2*maxName + 1}

// fieldFor is the template function building a fieldView.
func fieldFor(v *formView, name, typ, autocomplete, inputmode string, required bool, hintKey string) fieldView {
	f := fieldView{Lang: v.Lang, Name: name, Type: typ, Label: T(v.Lang, "field."+name), Value: v.Values[name],
		Autocomplete: autocomplete, InputMode: inputmode, Required: required, Error: v.FieldErrors[name],
		MaxLength: maxLengths[name]}
	if name == FTypedName {
		f.Label = T(v.Lang, "sign.typed.name")
	}
	if hintKey != "" {
		f.Hint = T(v.Lang, hintKey, "example", v.PhoneExample)
	}
	var desc []string
	if f.Hint != "" {
		desc = append(desc, "hint-"+name)
	}
	if f.Error != "" {
		desc = append(desc, "err-"+name)
	}
	f.DescribedBy = strings.Join(desc, " ")
	switch name {
	case FCompany:
		if len(v.Companies) > 0 {
			f.List = "list-company_name"
		}
	case FOccupation:
		if len(v.Occupations) > 0 {
			f.List = "list-occupation"
		}
	}
	return f
}

func (s *Service) showForm(w http.ResponseWriter, r *http.Request, cs *content.Site, lang string, intro *content.Page, st *formState, status int) {
	now := s.d.Now()
	f := s.facts.get(cs)
	v := &formView{
		Lang: lang, Title: T(lang, "form.title"), Action: r.URL.Path, TS: st.Stamp,
		Notice: st.Notice, FieldErrors: map[string]string{}, Companies: f.companies,
		Occupations: f.occupations[lang], PhoneExample: phoneExample(f.countryCode),
		Statutes: st.In.Statutes, TypedConsent: st.In.TypedConsent, SignMethod: st.In.SignMethod,
		SignatureDataURL: template.URL(st.KeptSignature),
	}
	if v.TS == "" {
		v.TS = s.stamp.stamp(now)
	}
	if f.countryCode == "420" || f.countryCode == "421" {
		v.PostalInputMode = "numeric"
	}
	if intro != nil {
		v.Intro = intro.Body
		if intro.Title != "" {
			v.Title = intro.Title
		}
	}
	in := st.In
	v.Values = map[string]string{FEmail: in.Email, FFirstName: in.FirstName, FLastName: in.LastName,
		FDateOfBirth: in.DateOfBirth, FAddress: in.Address, FCity: in.City, FPostalCode: in.PostalCode,
		FPhone: in.Phone, FCompany: in.Company, FOccupation: in.Occupation, FTypedName: in.TypedName}
	selected := in.Lang
	if selected == "" {
		selected = lang
	}
	for _, l := range cs.Languages {
		v.Languages = append(v.Languages, langOption{Code: l.Code, Name: l.Name, Selected: l.Code == selected})
	}
	label := template.HTMLEscapeString(T(lang, "field.statutes.plain"))
	if u := statutesURL(cs, lang, now); u != "" {
		label = `<a href="` + template.HTMLEscapeString(u) + `">` + template.HTMLEscapeString(T(lang, "field.statutes.link")) + `</a>`
	}
	v.StatutesLabel = template.HTML(strings.Replace(template.HTMLEscapeString(T(lang, "field.statutes")), "{statutes}", label, 1))

	for _, name := range fieldOrder {
		errs := st.Errors[name]
		if len(errs) == 0 {
			continue
		}
		msg := message(lang, name, errs[0], v.PhoneExample)
		v.FieldErrors[name] = msg
		anchor, lbl := "f-"+name, T(lang, "field."+name)
		switch name {
		case FSignature, FSignMethod:
			anchor, lbl = "f-sign_method", T(lang, "field.signature")
			if name == FSignature {
				v.SignatureError = msg
			} else {
				v.MethodError = msg
			}
		case FStatutes:
			lbl = T(lang, "field.statutes.plain")
		case FTypedName:
			lbl = T(lang, "sign.typed.name")
		case FTypedConsent:
			lbl = T(lang, "sign.typed")
		}
		v.Summary = append(v.Summary, summaryItem{Anchor: anchor, Label: lbl, Message: msg})
	}
	title := v.Title
	if len(v.Summary) > 0 {
		// WCAG: the title says there is a problem, so screen-reader users
		// hear it first.
		title = T(lang, "form.errors.title") + " " + title
	}
	lv := site.LayoutView{Lang: lang, Title: title, Status: status, Canonical: r.URL.Path}
	if r.URL.Path == "/"+lang+"/join/" {
		lv.Alternates = map[string]string{}
		for _, l := range cs.Languages {
			lv.Alternates[l.Code] = "/" + l.Code + "/join/"
		}
	}
	s.render(w, r, "form", v, lv)
}

// readForm parses a form submission within the size limit. tooLarge is
// true when the request was over MaxRequestBytes.
func (s *Service) readForm(w http.ResponseWriter, r *http.Request) (in Input, tooLarge bool, err error) {
	if r.ContentLength > s.maxBody {
		drain(r)
		return in, true, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	err = r.ParseMultipartForm(s.maxBody)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return in, true, nil
	}
	if err != nil {
		return in, false, err
	}
	get := func(k string) string { return r.PostFormValue(k) }
	in = Input{
		Email: get(FEmail), FirstName: get(FFirstName), LastName: get(FLastName), DateOfBirth: get(FDateOfBirth),
		Address: get(FAddress), City: get(FCity), PostalCode: get(FPostalCode), Phone: get(FPhone),
		Company: get(FCompany), Occupation: get(FOccupation), Lang: get(FLang),
		RequireStatutes: true, Statutes: get(FStatutes) != "", SignMethod: get(FSignMethod),
		SignatureDataURL: get("signature_data"), TypedName: get(FTypedName), TypedConsent: get(FTypedConsent) != "",
	}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["signature_file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			if fhs[0].Size > signature.MaxEncodedBytes {
				// Let validation report it in the person's language.
				in.SignatureFile = make([]byte, signature.MaxEncodedBytes+1)
			} else if f, ferr := fhs[0].Open(); ferr == nil {
				in.SignatureFile, err = io.ReadAll(io.LimitReader(f, signature.MaxEncodedBytes+1))
				f.Close()
				if err != nil {
					return in, false, err
				}
			}
		}
	}
	return in, false, nil
}

// drain reads and discards a too-large body (up to a bound) so the client,
// still uploading, reads our answer instead of a connection reset.
func drain(r *http.Request) {
	_, _ = io.CopyN(io.Discard, r.Body, 32<<20)
}

func (s *Service) submitForm(w http.ResponseWriter, r *http.Request, cs *content.Site, lang string, intro *content.Page) {
	in, tooLarge, err := s.readForm(w, r)
	if tooLarge {
		s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "toolarge.title"),
			Paragraphs: []string{T(lang, "toolarge.body")}, Link: r.URL.Path, LinkText: T(lang, "toolarge.back")},
			http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		s.log.Info("join form: unreadable request", "err", err)
		s.showForm(w, r, cs, lang, intro, &formState{Notice: T(lang, "form.neutral")}, http.StatusBadRequest)
		return
	}
	now := s.d.Now()
	f := s.facts.get(cs)
	rules := Rules{EmployerDomains: f.employerDomains, Langs: f.langs, CountryCode: f.countryCode, Location: f.loc, Now: now}
	app, png, errs := rules.Validate(in)
	st := &formState{In: in, Errors: errs}
	if png != nil {
		st.KeptSignature = dataURL(png)
		if st.In.SignMethod == "" {
			st.In.SignMethod = SignUpload
			if in.SignatureFile == nil {
				st.In.SignMethod = SignDraw
			}
		}
	}

	// Spam checks come after parsing so a refused person keeps what they
	// typed; the message is the same whatever tripped, so a bot learns
	// nothing.
	if r.PostFormValue("website") != "" {
		s.log.Info("join form: refused", "reason", "honeypot")
		st.Errors, st.Notice = nil, T(lang, "form.neutral")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	}
	switch s.stamp.check(r.PostFormValue("ts"), now, s.d.Settings.MinFillTime.Duration) {
	case stampInvalid, stampTooFast:
		s.log.Info("join form: refused", "reason", "timestamp")
		st.Errors, st.Notice = nil, T(lang, "form.neutral")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	case stampStale:
		st.Notice = T(lang, "form.stale")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	}
	if len(errs) > 0 {
		st.Stamp = r.PostFormValue("ts")
		s.showForm(w, r, cs, lang, intro, st, http.StatusUnprocessableEntity)
		return
	}
	if ok, retry := s.limit.allow(clientKey(r), now); !ok {
		s.rateLimited(w, r, lang, retry)
		return
	}
	if err := s.submit(r.Context(), app, png); err != nil {
		s.log.Error("join form: store application", "err", err)
		http.Error(w, T(lang, "form.neutral"), http.StatusServiceUnavailable)
		return
	}
	// Post/Redirect/Get: a reload of the next page cannot submit twice.
	http.Redirect(w, r, "/"+lang+"/join/sent/", http.StatusSeeOther)
}

func (s *Service) rateLimited(w http.ResponseWriter, r *http.Request, lang string, retry time.Duration) {
	w.Header().Set("Retry-After", retryAfter(retry))
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "ratelimit.title"),
		Paragraphs: []string{T(lang, "ratelimit.body")}}, http.StatusTooManyRequests)
}
