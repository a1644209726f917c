package extract

import (
	"math"
	"regexp"
	"strings"
)

// Quality scores a unit in [0,1] from signals anyone can recompute:
//
//	0.25 documented:  1 with a description of 3+ words, 0.5 shorter, 0 none
//	0.15 typed:       1 with type annotations (always for Go), else 0
//	0.20 length:      1 for 3-60 lines, falling linearly to 0.3 at 200,
//	                  0.1 beyond; 0.3 under 3 lines
//	0.20 complexity:  1 up to 10, 0.5 up to 20, 0.2 beyond
//	0.10 comments:    comment lines / lines: 1 in [0.05, 0.4], 0.6 above,
//	                  0.6 with none but a description, 0.3 with neither
//	0.10 naming:      1 when the name follows the language's convention and
//	                  has 3+ characters, else 0.4
//
// rounded to three decimals.
func Quality(u *Unit, lang string) float64 {
	doc := 0.0
	if words := len(strings.Fields(u.Description)); words >= 3 {
		doc = 1
	} else if words > 0 {
		doc = 0.5
	}
	typed := 0.0
	if u.Typed {
		typed = 1
	}
	length := 1.0
	switch {
	case u.Lines < 3:
		length = 0.3
	case u.Lines > 200:
		length = 0.1
	case u.Lines > 60:
		length = 1 - 0.7*float64(u.Lines-60)/140
	}
	cx := 1.0
	if u.Complexity > 20 {
		cx = 0.2
	} else if u.Complexity > 10 {
		cx = 0.5
	}
	comments := 0.3
	ratio := float64(u.Comments) / float64(max(u.Lines, 1))
	switch {
	case ratio >= 0.05 && ratio <= 0.4:
		comments = 1
	case ratio > 0.4:
		comments = 0.6
	case u.Description != "":
		comments = 0.6
	}
	naming := 0.4
	if conventional(u, lang) {
		naming = 1
	}
	q := 0.25*doc + 0.15*typed + 0.2*length + 0.2*cx + 0.1*comments + 0.1*naming
	return math.Round(q*1000) / 1000
}

var (
	snake  = regexp.MustCompile(`^_{0,2}[a-z][a-z0-9_]*$`)
	camel  = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	pascal = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

func conventional(u *Unit, lang string) bool {
	n := strings.TrimPrefix(u.Name, "#")
	if len(strings.Trim(n, "_")) < 3 {
		return false
	}
	switch lang {
	case "Python":
		if u.Kind == "class" {
			return pascal.MatchString(n)
		}
		return snake.MatchString(n)
	case "Go":
		return camel.MatchString(n) || pascal.MatchString(n)
	default:
		if u.Kind == "class" {
			return pascal.MatchString(n)
		}
		return camel.MatchString(n) || pascal.MatchString(n)
	}
}
