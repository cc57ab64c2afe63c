package content

import (
	"regexp"
	"strings"
	"time"
)

// PetitionDecl is a petition declared in a page's front matter: a
// `petition:` block on any page, or the same keys at the top level of a
// page with `type: petition` (internal/petitions serves it). The block is
// read here so that a mistake is reported with the other content errors
// (`unionhall check`, the console's content problems) instead of at the
// first signature.
type PetitionDecl struct {
	// ID names the petition (front matter `petitionId`, or `id` inside the
	// block). Empty means the page's translation key, so the cs and en
	// versions of one page are one petition (internal/petitions.ID).
	ID string
	// Goal is the number of signatures aimed at (0: no goal bar).
	Goal int
	// Closes is when signing ends (site time zone unless written with an
	// offset); zero means it stays open until closed early.
	Closes time.Time
	// Target is who the petition will be delivered to.
	Target string
	// Fields signers give besides name and email, in form order, each
	// required or not. Without `fields`, city alone (required).
	Fields []PetitionField
	// PublicNames lets each signer opt in to show their name and city.
	PublicNames bool
	// EraseAfterDays after closing signers' personal data is erased; 0 means
	// the [petitions] erase_after_days setting.
	EraseAfterDays int
}

// PetitionField is one optional field of the signing form.
type PetitionField struct {
	Name     string // city | workplace | comment
	Required bool
}

// petitionFieldNames are the fields a petition may ask for beyond name and
// email; the value is whether the field is required when merely listed.
var petitionFieldNames = map[string]bool{"city": true, "workplace": false, "comment": false}

var petitionIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// maxPetitionGoal keeps the goal bar's arithmetic and the number shown sane.
const maxPetitionGoal = 100_000_000

// parsePetition reads the petition declaration of a page, if any.
func parsePetition(p *Page, m map[string]any, cfg *siteConfig, bad func(key, format string, args ...any)) {
	block, isBlock := m["petition"].(map[string]any)
	if _, present := m["petition"]; present && !isBlock {
		if on, ok := m["petition"].(bool); !ok || on {
			bad("petition", "petition must be a block of settings (goal, closes, target, fields, publicNames, eraseAfterDays)")
		}
		return
	}
	if !isBlock {
		if !strings.EqualFold(p.Type, "petition") {
			return
		}
		block = m
	}
	d := &PetitionDecl{ID: strings.TrimSpace(str(block["id"]))}
	if d.ID == "" || !isBlock {
		d.ID = p.PetitionID
	}
	if d.ID != "" && !petitionIDRe.MatchString(d.ID) {
		bad("petitionid", "petition id %q must be 1–64 lower-case letters, digits, - or _ (it appears in links)", d.ID)
		d.ID = ""
	}
	if v, ok := block["goal"]; ok && v != nil {
		n, ok := toInt(v)
		if !ok || n < 0 || n > maxPetitionGoal {
			bad("goal", "petition goal %q must be a whole number from 0 to %d", str(v), maxPetitionGoal)
		} else {
			d.Goal = n
		}
	}
	if v, ok := block["closes"]; ok && v != nil && str(v) != "" {
		t, ok := parseTime(v, cfg.location, cfg.timesInUTC)
		if !ok {
			bad("closes", "petition closes %q is not a date (use 2024-01-24 or 2024-01-24T18:30:00)", str(v))
		} else {
			d.Closes = t
		}
	}
	d.Target = strings.TrimSpace(str(block["target"]))
	if len(d.Target) > 500 {
		bad("target", "petition target is %d bytes long; keep it under 500", len(d.Target))
	}
	d.Fields = []PetitionField{{Name: "city", Required: true}}
	seen := map[string]bool{}
	addField := func(name string, req *bool) {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "name" || name == "email" {
			return // always asked
		}
		def, known := petitionFieldNames[name]
		if !known {
			bad("fields", "petition field %q is not one of city, workplace, comment (name and email are always asked)", name)
			return
		}
		if seen[name] {
			bad("fields", "petition field %q is listed twice", name)
			return
		}
		seen[name] = true
		r := def
		if req != nil {
			r = *req
		}
		d.Fields = append(d.Fields, PetitionField{Name: name, Required: r})
	}
	switch v := block["fields"].(type) {
	case nil:
	case []any:
		d.Fields = nil
		for _, x := range v {
			if mm, ok := x.(map[string]any); ok {
				// - {name: city, required: false}
				var req *bool
				if b, ok := mm["required"].(bool); ok {
					req = &b
				}
				addField(str(mm["name"]), req)
				continue
			}
			addField(str(x), nil)
		}
	case map[string]any:
		// fields: {city: required, workplace: optional}
		d.Fields = nil
		for _, name := range []string{"city", "workplace", "comment", "name", "email"} {
			x, ok := v[name]
			if !ok {
				continue
			}
			var req bool
			switch s := strings.ToLower(strings.TrimSpace(str(x))); s {
			case "required", "true", "yes":
				req = true
			case "optional", "false", "no", "":
			default:
				bad("fields", "petition field %s: %q must be required or optional", name, s)
			}
			addField(name, &req)
		}
		for name := range v {
			if _, ok := petitionFieldNames[name]; !ok && name != "name" && name != "email" {
				bad("fields", "petition field %q is not one of city, workplace, comment (name and email are always asked)", name)
			}
		}
	default:
		bad("fields", "petition fields must be a list (e.g. [city, workplace, comment])")
	}
	switch v := block["publicnames"].(type) {
	case nil:
	case bool:
		d.PublicNames = v
	default:
		bad("publicnames", "petition publicNames must be true or false; names are not shown until it is fixed")
	}
	if v, ok := block["eraseafterdays"]; ok && v != nil {
		n, ok := toInt(v)
		if !ok || n < 1 || n > 3650 {
			bad("eraseafterdays", "petition eraseAfterDays %q must be a whole number of days from 1 to 3650", str(v))
		} else {
			d.EraseAfterDays = n
		}
	}
	p.Petition = d
}
