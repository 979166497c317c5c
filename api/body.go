package api

import (
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
)

// The request body's fast path (issue 9). Decoding a body through
// encoding/json — a map of raw members, then each member again — was 8% of
// the server's CPU on the comparison's Q2 at 32 connections. scanBody reads
// the usual body in one pass: an object whose members are "query" and
// "operationName" (strings without \u escapes, or null) and "variables" and
// "extensions" (objects, or null). The objects are found here and decoded
// as decodeBody decodes them. Anything else — another member, an escape it
// does not read, any doubt — and it gives up, and decodeBody's own path,
// which also words every refusal, decides. Whatever it accepts, it reads as
// that path does (FuzzScanBody holds the two equal).

// scanBody decodes body if it is of the usual shape; ok is false when it
// is not, and decodeBody's path must decide.
func scanBody(body []byte) (p *graphql.RawParams, ok bool) {
	s := bodyScanner{b: body}
	s.space()
	if !s.eat('{') {
		return nil, false
	}
	p = &graphql.RawParams{}
	s.space()
	if s.eat('}') {
		return p, s.end()
	}
	for {
		s.space()
		key, ok := s.str()
		if !ok {
			return nil, false
		}
		s.space()
		if !s.eat(':') {
			return nil, false
		}
		s.space()
		switch key {
		case "query", "operationName":
			dst := &p.Query
			if key == "operationName" {
				dst = &p.OperationName
			}
			if s.null() {
				*dst = ""
			} else if *dst, ok = s.str(); !ok {
				return nil, false
			}
		case "variables", "extensions":
			dst := &p.Variables
			if key == "extensions" {
				dst = &p.Extensions
			}
			if s.null() {
				*dst = nil
				break
			}
			if m, ok := s.flatObject(); ok {
				*dst = m
				break
			}
			raw, ok := s.object()
			if !ok {
				return nil, false
			}
			*dst = nil
			if objectParam(raw, key, dst) != nil {
				return nil, false
			}
		default:
			return nil, false
		}
		s.space()
		if s.eat('}') {
			return p, s.end()
		}
		if !s.eat(',') {
			return nil, false
		}
	}
}

type bodyScanner struct {
	b []byte
	i int
}

func (s *bodyScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *bodyScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *bodyScanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

func (s *bodyScanner) null() bool {
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads a string with no \u escape (the body is valid UTF-8:
// decodeBody checked).
func (s *bodyScanner) str() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := string(s.b[start:s.i])
			s.i++
			return v, true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

// escaped reads the rest of a string that has escapes, from its start.
func (s *bodyScanner) escaped(start int) (string, bool) {
	out := make([]byte, 0, len(s.b)-start)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		switch s.b[s.i+1] {
		case '"', '\\', '/':
			out = append(out, s.b[s.i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // \u, or not an escape
			return "", false
		}
		s.i += 2
	}
	return "", false
}

// object returns the span of the object that starts here, found by
// matching braces outside strings; its content is checked by the decoder
// it is given to.
func (s *bodyScanner) object() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return nil, false
	}
	start, depth := s.i, 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			for s.i < len(s.b) && s.b[s.i] != '"' {
				if s.b[s.i] == '\\' {
					s.i++
				}
				s.i++
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				s.i++
				return s.b[start:s.i], true
			}
		}
		s.i++
	}
	return nil, false
}

// flatObject reads an object whose values are all strings (with no \u
// escape), integers, true, false or null, as decodeBody's decoder would
// (integers as json.Number); any other, and it reads nothing.
func (s *bodyScanner) flatObject() (map[string]any, bool) {
	start := s.i
	fail := func() (map[string]any, bool) { s.i = start; return nil, false }
	if !s.eat('{') {
		return fail()
	}
	m := map[string]any{}
	s.space()
	if s.eat('}') {
		return m, true
	}
	for {
		s.space()
		k, ok := s.str()
		if !ok {
			return fail()
		}
		s.space()
		if !s.eat(':') {
			return fail()
		}
		s.space()
		if s.i >= len(s.b) {
			return fail()
		}
		switch c := s.b[s.i]; {
		case c == '"':
			v, ok := s.str()
			if !ok {
				return fail()
			}
			m[k] = v
		case c == '-' || c >= '0' && c <= '9':
			n, ok := s.integer()
			if !ok {
				return fail()
			}
			m[k] = n
		case s.literal("true"):
			m[k] = true
		case s.literal("false"):
			m[k] = false
		case s.null():
			m[k] = nil
		default:
			return fail()
		}
		s.space()
		if s.eat('}') {
			return m, true
		}
		if !s.eat(',') {
			return fail()
		}
	}
}

// integer reads -?(0|[1-9][0-9]*) followed by a delimiter (a fraction or
// an exponent is not read).
func (s *bodyScanner) integer() (json.Number, bool) {
	start := s.i
	s.eat('-')
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || n > 1 && s.b[digits] == '0' {
		return "", false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ' ', '\t', '\n', '\r':
		default:
			return "", false
		}
	}
	return json.Number(s.b[start:s.i]), true
}

// literal reads word if it comes next.
func (s *bodyScanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}
