package membership

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unionhall/internal/formguard"

	"unionhall/internal/content"
	"unionhall/internal/membership/signature"
	"unionhall/internal/site"
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
		v.TS = s.stamp.Stamp(now)
	}
	if f.countryCode == "420" || f.countryCode == "421" {
		v.PostalInputMode = "numeric"
	}
	if intro != nil {
		v.Intro = intro.Body()
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
	switch {
	case len(v.Summary) > 0:
		// WCAG: the title says there is a problem, so screen-reader users
		// hear it first.
		title = T(lang, "form.errors.title") + " " + title
	case v.Notice != "":
		// A refusal with nothing to correct (rate limit, a fault on our
		// side): the title says at once that the application was not sent.
		title = T(lang, "form.notsent.title") + " " + title
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

// posted is one submission as read from the request.
type posted struct {
	In          Input
	TS, Website string
	// TooLarge: the request was over MaxRequestBytes. In still holds every
	// field read before the limit (a browser sends the fields in the
	// form's order, so everything above the signature upload), so the form
	// can be shown again with them.
	TooLarge bool
}

// Reading limits. Known text fields are kept up to maxFieldBytes each
// (well above any valid value, so validation reports "too long" for a
// longer one rather than the field going missing); the drawn signature up
// to the whole request's limit; anything else is not kept. An over-limit
// request is still read (and discarded) up to maxDrainBytes, so the
// browser, still uploading, reads our answer instead of a reset — and the
// text fields before a huge upload are kept.
const (
	maxFieldBytes = 4 << 10
	maxDrainBytes = 32 << 20
)

// textFields are the form's text inputs that are kept as typed.
var textFields = map[string]bool{FEmail: true, FFirstName: true, FLastName: true, FDateOfBirth: true,
	FAddress: true, FCity: true, FPostalCode: true, FPhone: true, FCompany: true, FOccupation: true,
	FLang: true, FStatutes: true, FSignMethod: true, FTypedName: true, FTypedConsent: true,
	"ts": true, "website": true}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readForm reads a submission, multipart (what the form sends) or
// URL-encoded (a client without the form), streaming rather than through
// ParseMultipartForm: that way a request over the limit still yields the
// fields before the point where it went over, and nothing is written to
// temporary files. err is set only for a malformed request within the limit.
func (s *Service) readForm(r *http.Request) (p posted, err error) {
	body := &countingReader{r: io.LimitReader(r.Body, maxDrainBytes)}
	vals := url.Values{}
	var file []byte
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		file, err = s.readMultipart(body, params["boundary"], vals)
	case "application/x-www-form-urlencoded":
		err = s.readURLEncoded(body, vals)
	}
	p.TooLarge = body.n > s.maxBody || (r.ContentLength > s.maxBody)
	if p.TooLarge {
		err = nil
		// Read on (up to the bound) so the client sees the answer.
		_, _ = io.Copy(io.Discard, body)
	}
	get := vals.Get
	p.TS, p.Website = get("ts"), get("website")
	p.In = Input{
		Email: get(FEmail), FirstName: get(FFirstName), LastName: get(FLastName), DateOfBirth: get(FDateOfBirth),
		Address: get(FAddress), City: get(FCity), PostalCode: get(FPostalCode), Phone: get(FPhone),
		Company: get(FCompany), Occupation: get(FOccupation), Lang: get(FLang),
		RequireStatutes: true, Statutes: get(FStatutes) != "", SignMethod: get(FSignMethod),
		SignatureDataURL: get("signature_data"), TypedName: get(FTypedName), TypedConsent: get(FTypedConsent) != "",
		SignatureFile: file,
	}
	return p, err
}

// readMultipart reads the parts of a multipart body into vals and returns
// the uploaded signature file: at most signature.MaxEncodedBytes+1 bytes, so
// a larger file is reported by validation as too large, in the person's
// language.
func (s *Service) readMultipart(body io.Reader, boundary string, vals url.Values) (file []byte, err error) {
	if boundary == "" {
		return nil, errors.New("multipart without boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return file, nil
		}
		if err != nil {
			return file, err
		}
		name := part.FormName()
		switch {
		case name == "signature_file" && file == nil:
			// A browser sends an empty part when no file was chosen.
			b, err := io.ReadAll(io.LimitReader(part, signature.MaxEncodedBytes+1))
			if err != nil {
				return file, err
			}
			if len(b) > 0 {
				file = b
			}
		case name == "signature_data" || textFields[name]:
			limit := int64(maxFieldBytes)
			if name == "signature_data" {
				limit = s.maxBody
			}
			b, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return file, err
			}
			if int64(len(b)) > limit {
				if name == "signature_data" {
					// Cannot be a signature we drew; drop it whole.
					break
				}
				b = truncUTF8(b[:limit])
			}
			if !vals.Has(name) {
				vals.Set(name, string(b))
			}
		}
		// Skip the rest of the part (an unknown field, the tail of an
		// over-long one).
		if _, err := io.Copy(io.Discard, part); err != nil {
			return file, err
		}
	}
}

