// Package petitions runs the union's petitions: declared in content (a
// `petition:` block in a page's front matter, or `type: petition`), signed
// on the union's own server, confirmed by email, counted live.
package petitions
