package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"civicledger/ledger"
	"civicledger/metrics"
)

// handler serves one GraphQL endpoint; see NewHandler.
type handler struct {
	cfg     Config
	log     *slog.Logger
	exec    *executor.Executor
	workers *semaphore.Weighted // the shared pool
	dear    *semaphore.Weighted // operations dearer than CheapCost
	clients *clientSlots        // operations in flight per client
	limiter *rateLimiter        // nil when rate limiting is off
	runner  *runner             // the goroutines operations run on
	now     func() time.Time
}

// NewHandler returns the HTTP handler of a GraphQL endpoint for any gqlgen
// executable schema, with the limits of cfg (zero fields take their
// defaults). It answers GET (queries only) and POST as the GraphQL over HTTP
// draft specifies (see the package documentation), runs operations on
// gqlgen's executor with introspection on, automatic persisted queries, the
// depth and cost limits, a worker pool, a per-client rate limit and a
// per-request timeout, and masks every error that is not a *ledger.Error.
// log receives internal errors with their real text; nil means
// slog.Default().
func NewHandler(es graphql.ExecutableSchema, cfg Config, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &handler{cfg: cfg.withDefaults(), log: log, now: time.Now}
	h.workers = semaphore.NewWeighted(int64(h.cfg.MaxConcurrent))
	h.dear = semaphore.NewWeighted(int64(h.cfg.MaxExpensive))
	h.runner = newRunner(h.cfg.MaxConcurrent + h.cfg.MaxExpensive)
	h.clients = newClientSlots(h.cfg.MaxPerClient)
	h.limiter = newRateLimiter(&h.cfg)

	ex := executor.New(es)
	ex.SetQueryCache(lru.New[*ast.QueryDocument](h.cfg.QueryCacheSize))
	if h.cfg.MaxTokens > 0 {
		ex.SetParserTokenLimit(h.cfg.MaxTokens)
	}
	ex.SetErrorPresenter(errorPresenter(log, &h.cfg))
	ex.SetRecoverFunc(recoverFunc(log))
	ex.Use(extension.Introspection{})
	ex.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](h.cfg.APQCacheSize)})
	ex.Use(limits{cfg: &h.cfg})
	h.exec = ex
	return h
}

// reply is one answer, built completely before anything is written.
type reply struct {
	status int
	media  string
	header http.Header
	body   *response
	// cacheable marks a successful anonymous GET query.
	cacheable bool
	// operation and cost describe the operation for the log and metrics.
	operation string
	cost      int
	// refused names why the request was refused or stopped (a
	// metrics.Reason…), "" when it was not.
	refused string
}

// response is a GraphQL response. Data is omitted for request errors, as
// the GraphQL spec requires, and present (perhaps null) once execution
// started.
type response struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// costExtension is the "cost" extension of an answer: what the operation
// cost and, when a rate limit applies, the client's budget.
type costExtension struct {
	Requested, Limit, Remaining int
	ResetAt                     string
	budget                      bool // Limit, Remaining and ResetAt are set
}

// appendJSON appends c as a JSON object to b, its members in the order
// encoding/json gives a map's.
func (c *costExtension) appendJSON(b []byte) []byte {
	if !c.budget {
		return append(strconv.AppendInt(append(b, `{"requested":`...), int64(c.Requested), 10), '}')
	}
	b = strconv.AppendInt(append(b, `{"limit":`...), int64(c.Limit), 10)
	b = strconv.AppendInt(append(b, `,"remaining":`...), int64(c.Remaining), 10)
	b = strconv.AppendInt(append(b, `,"requested":`...), int64(c.Requested), 10)
	b = strconv.AppendQuote(append(b, `,"resetAt":`...), c.ResetAt)
	return append(b, '}')
}

