// Command flowbatch is the one Flowbatch binary: web server, workers,
// migrations and administration.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "flowbatch: "+describe(err))
		os.Exit(1)
	}
}
