package mail

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestTemplatesDocCoversBuiltins keeps docs/email-templates.md true to the
// built-in templates: every template is listed, and every variable a
// built-in template reads is documented.
func TestTemplatesDocCoversBuiltins(t *testing.T) {
	doc, err := os.ReadFile("../../docs/email-templates.md")
	if err != nil {
		t.Fatal(err)
	}
	field := regexp.MustCompile(`\{\{[^}]*?\.([a-zA-Z]+)`)
	for name := range subjects {
		if !strings.Contains(string(doc), "`"+name+".html` / `.txt`") {
			t.Errorf("docs/email-templates.md does not list the template %s", name)
		}
		if !strings.Contains(string(doc), subjects[name]) {
			t.Errorf("docs/email-templates.md does not give %s's subject %q", name, subjects[name])
		}
		for _, ext := range []string{".html", ".txt"} {
			src, err := builtin.ReadFile("templates/" + name + ext)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range field.FindAllStringSubmatch(string(src), -1) {
				if !strings.Contains(string(doc), "`."+m[1]+"`") {
					t.Errorf("%s%s reads .%s, which docs/email-templates.md does not document", name, ext, m[1])
				}
			}
		}
	}
}
