package triage

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeps keeps imports pointing one way: the engine packages never pull
// in the terminal UI libraries (Charm's, and the terminal helpers under
// github.com/charmbracelet/x), so every feature also works from scripts.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	engine := map[string]bool{"triage/dataset": true, "triage/query": true, "triage/evalview": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, ":")
		if !engine[pkg] && !strings.HasPrefix(pkg, "triage/dataset/") && !strings.HasPrefix(pkg, "triage/query/") && !strings.HasPrefix(pkg, "triage/evalview/") {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "charm.land/") || strings.HasPrefix(d, "github.com/charmbracelet/") || d == "triage/tui" || d == "triage/render" {
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}

// TestPackageDocs checks that every package says what it is for.
func TestPackageDocs(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dir := range strings.Fields(string(out)) {
		pkgs, err := parser.ParseDir(token.NewFileSet(), dir, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range pkgs {
			if strings.HasSuffix(name, "_test") {
				continue
			}
			documented := false
			for _, f := range p.Files {
				if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+name) || name == "main" && f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Command ") {
					documented = true
				}
			}
			if !documented {
				t.Errorf("package %s (%s) has no doc comment starting %q", name, filepath.Base(dir), "Package "+name)
			}
		}
	}
}
