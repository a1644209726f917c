package docs

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/PuerkitoBio/goquery"
)

// section is one heading and the text under it, up to the next heading.
type section struct {
	Title     string
	PageTitle string
	Path      []string // headings above and including this one
	Anchor    string   // slug, unique within the page
	Text      string   // Markdown, starting with the heading
}

// sections cuts a page of the given format into sections.
func sections(format string, b []byte) ([]section, error) {
	switch format {
	case "html":
		md, err := htmlToMarkdown(b)
		if err != nil {
			return nil, err
		}
		return splitMarkdown(md), nil
	case "markdown":
		return splitMarkdown(string(b)), nil
	case "rst":
		return splitMarkdown(rstHeadings(string(b))), nil
	}
	return nil, fmt.Errorf("unknown page format %q", format)
}

// dropped are the parts of a page that are not its content.
const dropped = `script, style, noscript, nav, header, footer, form, iframe, .sphinxsidebar, .related, .footer,
 .navigation, .breadcrumbs, .headerlink, a.headerlink, #searchbox, .toc-backref, .mobile-nav, .sidebar, div[role=navigation]`

// mainSelectors find the page body, most specific first.
var mainSelectors = []string{`div[role=main]`, `div.body`, `main`, `article`, `div.document`, `body`}

var highlightClass = regexp.MustCompile(`(?:^|\s)highlight-([A-Za-z0-9_+-]+)`)

func htmlToMarkdown(b []byte) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("parse HTML: %w", err)
	}
	doc.Find(dropped).Remove()
	// Sphinx: <div class="highlight-python3 notranslate"><div class="highlight"><pre>;
	// html-to-markdown reads the language from a language- class on <pre>.
	doc.Find(`div[class*="highlight-"]`).Each(func(_ int, s *goquery.Selection) {
		cls, _ := s.Attr("class")
		if m := highlightClass.FindStringSubmatch(cls); m != nil && m[1] != "default" {
			s.Find("pre").AddClass("language-" + m[1])
		}
	})
	var main *goquery.Selection
	for _, sel := range mainSelectors {
		if m := doc.Find(sel).First(); m.Length() > 0 {
			main = m
			break
		}
	}
	if main == nil || main.Length() == 0 {
		return "", nil
	}
	conv := converter.NewConverter(converter.WithPlugins(base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(), table.NewTablePlugin()))
	md, err := conv.ConvertNode(main.Nodes[0])
	if err != nil {
		return "", fmt.Errorf("convert to Markdown: %w", err)
	}
	return string(md), nil
}

var atxHeading = regexp.MustCompile(`^(#{1,6})[ \t]+(.*?)[ \t#]*$`)

// splitMarkdown cuts Markdown at its ATX headings, ignoring lines inside
// fenced code. Text before the first heading is a section titled like the
// page; sections with nothing under their heading are dropped.
func splitMarkdown(md string) []section {
	var (
		out     []section
		stack   []string // heading text per level
		cur     *section
		body    strings.Builder
		fence   string
		slugs   = map[string]int{}
		pageTtl string
	)
	flush := func() {
		if cur == nil {
			cur = &section{Anchor: "top"}
		}
		text := strings.TrimSpace(body.String())
		heading := ""
		if cur.Title != "" {
			heading = strings.Repeat("#", len(cur.Path)) + " " + cur.Title
		}
		if text != "" && text != heading {
			cur.Text = text
			out = append(out, *cur)
		}
		body.Reset()
	}
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if f := fenceOf(trimmed); f != "" && (fence == "" || strings.HasPrefix(trimmed, fence)) {
			if fence == "" {
				fence = f
			} else if strings.TrimLeft(trimmed, fence[:1]) == "" {
				fence = ""
			}
		}
		if m := atxHeading.FindStringSubmatch(line); m != nil && fence == "" {
			flush()
			level, title := len(m[1]), cleanHeading(m[2])
			if len(stack) >= level {
				stack = stack[:level-1]
			}
			for len(stack) < level-1 {
				stack = append(stack, "")
			}
			stack = append(stack, title)
			if pageTtl == "" {
				pageTtl = title
			}
			cur = &section{Title: title, Path: nonEmpty(stack), Anchor: uniqueSlug(slugs, title)}
			line = strings.Repeat("#", len(cur.Path)) + " " + title
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	flush()
	for i := range out {
		out[i].PageTitle = pageTtl
		if out[i].Title == "" {
			out[i].Title = pageTtl
		}
	}
	return out
}

// fenceOf returns the fence a line opens or closes ("```", "~~~~"), or "".
func fenceOf(line string) string {
	for _, ch := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, ch))
		if n >= 3 {
			return strings.Repeat(ch, n)
		}
	}
	return ""
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var mdLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// cleanHeading reduces a heading to plain text: links to their text, no
// code marks, escapes or permalink signs.
func cleanHeading(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "¶"))
	s = strings.ReplaceAll(mdLink.ReplaceAllString(s, "$1"), "`", "")
	return strings.NewReplacer(`\_`, "_", `\*`, "*", `\#`, "#", `\.`, ".", `\-`, "-", `\[`, "[", `\]`, "]").Replace(s)
}

// uniqueSlug makes an anchor from a heading, numbered when it repeats.
func uniqueSlug(seen map[string]int, title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	s := b.String()
	if s == "" {
		s = "section"
	}
	if len(s) > 80 {
		s = s[:80]
	}
	seen[s]++
	if n := seen[s]; n > 1 {
		s = fmt.Sprintf("%s-%d", s, n)
	}
	return s
}

// rstHeadings rewrites reStructuredText section titles (a line underlined,
// and maybe overlined, with one repeated punctuation character) as ATX
// headings; levels follow the order in which adornment styles appear.
func rstHeadings(src string) string {
	lines := strings.Split(src, "\n")
	styles := map[string]int{}
	var out []string
	for i := 0; i < len(lines); i++ {
		title := strings.TrimSpace(lines[i])
		if i+1 < len(lines) && title != "" && !isAdornment(title) && isAdornment(lines[i+1]) &&
			len(strings.TrimSpace(lines[i+1])) >= len([]rune(title)) {
			style := lines[i+1][:1]
			over := len(out) > 0 && isAdornment(out[len(out)-1]) && out[len(out)-1][:1] == style
			if over {
				out = out[:len(out)-1]
				style += "o"
			}
			if _, ok := styles[style]; !ok {
				styles[style] = len(styles) + 1
			}
			out = append(out, strings.Repeat("#", min(styles[style], 6))+" "+title)
			i++
			continue
		}
		out = append(out, lines[i])
	}
	return strings.Join(out, "\n")
}

func isAdornment(line string) bool {
	line = strings.TrimRight(line, " \t\r")
	if len(line) < 3 || !strings.ContainsAny(line[:1], "=-~^\"'`#*+:.") {
		return false
	}
	return strings.Trim(line, line[:1]) == ""
}
