// Command triage finds what a machine-learning model gets wrong, and why,
// from a terminal. See README.md, or run `triage help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, errorText(err))
		os.Exit(exitCode(err))
	}
}
