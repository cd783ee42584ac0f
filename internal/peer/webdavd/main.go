// Command webdavd is a small WebDAV server for integration tests: it serves
// one directory with golang.org/x/net/webdav, behind HTTP basic
// authentication when -user is set. scripts/peers.d/webdavd.sh builds it;
// tests start it through liftoff/internal/peer on a free loopback port.
package main

import (
	"crypto/subtle"
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"golang.org/x/net/webdav"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18090", "listen address")
	root := flag.String("root", "./davroot", "directory to serve")
	user := flag.String("user", "", "basic auth user (empty: no authentication)")
	pass := flag.String("pass", "", "basic auth password")
	quiet := flag.Bool("quiet", false, "log only failed requests")
	flag.Parse()
	if err := os.MkdirAll(*root, 0o755); err != nil {
		log.Fatal(err)
	}
	dav := &webdav.Handler{
		FileSystem: webdav.Dir(*root),
		LockSystem: webdav.NewMemLS(),
		Logger: func(r *http.Request, err error) {
			if err != nil || !*quiet {
				log.Printf("%s %s err=%v", r.Method, r.URL.Path, err)
			}
		},
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(*user)) != 1 ||
				subtle.ConstantTimeCompare([]byte(p), []byte(*pass)) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="webdavd"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		dav.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: *listen, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("webdavd: serving %s on http://%s/", *root, *listen)
	log.Fatal(srv.ListenAndServe())
}
