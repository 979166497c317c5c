package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// The GraphiQL page and its scripts, taken from the npm registry (graphiql
// 3.8.3 with its UMD bundle, react and react-dom 18.3.1 production UMD
// builds) and served from the binary: no CDN is ever contacted.
//
//go:embed graphiql/index.html graphiql/init.js graphiql/graphiql.min.js graphiql/graphiql.min.css graphiql/react.production.min.js graphiql/react-dom.production.min.js
var graphiqlFiles embed.FS

type asset struct {
	name  string
	ctype string
	body  []byte
	etag  string
	gzip  func() []byte
}

var graphiqlAssets = sync.OnceValue(func() map[string]*asset {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}
	out := map[string]*asset{}
	entries, err := graphiqlFiles.ReadDir("graphiql")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := graphiqlFiles.ReadFile("graphiql/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		a := &asset{
			name:  e.Name(),
			ctype: types[path.Ext(e.Name())],
			body:  body,
			etag:  `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		}
		a.gzip = sync.OnceValue(func() []byte {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			return buf.Bytes()
		})
		out[e.Name()] = a
	}
	return out
})

// GraphiQLPolicy is the Content-Security-Policy of the GraphiQL page and its
// files: scripts, styles and fonts only from this server, requests only to
// it, no plugins, no framing, no forms, no base URL. Styles allow inline
// ones (GraphiQL's editor positions its parts with style attributes).
const GraphiQLPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// GraphiQL returns the handler of the GraphiQL page, pointed at /graphql.
// Mount it on a path ending in a slash, such as "/graphiql/": it serves its
// scripts by their base names below that path, the page for any other path
// ending in a slash, and redirects a path without the slash to it, so that
// the page's relative links resolve.
func GraphiQL() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		assets := graphiqlAssets()
		a, ok := assets[path.Base(r.URL.Path)]
		switch {
		case ok && a.name != "index.html":
		case strings.HasSuffix(r.URL.Path, "/"):
			a = assets["index.html"]
		default:
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", GraphiQLPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Vary", "Accept-Encoding")
		if a.name == "index.html" {
			h.Set("Cache-Control", "no-cache")
		} else {
			h.Set("Cache-Control", "public, max-age=86400")
		}
		body := a.body
		h.Set("ETag", a.etag)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(body) > 1024 {
			body = a.gzip()
			h.Set("Content-Encoding", "gzip")
			h.Set("ETag", strings.TrimSuffix(a.etag, `"`)+`-gz"`)
		}
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
	})
}
