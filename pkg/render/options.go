package render

import (
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SplitList splits comma-separated values, trims them and drops blanks.
func SplitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// AppendUnique appends s to list unless it is there already.
func AppendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ParseExpiry reads a credential expiry: RFC 3339, or a date (midnight UTC).
func ParseExpiry(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("expiry %q: %s", s, expiryFormats)
}

// expiryFormats says what ParseExpiry reads.
const expiryFormats = "want RFC 3339 (2027-01-31T00:00:00Z) or YYYY-MM-DD"

// MapValue returns the value under key in a mapping node, or nil.
func MapValue(n *yaml.Node, key string) *yaml.Node { return mapValue(n, key) }
