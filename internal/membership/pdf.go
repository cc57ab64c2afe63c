package membership

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"unionhall/internal/content"
	"unionhall/internal/membership/applicationpdf"
)

// pdfApplication maps a stored application onto the PDF's input.
func pdfApplication(site *content.Site, app *storedApplication) applicationpdf.Application {
	a := app.Applicant
	return applicationpdf.Application{
		Lang: a.Lang, FirstName: a.FirstName, LastName: a.LastName, Email: a.Email, DateOfBirth: a.DateOfBirth,
		Address: a.Address, City: a.City, PostalCode: a.PostalCode, Phone: a.Phone, Company: a.Company,
		Occupation: a.Occupation, Signature: app.Signature, TypedSignature: a.TypedSignature,
		SignedAt: app.CreatedAt, Place: site.ParamString(a.Lang, "place"),
	}
}

// renderPDF makes the application PDF in the applicant's language.
func (s *Service) renderPDF(site *content.Site, app *storedApplication) ([]byte, error) {
	lang := app.Applicant.Lang
	u := applicationpdf.Union{
		Name:               unionName(site, lang),
		LegalName:          site.ParamString(lang, "legalName"),
		RegistrationNumber: site.ParamString(lang, "registrationNumber"),
		Address:            site.ParamString(lang, "address"),
		Logo:               siteLogo(site, site.ParamString(lang, "logo")),
	}
	b, err := applicationpdf.Render(pdfApplication(site, app), u, s.facts.get(site).loc)
	if err != nil {
		return nil, fmt.Errorf("application pdf: %w", err)
	}
	return b, nil
}

// siteLogo reads params.logo from the site's assets (then static) folder.
// Only PNG and JPEG can go into the PDF; anything else is left out there.
func siteLogo(site *content.Site, name string) []byte {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" || name == "." {
		return nil
	}
	for _, fsys := range []fs.FS{site.Assets, site.Static} {
		if fsys == nil {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil || len(b) > 2<<20 {
			continue
		}
		if bytes.HasPrefix(b, []byte("\x89PNG")) || bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) {
			return b
		}
		return nil // SVG and others cannot go into the PDF
	}
	return nil
}