// readURLEncoded reads an URL-encoded body. Over the limit, the pairs
// before the cut are kept.
func (s *Service) readURLEncoded(body io.Reader, vals url.Values) error {
	b, err := io.ReadAll(io.LimitReader(body, s.maxBody+1))
	if err != nil {
		return err
	}
	if int64(len(b)) > s.maxBody {
		b = b[:bytes.LastIndexByte(b, '&')+1]
	}
	q, err := url.ParseQuery(string(b))
	for k, v := range q {
		if (textFields[k] || k == "signature_data") && len(v) > 0 {
			val := v[0]
			if k != "signature_data" && len(val) > maxFieldBytes {
				val = string(truncUTF8([]byte(val[:maxFieldBytes])))
			}
			vals.Set(k, val)
		}
	}
	return err
}

// truncUTF8 drops a rune cut in half at the end of b.
func truncUTF8(b []byte) []byte {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// drain reads and discards a too-large body (up to a bound) so the client,
// still uploading, reads our answer instead of a connection reset.
func drain(r *http.Request) {
	_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
}

// submitForm takes a POST of the form. Every refusal shows the form again
// in the page's language with what was typed kept (and the signature,
// re-encoded, where it was valid) and a message that says nothing was
// sent and what to do:
//
//   - over the size limit: 413, the fields read before the limit kept;
//   - honeypot filled, timestamp missing, forged or too fast: 400 with one
//     neutral message, the same for each, so a bot cannot tell which check
//     tripped. A honeypot hit deliberately does not pretend success: a
//     password manager may fill the hidden field for a real person, who
//     would otherwise believe an application was sent that never was;
//   - the form left open over a day (stale timestamp): 400, asked to send
//     it again;
//   - invalid fields: 422 with each named;
//   - rate limit: 429 with Retry-After, saying roughly when to try again;
//   - the database failing: 503, asked to try again in a few minutes.
func (s *Service) submitForm(w http.ResponseWriter, r *http.Request, cs *content.Site, lang string, intro *content.Page) {
	p, err := s.readForm(r)
	if err != nil {
		s.log.Info("join form: unreadable request", "err", err)
		s.showForm(w, r, cs, lang, intro, &formState{Notice: T(lang, "form.neutral")}, http.StatusBadRequest)
		return
	}
	in := p.In
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
	verdict := s.stamp.Check(p.TS, now, s.d.Settings.MinFillTime.Duration)

	if p.TooLarge {
		// Nearly always a photo of the signature over the limit: the form
		// comes back with everything typed above it and the fields to fix.
		s.log.Info("join form: refused", "reason", "too large")
		if len(in.SignatureFile) > signature.MaxEncodedBytes {
			st.Errors[FSignature] = []FieldError{{Code: signature.CodeTooLarge}}
			st.In.SignMethod = SignUpload
		}
		if verdict == formguard.OK {
			st.Stamp = p.TS
		}
		st.Notice = T(lang, "toolarge.notice")
		s.showForm(w, r, cs, lang, intro, st, http.StatusRequestEntityTooLarge)
		return
	}
	// Spam checks come after parsing so a refused person keeps what they
	// typed; the message is the same whatever tripped, so a bot learns
	// nothing.
	if p.Website != "" {
		s.log.Info("join form: refused", "reason", "honeypot")
		st.Errors, st.Notice = nil, T(lang, "form.neutral")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	}
	switch verdict {
	case formguard.Invalid, formguard.TooFast:
		s.log.Info("join form: refused", "reason", "timestamp")
		st.Errors, st.Notice = nil, T(lang, "form.neutral")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	case formguard.Stale:
		st.Notice = T(lang, "form.stale")
		s.showForm(w, r, cs, lang, intro, st, http.StatusBadRequest)
		return
	}
	// From here on the timestamp has passed: keep it, so a person sending
	// the form again is not refused as too fast.
	st.Stamp = p.TS
	if len(errs) > 0 {
		s.showForm(w, r, cs, lang, intro, st, http.StatusUnprocessableEntity)
		return
	}
	if ok, retry := s.limit.Allow(clientKey(r), now); !ok {
		s.log.Info("join form: refused", "reason", "rate limit")
		w.Header().Set("Retry-After", formguard.RetryAfter(retry))
		st.Notice = T(lang, "ratelimit.notice", "wait", waitText(retry))
		s.showForm(w, r, cs, lang, intro, st, http.StatusTooManyRequests)
		return
	}
	if err := s.submit(r.Context(), app, png); err != nil {
		s.log.Error("join form: store application", "err", err)
		st.Notice = T(lang, "form.failed")
		s.showForm(w, r, cs, lang, intro, st, http.StatusServiceUnavailable)
		return
	}
	// Post/Redirect/Get: a reload of the next page cannot submit twice.
	http.Redirect(w, r, "/"+lang+"/join/sent/", http.StatusSeeOther)
}

// waitText says roughly how long until the rate limit lets a client try
// again: "6 min", "2 h". Units as abbreviations read the same in Czech and
// English and need no plural forms.
func waitText(d time.Duration) string {
	if m := int((d + time.Minute - 1) / time.Minute); m <= 90 {
		return strconv.Itoa(max(1, m)) + " min"
	}
	return strconv.Itoa(int((d+time.Hour-1)/time.Hour)) + " h"
}

// rateLimited answers a rate-limited request that has no form to show
// again (the "send a new link" form, one email address).
func (s *Service) rateLimited(w http.ResponseWriter, r *http.Request, lang string, retry time.Duration) {
	w.Header().Set("Retry-After", formguard.RetryAfter(retry))
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "ratelimit.title"),
		Paragraphs: []string{T(lang, "ratelimit.body", "wait", waitText(retry))}}, http.StatusTooManyRequests)
}
