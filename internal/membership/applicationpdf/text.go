package applicationpdf

import (
	"fmt"
	"strings"
	"time"
)

// texts holds every string printed on the application, per language. Only
// Czech and English are written; other languages fall back to English (see
// textsFor) rather than print a half-translated legal statement.
type texts struct {
	Title, Statement, Applicant                                   string
	FirstName, LastName, DateOfBirth, Email, Phone, Address, City string
	PostalCode, Company, Occupation                               string
	Place, Date, SignatureCaption, TypedSignature                 string
	ConsentHeading, Consent, RegNo, Page, NotGiven                string
	// formatDate prints a calendar date; formatTime a date with time.
	formatDate func(time.Time) string
	formatTime func(time.Time) string
}

var english = texts{
	Title: "Application for membership",
	Statement: "I hereby apply for membership of %s. I declare that I have read its statutes, " +
		"that I will abide by them and by the decisions of its bodies, and that the information " +
		"given below is true.",
	Applicant:        "Applicant",
	FirstName:        "First name",
	LastName:         "Last name",
	DateOfBirth:      "Date of birth",
	Email:            "Email",
	Phone:            "Phone",
	Address:          "Address",
	City:             "City",
	PostalCode:       "Postal code",
	Company:          "Employer",
	Occupation:       "Occupation",
	Place:            "Place",
	Date:             "Date",
	SignatureCaption: "Signature of the applicant",
	TypedSignature:   "Signed electronically by typing the full name on %s.",
	ConsentHeading:   "Consent to the processing of personal data",
	Consent: "%s, as the controller, processes the personal data in this application under " +
		"Regulation (EU) 2016/679 (GDPR) for one purpose only: keeping the records of its members. " +
		"Trade union membership is a special category of personal data; it is processed on the " +
		"explicit consent the applicant gives by signing this application, and it is stored encrypted. " +
		"The data are never passed to the applicant's employer or to any other third party, unless " +
		"the applicant asks for it or the law requires it. The applicant may withdraw this consent " +
		"and ask for access to, correction or erasure of the data at any time.",
	RegNo:      "Reg. No.",
	Page:       "Page %d",
	NotGiven:   "—",
	formatDate: func(t time.Time) string { return t.Format("2 January 2006") },
	formatTime: func(t time.Time) string { return t.Format("2 January 2006, 15:04 MST") },
}

var czech = texts{
	Title: "Přihláška za člena",
	Statement: "Tímto žádám o přijetí za člena/členku organizace %s. Prohlašuji, že jsem se seznámil/a " +
		"s jejími stanovami, že je budu dodržovat, stejně jako rozhodnutí jejích orgánů, a že níže " +
		"uvedené údaje jsou pravdivé.",
	Applicant:        "Údaje o žadateli",
	FirstName:        "Jméno",
	LastName:         "Příjmení",
	DateOfBirth:      "Datum narození",
	Email:            "E-mail",
	Phone:            "Telefon",
	Address:          "Adresa",
	City:             "Obec",
	PostalCode:       "PSČ",
	Company:          "Zaměstnavatel",
	Occupation:       "Profese",
	Place:            "Místo",
	Date:             "Datum",
	SignatureCaption: "Podpis žadatele/žadatelky",
	TypedSignature:   "Podepsáno elektronicky napsáním celého jména dne %s.",
	ConsentHeading:   "Souhlas se zpracováním osobních údajů",
	Consent: "%s jako správce zpracovává osobní údaje uvedené v této přihlášce podle nařízení (EU) " +
		"2016/679 (GDPR) za jediným účelem: vedení evidence svých členů. Členství v odborové " +
		"organizaci patří mezi zvláštní kategorie osobních údajů; zpracovává se na základě výslovného " +
		"souhlasu, který žadatel uděluje podpisem této přihlášky, a ukládá se šifrovaně. Údaje nejsou " +
		"nikdy předávány zaměstnavateli žadatele ani jiným třetím osobám, ledaže o to žadatel požádá " +
		"nebo to vyžaduje zákon. Žadatel může tento souhlas kdykoli odvolat a požádat o přístup " +
		"k údajům, jejich opravu nebo výmaz.",
	RegNo:      "IČO",
	Page:       "Strana %d",
	NotGiven:   "—",
	formatDate: func(t time.Time) string { return fmt.Sprintf("%d. %d. %d", t.Day(), t.Month(), t.Year()) },
	formatTime: func(t time.Time) string {
		return fmt.Sprintf("%d. %d. %d v %s", t.Day(), t.Month(), t.Year(), t.Format("15:04 MST"))
	},
}

// textsFor picks the texts for a language code such as "cs", "cs-CZ" or "EN".
func textsFor(lang string) *texts {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	base, _, _ = strings.Cut(base, "_")
	if base == "cs" {
		return &czech
	}
	return &english
}
