package testproc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NginxPrefix runs Debian's nginx on 127.0.0.1:port as a reverse proxy that
// serves upstream (host:port) under prefix (e.g. "/auth") and strips the
// prefix, as a deployment on a sub-path does. It returns the proxy's URL,
// prefix included. Without nginx the test is skipped (fails under CI=true).
func NginxPrefix(t testing.TB, port int, prefix, upstream string) string {
	t.Helper()
	bin := Require(t, "nginx", "/usr/sbin/nginx", "nginx")
	dir := t.TempDir()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // its workers must reach the test's private directory
	}
	prefix = "/" + strings.Trim(prefix, "/")
	conf := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log stderr warn;
events { worker_connections 128; }
http {
	access_log off;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	server {
		listen 127.0.0.1:%[3]d;
		# The trailing slashes strip the prefix: /auth/x reaches upstream as /x.
		location %[4]s/ {
			proxy_pass http://%[5]s/;
			proxy_http_version 1.1;
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_set_header X-Forwarded-Prefix %[4]s;
		}
	}
}
`, user, dir, port, prefix, upstream)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-p", dir, "-e", "stderr", "-c", path}
	Run(t, bin, append(args, "-t", "-q"), Options{})
	p := Start(t, bin, append(args, "-g", "daemon off;"), Options{})
	p.WaitTCP(t, fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
	return fmt.Sprintf("http://127.0.0.1:%d%s", port, prefix)
}
