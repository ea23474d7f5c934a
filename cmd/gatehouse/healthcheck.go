package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
)

// healthcheckCommand is for container HEALTHCHECKs: exit 0 when the server
// answers /server/health with 200, 1 otherwise. It opens no database itself.
func (c *runner) healthcheckCommand() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{Use: "healthcheck", Short: "Exit 0 when the server answers /server/health (for container HEALTHCHECKs)", Args: noArgs}
	cmd.Flags().StringVar(&url, "url", "", "the health URL (default: http://HOST:PORT/server/health, 127.0.0.1 for a wildcard HOST)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "give up after this long")
	cmd.RunE = c.action(func(cmd *cobra.Command, cfg *config.Config, _ *slog.Logger, _ []string) error {
		if url == "" {
			url = "http://" + localAddr(cfg) + "/server/health"
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("--url: %w", err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("unhealthy: %w", err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("unhealthy: %s answered %d %s", url, res.StatusCode, body)
		}
		fmt.Fprintf(c.stdout, "healthy: %s\n", body)
		return nil
	})
	return cmd
}

// localAddr is where this host reaches the server: a wildcard HOST listens on
// loopback too.
func localAddr(cfg *config.Config) string {
	host := cfg.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(cfg.Port))
}
