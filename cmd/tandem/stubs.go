package main

import (
	"context"
	"fmt"
	"io"
)

func runBot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "tandem bot: not built yet")
	return exitFail
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "tandem bench: not built yet")
	return exitFail
}
