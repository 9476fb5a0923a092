package encrypt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"

	"github.com/getsops/sops/v3"
)

// dockerConfigKey is the data key of a kubernetes.io/dockerconfigjson Secret.
const dockerConfigKey = ".dockerconfigjson"

// jsonDoc is a canonical JSON value: two equal jsonDocs hold the same JSON, whatever the key
// order or whitespace of their text.
type jsonDoc struct{ v any }

// sameDocument reports whether two Secret documents are the same tree: same keys and values,
// whatever the key order; comments are ignored. data[.dockerconfigjson] is compared as the
// JSON it base64-encodes, and stringData[.dockerconfigjson] as JSON.
func sameDocument(a, b sops.TreeBranch) bool {
	return reflect.DeepEqual(canonDoc(a), canonDoc(b))
}

func canonDoc(doc sops.TreeBranch) any {
	m := canon(doc).(map[any]any)
	for _, section := range []string{"data", "stringData"} {
		sec, ok := m[section].(map[any]any)
		if !ok {
			continue
		}
		s, ok := sec[dockerConfigKey].(string)
		if !ok {
			continue
		}
		text := []byte(s)
		if section == "data" {
			var err error
			if text, err = base64.StdEncoding.DecodeString(s); err != nil {
				continue
			}
		}
		if v, ok := parseJSON(text); ok {
			sec[dockerConfigKey] = jsonDoc{v}
		}
	}
	return m
}

// canon converts a sops tree value into plain Go values: mappings become maps (so key order
// does not matter), comments are dropped.
func canon(v any) any {
	switch v := v.(type) {
	case sops.TreeBranch:
		m := make(map[any]any, len(v))
		for _, item := range v {
			if _, ok := item.Key.(sops.Comment); ok {
				continue
			}
			m[item.Key] = canon(item.Value)
		}
		return m
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if _, ok := e.(sops.Comment); ok {
				continue
			}
			out = append(out, canon(e))
		}
		return out
	case []byte:
		return string(v)
	default:
		return v
	}
}

// parseJSON decodes one JSON value, keeping numbers as their text so that 1 and 1.0 differ.
func parseJSON(b []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// keepEquivalent copies old's .dockerconfigjson values into desired where both encode the same
// JSON but differ as text, so that a mere re-encoding of the JSON does not change ciphertext.
func keepEquivalent(desired, old sops.TreeBranch) {
	for _, section := range []string{"data", "stringData"} {
		newSec, ok1 := lookup(desired, section).(sops.TreeBranch)
		oldSec, ok2 := lookup(old, section).(sops.TreeBranch)
		if !ok1 || !ok2 {
			continue
		}
		oldVal, ok := lookup(oldSec, dockerConfigKey).(string)
		if !ok {
			continue
		}
		for i, item := range newSec {
			if item.Key != dockerConfigKey {
				continue
			}
			if s, ok := item.Value.(string); ok && s != oldVal {
				a := canonDoc(sops.TreeBranch{{Key: section, Value: sops.TreeBranch{{Key: dockerConfigKey, Value: s}}}})
				b := canonDoc(sops.TreeBranch{{Key: section, Value: sops.TreeBranch{{Key: dockerConfigKey, Value: oldVal}}}})
				if reflect.DeepEqual(a, b) {
					newSec[i].Value = oldVal
				}
			}
		}
	}
}

func lookup(b sops.TreeBranch, key string) any {
	for _, item := range b {
		if item.Key == key {
			return item.Value
		}
	}
	return nil
}
