package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"golang.org/x/sync/errgroup"

	"github.com/flowbatch/flowbatch/app"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/jobs"
)

// serve runs the web server (when web is set) and the batch workers until
// ctx ends, then stops both gracefully within the configured grace period.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, web bool) error {
	name := "worker"
	if web {
		name = "serve"
	}
	fs := newFlagSet(name)
	workers := fs.Int("workers", cfg.Workers, "batches processed at once by this process")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if !web && *workers < 1 {
		return errors.New("worker needs --workers of at least 1")
	}

	// Each worker holds one connection per insert stream while it inserts;
	// 8 more serve the web requests, River and the batches' other transactions.
	streams := jobs.InsertStreams(cfg.InsertStreams, runtime.NumCPU())
	pool, gdb, err := openDatabase(ctx, cfg, int32(max(10, *workers*streams+8)))
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := storage.Open(ctx, cfg.StorageURL, pool)
	if err != nil {
		return err
	}
	defer store.Close()

	stopping := make(chan struct{})
	deps := jobs.Deps{Pool: pool, DB: gdb, Store: store, Log: log, ChunkSize: cfg.ChunkSize, InsertStreams: streams, Stopping: stopping,
		Retention: cfg.Retention, BaseURL: cfg.BaseURL, WebhookAllowPrivate: cfg.WebhookAllowPrivate, SweepAge: cfg.SweepAge}
	var tracing *sdktrace.TracerProvider
	if cfg.TracingEndpoint != "" {
		if tracing, err = newTracerProvider(ctx, name); err != nil {
			return err
		}
		defer func() {
			flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := tracing.Shutdown(flushCtx); err != nil {
				log.Warn("flushing traces", "error", err)
			}
		}()
		deps.TracerProvider = tracing
	}
	var reg *prometheus.Registry
	if cfg.MetricsAddr != "" {
		reg = newRegistry(pool)
		store.Instrument(reg)
		deps.Metrics = jobs.NewMetrics(reg, pool)
	}
	river, err := jobs.NewClient(deps, *workers)
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	if reg != nil {
		wait, err := serveMetrics(gctx, cfg.MetricsAddr, reg, cfg.Pprof, log)
		if err != nil {
			return err
		}
		g.Go(wait)
		if *workers > 0 {
			deps.Metrics.ObserveJobs(gctx, river)
		}
	}
	if *workers > 0 {
		// River runs on a context of its own: cancelling the one given to
		// Start would cancel the running jobs at once, and each would count
		// as a failed attempt. A stop instead tells the batch workers to end
		// their slice (the chunks in flight commit, the job snoozes without
		// spending an attempt) and waits for them within the grace period.
		if err := river.Start(context.WithoutCancel(gctx)); err != nil {
			return fmt.Errorf("starting workers: %w", err)
		}
		log.Info("workers started", "workers", *workers)
		g.Go(func() error {
			<-gctx.Done()
			close(stopping)
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(gctx), cfg.ShutdownGrace)
			defer cancel()
			if err := river.Stop(stopCtx); err != nil {
				log.Warn("workers did not stop in time; cancelling them, their batches resume elsewhere", "error", err)
				return river.StopAndCancel(context.WithoutCancel(gctx))
			}
			return nil
		})
	}
	if web {
		// Only the web process queues batches in its own transactions.
		queue, err := jobs.NewInserter(deps)
		if err != nil {
			return err
		}
		appDeps := app.Deps{Config: cfg, Pool: pool, DB: gdb, Store: store, Jobs: river, Queue: queue, Log: log}
		if reg != nil {
			appDeps.Metrics, appDeps.JobMetrics = reg, deps.Metrics
		}
		if tracing != nil {
			appDeps.TracerProvider = tracing
		}
		srv := app.New(appDeps)
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("listening on %s (FLOWBATCH_ADDR): %w", cfg.Addr, err)
		}
		log.Info("serving", "url", cfg.BaseURL, "addr", cfg.Addr)
		g.Go(func() error { return srv.App().Listener(ln) })
		g.Go(func() error {
			<-gctx.Done()
			return srv.App().ShutdownWithTimeout(cfg.ShutdownGrace)
		})
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("stopped")
	return nil
}
