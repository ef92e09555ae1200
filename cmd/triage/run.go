package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"triage/dataset"
)

// command is one subcommand: its name, a one-line summary, its usage and
// its body.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands is the command table; "tui" runs when no subcommand is named.
var commands = []*command{schemaCmd, queryCmd, evalCmd, exportCmd, queueCmd, tuiCmd}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is bad usage or a bad query: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// cmdError prefixes an error with the subcommand that failed.
type cmdError struct {
	cmd string
	err error
}

func (e *cmdError) Error() string { return e.cmd + ": " + e.err.Error() }
func (e *cmdError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u *usageError
	var role *dataset.RoleError // --label or --role named the wrong column
	if errors.As(err, &u) || errors.As(err, &role) {
		return 2
	}
	return 1
}

func errorText(err error) string {
	return "triage: " + err.Error()
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			if len(args) > 1 {
				if c := lookup(args[1]); c != nil {
					fmt.Fprint(stdout, c.usage)
					return nil
				}
			}
			fmt.Fprint(stdout, mainUsage())
			return nil
		}
		if c := lookup(args[0]); c != nil && c != tuiCmd {
			if err := c.run(ctx, e, args[1:]); err != nil {
				return &cmdError{c.name, err}
			}
			return nil
		}
	}
	return tuiCmd.run(ctx, e, args)
}

func mainUsage() string {
	var b strings.Builder
	b.WriteString("triage finds what a model gets wrong, and why.\n\nUsage:\n")
	b.WriteString("  triage [open flags] [DATASET]    open the TUI (no DATASET: the built-in demo)\n")
	names := make([]string, 0, len(commands))
	for _, c := range commands {
		if c != tuiCmd {
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c := lookup(n)
		fmt.Fprintf(&b, "  triage %-26s %s\n", n, c.summary)
	}
	b.WriteString("\nRun `triage help COMMAND` for a command's flags.\n")
	return b.String()
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`triage query data.parquet 'x > 1' --count`), and
// returns the positional ones. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef("%s", "see `triage help "+fs.Name()+"`")
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
