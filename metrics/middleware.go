package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Middleware counts each request that passes through next: in flight while
// it runs, then by operation and outcome with its duration and cost. It
// puts a note in the request's context that SetOperation, SetError, Refuse
// and AddCost fill in (see the package documentation for how the outcome is
// decided).
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		n := &note{}
		rec := &recorder{ResponseWriter: w}
		start := time.Now()
		panicked := true
		defer func() {
			m.inFlight.Dec()
			status := rec.status
			if panicked {
				status = http.StatusInternalServerError
			} else if status == 0 {
				status = http.StatusOK // net/http's answer when nothing was written
			}
			op, outcome, code, cost := n.result(r, status)
			m.ObserveRequest(op, outcome, code, time.Since(start), cost)
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, n)))
		panicked = false
	})
}

// result decides the request's labels from its note and status.
func (n *note) result(r *http.Request, status int) (op, outcome, code string, cost int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.opSet && n.op == "":
		op = "anonymous"
	case n.opSet:
		op = n.op
	case r.Method == http.MethodGet && r.URL.Query().Get("operationName") != "":
		op = r.URL.Query().Get("operationName")
	default:
		op = "unknown"
	}
	switch {
	case n.reason != "":
		outcome, code = OutcomeRefused, n.reason
	case n.errCode != "":
		outcome, code = OutcomeError, n.errCode
	case status == http.StatusTooManyRequests:
		outcome, code = OutcomeRefused, ReasonRate
	case status == http.StatusServiceUnavailable:
		outcome, code = OutcomeRefused, ReasonOverload
	case status == http.StatusRequestEntityTooLarge:
		outcome, code = OutcomeRefused, ReasonSize
	case status == http.StatusGatewayTimeout:
		outcome, code = OutcomeRefused, ReasonTimeout
	case status >= 400:
		outcome, code = OutcomeError, "HTTP_"+strconv.Itoa(status)
	default:
		outcome = OutcomeOK
	}
	return op, outcome, code, n.cost
}

// recorder remembers the status of a response. It passes Flush on and
// unwraps for http.ResponseController, so answers can still be streamed.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client when the writer below can.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