func (c *costExtension) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// encode writes r as JSON followed by a newline. The executor's data is
// already compact JSON and is copied as it is: encoding/json would parse
// and compact it again, which costs about a millisecond for a page of a
// few hundred kilobytes.
func (r *response) encode(buf *bytes.Buffer) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	sep := "{"
	member := func(name string, v any) error {
		buf.WriteString(sep + `"` + name + `":`)
		sep = ","
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	if len(r.Errors) > 0 {
		if err := member("errors", r.Errors); err != nil {
			return err
		}
	}
	if len(r.Data) > 0 {
		buf.WriteString(sep + `"data":`)
		buf.Write(r.Data)
		sep = ","
	}
	if c, ok := r.Extensions["cost"].(*costExtension); ok && len(r.Extensions) == 1 {
		// The usual extensions, the cost alone, written without reflection.
		buf.WriteString(sep + `"extensions":{"cost":`)
		buf.Write(c.appendJSON(buf.AvailableBuffer()))
		buf.WriteString("}")
		sep = ","
	} else if len(r.Extensions) > 0 {
		if err := member("extensions", r.Extensions); err != nil {
			return err
		}
	}
	if sep == "{" {
		buf.WriteString("{")
	}
	buf.WriteString("}\n")
	return nil
}

func errorReply(media string, e *httpError) *reply {
	return &reply{
		status: e.status,
		media:  media,
		header: http.Header{},
		body: &response{Errors: gqlerror.List{{
			Message:    e.message,
			Extensions: map[string]any{"code": e.code},
		}}},
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := h.serve(w, r)
	observe(r.Context(), rep)
	if rep.status == http.StatusTooManyRequests && h.cfg.RefuseDelay > 0 {
		t := time.NewTimer(h.cfg.RefuseDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	h.write(w, r, rep)
	h.log.DebugContext(r.Context(), "graphql", "operation", rep.operation, "cost", rep.cost,
		"status", rep.status, "errors", len(rep.body.Errors))
}

// serve handles a request up to the reply; it writes nothing itself.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) (rep *reply) {
	isGET := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !isGET && r.Method != http.MethodPost {
		rep = errorReply(mediaJSON, &httpError{http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"use GET for queries or POST"})
		rep.header.Set("Allow", "GET, HEAD, POST")
		return rep
	}
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		return errorReply(mediaJSON, &httpError{http.StatusNotAcceptable, CodeNotAcceptable,
			"the response is application/graphql-response+json or application/json; accept one of them"})
	}

	// Rate limit: refuse at once when the budget is empty; otherwise charge
	// 1 for a request refused before its cost is known, its cost after.
	var bucket *rate.Limiter
	var bg *budget
	charged, cost := 0, 0
	var opName string
	client := h.cfg.ClientKey(r)
	if h.limiter != nil {
		bucket = h.limiter.bucket(client)
	}
	// What the operation holds (its client slot, a worker) is let go when
	// it ends: here, or, for an operation still stopping after its answer
	// was sent at the deadline, when it has stopped.
	var held holds
	defer func() { held.release() }()
	defer func() {
		rep.operation, rep.cost = opName, cost
		if bg != nil {
			bg.setHeaders(rep.header)
			if rep.body != nil {
				c := &costExtension{Requested: max(cost, charged), Remaining: bg.remaining,
					Limit: bg.limit, ResetAt: bg.reset.UTC().Format(time.RFC3339), budget: true}
				if rep.body.Extensions == nil {
					rep.body.Extensions = map[string]any{}
				}
				rep.body.Extensions["cost"] = c
			}
		} else if rep.body != nil && cost > 0 {
			if rep.body.Extensions == nil {
				rep.body.Extensions = map[string]any{}
			}
			rep.body.Extensions["cost"] = &costExtension{Requested: cost}
		}
	}()
	charge := func(n int) bool {
		if bucket == nil {
			return true
		}
		b, ok := h.limiter.take(bucket, n, h.now())
		bg = &b
		if ok {
			charged = n
		}
		return ok
	}
	rateLimited := func(media string) *reply {
		rep := errorReply(media, &httpError{http.StatusTooManyRequests, CodeRateLimited,
			"rate limit exceeded: the budget is " + strconv.Itoa(bg.limit) + " cost points per " +
				h.cfg.RateWindow.String() + " and " + strconv.Itoa(bg.remaining) + " are left; retry after " +
				retryAfterSeconds(bg.retryAfter) + " s"})
		rep.header.Set("Retry-After", retryAfterSeconds(bg.retryAfter))
		rep.refused = metrics.ReasonRate
		return rep
	}
	if bucket != nil {
		b, ok := h.limiter.has(bucket, h.now())
		bg = &b
		if !ok {
			return rateLimited(media)
		}
	}
	if !h.clients.take(client) {
		rep := errorReply(media, &httpError{http.StatusTooManyRequests, CodeRateLimited,
			"too many requests in flight from this client (at most " + strconv.Itoa(h.cfg.MaxPerClient) +
				" at once); retry after the earlier ones are answered"})
		rep.header.Set("Retry-After", "1")
		rep.refused = metrics.ReasonConcurrency
		return rep
	}
	held.add(func() { h.clients.release(client) })

	var params *graphql.RawParams
	var herr *httpError
	start := graphql.Now()
	if isGET {
		params, herr = readGET(r)
	} else {
		params, herr = readPOST(w, r, h.cfg.MaxBodyBytes)
	}
	if herr != nil {
		charge(1)
		return errorReply(media, herr)
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx, cancel := context.WithTimeout(ledger.WithClient(r.Context(), client), h.cfg.Timeout)
	defer cancel()

	// The response cache: an anonymous query asked before, with no write
	// committed since, is answered as it was, and charged as it was.
	var cacheKey, position string
	if rc := h.cfg.ResponseCache; rc != nil && anonymous(r) && params.Query != "" {
		key, ok := responseKey(params.Query, params.OperationName, params.Variables)
		if ok {
			if pos, err := rc.position(ctx); err == nil {
				cacheKey, position = key, pos
			}
		}
		if cacheKey != "" {
			if a, ok := rc.lookup(cacheKey, position); ok {
				cost, opName = a.cost, a.operation
				n := max(cost, 1)
				if h.limiter != nil {
					n = min(n, h.limiter.size)
				}
				if !charge(n) {
					return rateLimited(media)
				}
				return &reply{status: http.StatusOK, media: media, header: http.Header{}, body: &response{Data: a.data},
					cacheable: isGET && h.cfg.CacheMaxAge > 0}
			}
		}
	}
	busy := func() *reply {
		charge(1)
		rep := errorReply(media, &httpError{http.StatusServiceUnavailable, CodeUnavailable,
			"the server is busy; retry shortly"})
		rep.header.Set("Retry-After", "1")
		rep.refused = metrics.ReasonOverload
		return rep
	}
	if !h.acquire(ctx, h.workers) {
		return busy()
	}
	releaseWorker := held.add(func() { h.workers.Release(1) })

	ctx = graphql.StartOperationTrace(ctx)
	opCtx, errs := h.exec.CreateOperationContext(ctx, params)
	if c := costOf(opCtx); c != nil {
		cost = c.Requested
	}
	if errs != nil {
		charge(1)
		resp := h.exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		return &reply{
			status: requestErrorStatus(media),
			media:  media,
			header: http.Header{},
			body:   &response{Errors: resp.Errors, Extensions: resp.Extensions},
		}
	}
	op := opCtx.Operation.Operation
	opName = opCtx.Operation.Name
	if isGET && op != ast.Query {
		charge(1)
		rep := errorReply(media, &httpError{http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"a " + string(op) + " cannot be sent with GET; use POST"})
		rep.header.Set("Allow", "POST")
		return rep
	}
	n := max(cost, 1)
	if h.limiter != nil {
		n = min(n, h.limiter.size) // with MaxCost off a query may cost more than the bucket holds
	}
	if !charge(n) {
		return rateLimited(media)
	}
	if cost > h.cfg.CheapCost {
		// A dear operation gives its shared worker back and waits for one
		// of the few slots of dear ones, so cheap operations always find
		// workers.
		releaseWorker()
		if !h.acquire(ctx, h.dear) {
			return busy()
		}
		held.add(func() { h.dear.Release(1) })
		ctx = ledger.WithBulk(ctx) // its reads use connections of their own
	}

	resp, stop := h.execute(ctx, opCtx, &held)
	switch {
	case stop != nil:
		rep = &reply{status: http.StatusOK, media: media, header: http.Header{}, refused: stop.reason, body: &response{
			Data: json.RawMessage("null"), Errors: gqlerror.List{{Message: stop.message,
				Extensions: map[string]any{"code": stop.code}}}}}
		return rep
	case resp == nil:
		h.log.ErrorContext(ctx, "graphql: executor returned no response")
		return errorReply(media, &httpError{http.StatusInternalServerError, CodeInternal, "internal error"})
	}
	rep = &reply{status: http.StatusOK, media: media, header: http.Header{},
		body: &response{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions}}
	if resp.Data == nil {
		if len(resp.Errors) > 0 {
			// Execution never started: a request error.
			rep.status = requestErrorStatus(media)
		} else {
			rep.body.Data = json.RawMessage("null")
		}
	}
	rep.cacheable = isGET && op == ast.Query && rep.status == http.StatusOK &&
		len(resp.Errors) == 0 && anonymous(r) && h.cfg.CacheMaxAge > 0
	if cacheKey != "" && op == ast.Query && rep.status == http.StatusOK && len(resp.Errors) == 0 &&
		len(resp.Extensions) == 0 && len(resp.Data) > 0 {
		h.cfg.ResponseCache.store(cacheKey, &cachedAnswer{position: position, data: resp.Data, cost: cost, operation: opName})
	}
	return rep
}

// stop says why an operation was stopped: the error the client gets in
// place of any partial answer, and the reason counted in the metrics.
type stop struct {
	code, message, reason string
}

// execute runs an operation and returns its answer, or, when the operation
// was stopped (its timeout, or an answer past MaxResponseBytes), why. The answer is sent at
// the deadline even if some resolver is still blocked (a database that
// stopped answering); what the operation holds is then released when it has
// stopped, not before, so the pools still bound the work in progress.
func (h *handler) execute(ctx context.Context, opCtx *graphql.OperationContext, held *holds) (*graphql.Response, *stop) {
	octx, cancel := context.WithCancelCause(ctx)
	b := &opBudget{limit: int64(h.cfg.MaxResponseBytes), cancel: cancel}
	opCtx.ResolverMiddleware = b.middleware
	done := make(chan *graphql.Response, 1)
	owned := held.detach()
	h.runner.run(func() {
		defer owned.release()
		defer cancel(nil)
		responses, rctx := h.exec.DispatchOperation(octx, opCtx)
		done <- responses(rctx)
	})
	var resp *graphql.Response
	select {
	case resp = <-done:
	case <-octx.Done():
		// Resolvers see the end at their next field; give them a moment
		// to return what they have, then answer without them.
		t := time.NewTimer(stopGrace)
		select {
		case resp = <-done:
		case <-t.C:
		}
		t.Stop()
	}
	switch {
	case b.over.Load():
		return nil, &stop{CodeTooLarge, tooLargeMessage(h.cfg.MaxResponseBytes), metrics.ReasonSize}
	case ctx.Err() != nil && (resp == nil || b.stopped.Load() || len(resp.Errors) > 0):
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &stop{CodeTimeout, timeoutMessage(h.cfg.Timeout), metrics.ReasonTimeout}
		}
		return nil, &stop{CodeTimeout, "the request was cancelled", metrics.ReasonTimeout}
	}
	return resp, nil
}

// stopGrace is how long an operation past its deadline may take to return
// what it has before it is answered without it.
const stopGrace = 50 * time.Millisecond

func timeoutMessage(d time.Duration) string {
	return fmt.Sprintf("the request ran longer than the %s limit and was stopped", d)
}

func tooLargeMessage(n int) string {
	return fmt.Sprintf("the answer would be larger than %d bytes and was stopped; ask for fewer fields or smaller pages", n)
}

// holds is what a request holds, in the order taken; release lets go of
// all of it once.
type holds struct {
	fns []func()
}

// add records fn and returns a function that runs it now, at most once,
// instead of at release.
func (h *holds) add(fn func()) func() {
	var once sync.Once
	f := func() { once.Do(fn) }
	h.fns = append(h.fns, f)
	return f
}

func (h *holds) release() {
	for i := len(h.fns) - 1; i >= 0; i-- {
		h.fns[i]()
	}
	h.fns = nil
}

// detach moves everything held to a new holds, whose owner now releases it.
func (h *holds) detach() *holds {
	o := &holds{fns: h.fns}
	h.fns = nil
	return o
}

// observe tells the metrics middleware, if any, what became of a request:
// its operation, the cost charged, why it was refused or its error's code.
func observe(ctx context.Context, rep *reply) {
	metrics.SetOperation(ctx, rep.operation)
	if rep.cost > 0 {
		metrics.AddCost(ctx, rep.cost)
	}
	if rep.refused != "" {
		metrics.Refuse(ctx, rep.refused)
		return
	}
	if rep.body != nil && len(rep.body.Errors) > 0 {
		code, _ := rep.body.Errors[0].Extensions["code"].(string)
		switch code {
		case CodeCostLimit:
			metrics.Refuse(ctx, metrics.ReasonCost)
		case CodeDepthLimit:
			metrics.Refuse(ctx, metrics.ReasonDepth)
		case CodePayloadTooLarge:
			metrics.Refuse(ctx, metrics.ReasonSize)
		default:
			metrics.SetError(ctx, code)
		}
	}
}

// requestErrorStatus is the status of a GraphQL request error (parse,
// validation, a limit): 400 with application/graphql-response+json, and
// with application/json 200, as the spec's legacy rule asks.
func requestErrorStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// anonymous reports whether a request carries no credentials, so that its
// answer may be stored by shared caches.
func anonymous(r *http.Request) bool {
	return r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == ""
}

// acquire takes a slot of pool, waiting at most QueueWait.
func (h *handler) acquire(ctx context.Context, pool *semaphore.Weighted) bool {
	if pool.TryAcquire(1) {
		return true
	}
	if h.cfg.QueueWait < 0 {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, h.cfg.QueueWait)
	defer cancel()
	return pool.Acquire(wctx, 1) == nil
}

// write renders rep into a buffer and sends it, with caching headers and a
// 304 for a matching conditional GET.
func (h *handler) write(w http.ResponseWriter, r *http.Request, rep *reply) {
	hdr := w.Header()
	for k, v := range rep.header {
		hdr[k] = v
	}
	hdr.Set("Content-Type", rep.media+"; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		hdr.Add("Vary", "Accept")
	}

	var etag string
	if rep.cacheable {
		// The ETag is computed before the cost extension is added: the
		// remaining budget changes with every request, the answer does not.
		cost := rep.body.Extensions["cost"]
		delete(rep.body.Extensions, "cost")
		var b bytes.Buffer
		if err := rep.body.encode(&b); err == nil {
			sum := sha256.Sum256(b.Bytes())
			etag = `W/"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		}
		if cost != nil {
			rep.body.Extensions["cost"] = cost
		}
	}
	if etag != "" {
		hdr.Set("ETag", etag)
		hdr.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.cfg.CacheMaxAge.Seconds())))
		if etagMatch(r.Header.Values("If-None-Match"), etag) {
			hdr.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		hdr.Set("Cache-Control", "no-store")
	}

	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			encodeBuffers.Put(buf)
		}
	}()
	buf.Grow(len(rep.body.Data) + 512) // the data and the envelope, in one allocation
	if err := rep.body.encode(buf); err != nil {
		h.log.Error("graphql: cannot encode response", "err", err.Error())
		buf.Reset()
		buf.WriteString(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
		rep.status = http.StatusInternalServerError
	}
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(rep.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// encodeBuffers are the buffers answers are encoded into; one larger than
// maxPooledBuffer is left to the collector rather than kept.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 1 << 20

// etagMatch applies the weak comparison of If-None-Match.
func etagMatch(values []string, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
	}
	return false
}
