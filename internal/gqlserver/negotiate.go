package gqlserver

import (
	"mime"
	"strconv"
	"strings"
)

// The two media types a GraphQL response can take (GraphQL over HTTP).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the response media type from an Accept header, honouring
// q-values (RFC 9110 §12.5.1): each type takes the q of the most specific
// range that matches it, and the higher q wins. On a tie
// application/graphql-response+json wins if the client named it (it is the
// spec's own type), else application/json (so */* and a missing Accept get
// application/json, as the spec asks). A
// client that accepts neither gets application/json: the spec lets a server
// disregard Accept, and Directus's clients send odd ones.
func negotiate(accept string) string {
	ranges := parseAccept(accept)
	if len(ranges) == 0 {
		return mediaJSON
	}
	qg, sg := quality(ranges, mediaGraphQLResponse)
	qj, _ := quality(ranges, mediaJSON)
	switch {
	case qg > qj:
		return mediaGraphQLResponse
	case qj > qg || qg == 0:
		return mediaJSON
	case sg == exact:
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// Specificity of a media range against a type.
const (
	none = iota
	anyType
	anySubtype
	exact
)

type mediaRange struct {
	typ, sub string
	q        float64
}

// parseAccept reads the media ranges of an Accept header (all its lines),
// skipping ranges it cannot parse.
func parseAccept(accept string) []mediaRange {
	var out []mediaRange
	for part := range strings.SplitSeq(accept, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part) // lower-cases the type
		if err != nil {
			continue
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || (typ == "*" && sub != "*") {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue // a malformed q: ignore the range rather than guess
			}
		}
		out = append(out, mediaRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// quality is the q the client gives to media type mt and how specifically
// (exact, type/*, */*, none) it named it.
func quality(ranges []mediaRange, mt string) (q float64, spec int) {
	typ, sub, _ := strings.Cut(mt, "/")
	for _, r := range ranges {
		s := none
		switch {
		case r.typ == typ && r.sub == sub:
			s = exact
		case r.typ == typ && r.sub == "*":
			s = anySubtype
		case r.typ == "*":
			s = anyType
		}
		if s > spec {
			q, spec = r.q, s
		}
	}
	return q, spec
}
