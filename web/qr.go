package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"civicledger/ledger"
)

// qrSVG serves a QR code of a page's public address as SVG, so a printed
// notice leads back to its page. Only announcements and projects have one.
func (h *Handler) qrSVG(w http.ResponseWriter, r *http.Request) {
	kind, code := r.PathValue("kind"), strings.TrimSuffix(r.PathValue("code"), ".svg")
	if kind != "announcements" && kind != "projects" || code == "" {
		h.errorPage(w, r, h.newView(nil, r), ledger.NotFound("QR code", r.URL.Path))
		return
	}
	svg, err := qrSVG(h.base(r) + "/" + kind + "/" + url.PathEscape(code))
	if err != nil {
		h.errorPage(w, r, h.newView(nil, r), err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(svg))
}

// qrSVG draws the QR code of text as one SVG path, a module per unit.
func qrSVG(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bm := q.Bitmap()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, len(bm), len(bm))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, len(bm), len(bm))
	for y, row := range bm {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
