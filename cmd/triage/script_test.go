package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"triage": func() {
			if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
				fmt.Fprintln(os.Stderr, errorText(err))
				os.Exit(exitCode(err))
			}
		},
	})
}

// TestScripts runs the command-line tests in testdata/script/*.txtar.
// $DEMO is the demo folder, $REF the reference numbers.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("DEMO", filepath.Join(root, "demo"))
			e.Setenv("REF", filepath.Join(root, "reference"))
			e.Setenv("CORPUS", filepath.Join(root, "corpus"))
			return nil
		},
	})
}
