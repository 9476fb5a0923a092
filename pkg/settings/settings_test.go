package settings

import (
	"reflect"
	"testing"
	"time"

	"github.com/acrgen/acrgen/pkg/manifest"
)

func ptr[T any](v T) *T { return &v }

func TestNewDefaults(t *testing.T) {
	s, errs := New(Input{Registries: []string{"b, a", "B.azurecr.io"}, Namespaces: []string{"x, y", "x", ""}})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := Settings{
		Registries:    []string{"b.azurecr.io", "a.azurecr.io"},
		SecretName:    DefaultSecretName,
		Namespaces:    []string{"x", "y"},
		Kinds:         manifest.NewKinds(),
		ExpiryWarning: defaultExpiryWarning,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
}

func TestNewValues(t *testing.T) {
	s, errs := New(Input{
		Registries: []string{"reg"}, Cloud: "azurechinacloud", SecretName: ptr("pull"), Workloads: []string{"Rollout.argoproj.io=spec.template.spec"},
		ServiceAccount: true, Expires: " 2027-01-31 ", ExpiryWarning: ptr("0"), MaxFileSize: ptr(int64(10)),
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if s.Registries[0] != "reg.azurecr.cn" || s.SecretName != "pull" || !s.ServiceAccount ||
		!s.Expires.Equal(time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)) || s.ExpiryWarning != 0 || s.MaxFileSize != 10 {
		t.Errorf("got %+v", s)
	}
	if _, ok := s.Kinds.Lookup("argoproj.io/v1alpha1", "Rollout"); !ok {
		t.Error("the custom workload kind is missing")
	}
}

// Every problem is reported, in a fixed order, with its field and list index.
func TestNewErrors(t *testing.T) {
	_, errs := New(Input{
		Registries: []string{"ok", "a/b"}, Cloud: "Mars", SecretName: ptr(""), Namespaces: []string{"ok", "Bad"},
		Workloads: []string{"Rollout"}, ExpiryWarning: ptr(""), Expires: "tomorrow", MaxFileSize: ptr(int64(0)),
	})
	type got struct {
		f Field
		i int
	}
	var fields []got
	for _, e := range errs {
		if e.Error() == "" {
			t.Errorf("%s: empty message", e.Field)
		}
		fields = append(fields, got{e.Field, e.Index})
	}
	want := []got{{FieldCloud, -1}, {FieldRegistries, 1}, {FieldSecretName, -1}, {FieldNamespaces, 1}, {FieldWorkloads, 0},
		{FieldExpiryWarning, -1}, {FieldExpires, -1}, {FieldMaxFileSize, -1}}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("got  %v\nwant %v", fields, want)
	}
	if _, errs := New(Input{}); len(errs) != 1 || errs[0].Field != FieldRegistries || errs[0].Index != -1 {
		t.Errorf("no registries: got %v", errs)
	}
}
