package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the response media type from the Accept header: the
// acceptable type with the highest quality, application/graphql-response+json
// winning ties, and application/json for a missing header or a bare
// wildcard (the spec's legacy rule). ok is false when nothing acceptable is
// offered.
func negotiate(accept []string) (media string, ok bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ, bestRank := "", 0.0, 0
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			var rank int
			var m string
			switch mt {
			case mediaGraphQLResponse:
				m, rank = mediaGraphQLResponse, 3
			case mediaJSON:
				m, rank = mediaJSON, 2
			case "application/*", "*/*":
				m, rank = mediaJSON, 1
			default:
				continue
			}
			if q <= 0 {
				continue
			}
			if q > bestQ || (q == bestQ && rank > bestRank) {
				best, bestQ, bestRank = m, q, rank
			}
		}
	}
	if best == "" {
		// The whole header may be one unparseable value; be lenient then.
		if strings.TrimSpace(strings.Join(accept, "")) == "" {
			return mediaJSON, true
		}
		return mediaJSON, false
	}
	return best, true
}

// httpError is a refusal made before GraphQL execution: its status, code and
// a short message that never quotes the request.
type httpError struct {
	status  int
	code    string
	message string
}

func (e *httpError) Error() string { return e.message }

func badRequest(format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, CodeBadRequest, fmt.Sprintf(format, args...)}
}

// readPOST reads and decodes a POST request's body.
func readPOST(w http.ResponseWriter, r *http.Request, limit int64) (*graphql.RawParams, *httpError) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, &httpError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"a POST request needs Content-Type: application/json"}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return nil, &httpError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"unsupported Content-Type; send application/json"}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, &httpError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"unsupported charset; send utf-8"}
	}
	tooLarge := func() *httpError {
		return &httpError{http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			fmt.Sprintf("request body exceeds the limit of %d bytes", limit)}
	}
	if r.ContentLength > limit {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge()
		}
		return nil, badRequest("could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("the request body is empty; send a JSON object with a query")
	}
	return decodeBody(body)
}

// decodeBody decodes a JSON request body. Its errors describe the problem
// and its position but never quote the body.
func decodeBody(body []byte) (*graphql.RawParams, *httpError) {
	if at, ok := validUTF8JSON(body); !ok {
		// encoding/json would replace the bytes with U+FFFD, and a search
		// for them would quietly find everything or nothing.
		return nil, badRequest("the request body is not valid UTF-8 (at byte %d); send UTF-8 text", at)
	}
	if p, ok := scanBody(body); ok {
		return p, checkQuery(p)
	}
	return decodeMembers(body)
}

// decodeMembers decodes a JSON request body, valid UTF-8, through a map of
// its members: any shape, and the wording of every refusal.
func decodeMembers(body []byte) (*graphql.RawParams, *httpError) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			if strings.Contains(se.Error(), "after top-level value") {
				return nil, badRequest("the request body is not valid JSON (data after the object)")
			}
			return nil, badRequest("the request body is not valid JSON (syntax error at byte %d)", se.Offset)
		}
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return nil, badRequest("the request body must be a JSON object; batches are not supported")
		}
		return nil, badRequest("the request body is not valid JSON")
	}
	if fields == nil {
		return nil, badRequest("the request body must be a JSON object")
	}
	p := &graphql.RawParams{}
	if err := stringParam(fields["query"], "query", &p.Query); err != nil {
		return nil, err
	}
	if err := stringParam(fields["operationName"], "operationName", &p.OperationName); err != nil {
		return nil, err
	}
	if err := objectParam(fields["variables"], "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := objectParam(fields["extensions"], "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	return p, checkQuery(p)
}

// readGET decodes a GET request's URL parameters.
func readGET(r *http.Request) (*graphql.RawParams, *httpError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the URL query string is malformed")
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		if v := q.Get(name); !utf8.ValidString(v) {
			return nil, badRequest("the %s parameter is not valid UTF-8; send UTF-8 text, percent-encoded", name)
		} else if _, ok := validUTF8JSON([]byte(v)); name != "query" && name != "operationName" && !ok {
			return nil, badRequest("the %s parameter holds a \\u escape that is not a character", name)
		}
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, name := range []string{"variables", "extensions"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		dst := &p.Variables
		if name == "extensions" {
			dst = &p.Extensions
		}
		if err := objectParam(json.RawMessage(v), name, dst); err != nil {
			return nil, err
		}
	}
	return p, checkQuery(p)
}

// checkQuery refuses a request without a query, unless it names an
// automatic persisted query by its hash.
func checkQuery(p *graphql.RawParams) *httpError {
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return badRequest("the request has no query")
	}
	return nil
}

func stringParam(raw json.RawMessage, name string, dst *string) *httpError {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return badRequest("%s must be a string", name)
	}
	return nil
}

func objectParam(raw json.RawMessage, name string, dst *map[string]any) *httpError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return badRequest("%s must be a JSON object", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return badRequest("%s must be a JSON object", name)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("%s must be a JSON object", name)
	}
	return nil
}

// validUTF8JSON reports whether a JSON text is valid UTF-8 and its \u
// escapes are characters (a surrogate must come as a high–low pair), and
// if not, the offset of the first offence.
func validUTF8JSON(b []byte) (int, bool) {
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return i, false
			}
			i += n
		}
	}
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
		return rune(n), err == nil
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			if i+1 < len(b) && b[i+1] == 'u' {
				r, ok := hex4(i)
				if ok && utf16.IsSurrogate(r) {
					lo, ok2 := hex4(i + 6)
					if r >= 0xDC00 || !ok2 || lo < 0xDC00 || lo > 0xDFFF {
						return i, false
					}
					i += 6
				}
			}
			i++ // the escaped character
		}
	}
	return 0, true
}
