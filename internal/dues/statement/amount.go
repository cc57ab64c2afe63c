package statement

import "math"

// minorDigits is the number of decimals of a currency's minor unit (ISO
// 4217). Currencies not listed have two, which is right for every currency
// a Czech or Serbian union's account is likely to see.
func minorDigits(ccy string) int {
	switch ccy {
	case "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "PYG", "UGX", "RWF", "KMF", "GNF", "DJF", "VUV", "XPF", "BIF":
		return 0
	case "BHD", "KWD", "JOD", "OMR", "TND", "LYD", "IQD":
		return 3
	}
	return 2
}

// maxMinor bounds every amount: 10^15 minor units (ten trillion crowns) is
// far above any real movement and far below int64 overflow even when a
// whole statement is summed.
const maxMinor = 1_000_000_000_000_000

// parseAmount reads a decimal amount into minor units without ever going
// through a float. dec is the decimal separator ('.' or ','); group, when not
// zero, is a thousands separator that may appear in the integer part (space,
// no-break space, '.', '\” or ','), digits the currency's decimals. A sign
// may lead ('+' or '-', also the Unicode minus U+2212 that spreadsheets
// write). More decimals than the currency has are refused unless they are
// zeros: rounding money silently is wrong.
func parseAmount(s string, dec byte, group rune, digits int) (int64, bool) {
	neg := false
	switch {
	case len(s) > 0 && (s[0] == '-' || s[0] == '+'):
		neg = s[0] == '-'
		s = s[1:]
	case len(s) >= 3 && s[:3] == "\u2212":
		neg = true
		s = s[3:]
	}
	if s == "" || s[0] == dec {
		return 0, false // ".5" is as likely a typo as "5."
	}
	var whole, frac int64
	fracDigits := 0
	seenDigit, seenDec := false, false
	lastGroup := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d := int64(r - '0')
			if !seenDec {
				if whole > maxMinor/10 {
					return 0, false
				}
				whole = whole*10 + d
			} else {
				fracDigits++
				if fracDigits > digits {
					if d != 0 {
						return 0, false
					}
					continue
				}
				frac = frac*10 + d
			}
			seenDigit = true
			lastGroup = false
		case r == rune(dec) && !seenDec:
			if lastGroup {
				return 0, false
			}
			seenDec = true
		case group != 0 && r == group && !seenDec && seenDigit && !lastGroup:
			lastGroup = true
		case group == ' ' && r == '\u00a0' && !seenDec && seenDigit && !lastGroup:
			lastGroup = true
		default:
			return 0, false
		}
	}
	if !seenDigit || lastGroup {
		return 0, false
	}
	if seenDec && fracDigits == 0 {
		return 0, false // "12." is a typo, not an amount
	}
	for i := min(fracDigits, digits); i < digits; i++ {
		frac *= 10
	}
	mul := int64(math.Pow10(digits))
	if whole > maxMinor/mul {
		return 0, false
	}
	v := whole*mul + frac
	if v > maxMinor {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// validCurrency reports whether s looks like an ISO 4217 code (three
// capital letters). The list of codes changes; the shape does not.
func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// gpcCurrency maps the ISO 4217 numeric code a GPC item carries ("0203")
// to its letters. Only currencies a Czech account is held in are listed; an
// unknown code is refused rather than guessed.
func gpcCurrency(num string) (string, bool) {
	switch num {
	case "0203", "203":
		return "CZK", true
	case "0978", "978":
		return "EUR", true
	case "0840", "840":
		return "USD", true
	case "0826", "826":
		return "GBP", true
	case "0756", "756":
		return "CHF", true
	case "0985", "985":
		return "PLN", true
	case "0348", "348":
		return "HUF", true
	case "0941", "941":
		return "RSD", true
	case "0752", "752":
		return "SEK", true
	case "0208", "208":
		return "DKK", true
	case "0578", "578":
		return "NOK", true
	case "0946", "946":
		return "RON", true
	}
	return "", false
}
