package settings

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// Field names a setting, as the KRM function's config spells it; the CLI maps each to its
// flag.
type Field string

// The settings that the CLI flags and the function config both decide.
const (
	FieldRegistries    Field = "registries"
	FieldCloud         Field = "cloud"
	FieldSecretName    Field = "secretName"
	FieldNamespaces    Field = "namespaces"
	FieldWorkloads     Field = "workloads"
	FieldExpires       Field = "expires"
	FieldExpiryWarning Field = "expiryWarning"
	FieldMaxFileSize   Field = "maxFileSize"
)

// Input holds settings as given, before validation. List values may be
// comma-separated; blank items are dropped. An empty Cloud means the default cloud, a nil
// pointer the setting's default; a pointer to "" is an empty value, and an error.
type Input struct {
	Registries []string
	Cloud      string
	// LoginServerSuffix, when set, is the suffix of a cloud described elsewhere (provision's
	// --cloud takes a cloud file too); it replaces Cloud's.
	LoginServerSuffix string
	SecretName        *string
	Namespaces        []string
	Workloads         []string
	ServiceAccount    bool
	Expires           string
	ExpiryWarning     *string
	// MaxFileSize is the largest file read, in bytes; nil means the loader's default.
	MaxFileSize *int64
}

// Settings are validated settings, the same for the CLI and the KRM function.
type Settings struct {
	// Registries are login servers, lower case, without duplicates, in the order given.
	Registries []string
	SecretName string
	// Namespaces limits the run to these effective namespaces; empty means all.
	Namespaces     []string
	Kinds          *manifest.Kinds
	ServiceAccount bool
	// Expires is the credential's expiry; zero when not given.
	Expires time.Time
	// ExpiryWarning is how long before expiry to warn; 0 turns the warning off.
	ExpiryWarning time.Duration
	// MaxFileSize is the largest file read, in bytes; 0 means the loader's default.
	MaxFileSize int64
}

// Error is a problem with one setting.
type Error struct {
	Field Field
	// Index is the item's position in a list setting, after splitting, or -1 for the setting
	// as a whole.
	Index int
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

// New validates in. It returns every problem, in a fixed order, so that one run can
// report them all; the Settings are meaningful only when there is none.
func New(in Input) (Settings, []*Error) {
	var errs []*Error
	bad := func(f Field, i int, format string, args ...any) {
		errs = append(errs, &Error{Field: f, Index: i, Msg: fmt.Sprintf(format, args...)})
	}
	s := Settings{SecretName: DefaultSecretName, ServiceAccount: in.ServiceAccount, ExpiryWarning: defaultExpiryWarning}

	suffix, err := loginServerSuffix(in.Cloud)
	switch {
	case in.LoginServerSuffix != "":
		suffix = strings.TrimPrefix(in.LoginServerSuffix, ".")
	case err != nil:
		bad(FieldCloud, -1, "%v", err)
		suffix = defaultLoginServerSuffix
	}
	registries := SplitList(in.Registries)
	if len(registries) == 0 {
		bad(FieldRegistries, -1, "required: the login servers (or bare registry names) whose images need the pull secret")
	}
	for i, r := range registries {
		ls, err := ParseLoginServer(r, suffix)
		if err != nil {
			bad(FieldRegistries, i, "%v", err)
			continue
		}
		if !slices.Contains(s.Registries, ls) {
			s.Registries = append(s.Registries, ls)
		}
	}
	if in.SecretName != nil {
		s.SecretName = *in.SecretName
	}
	if err := secret.ValidateName(s.SecretName); err != nil {
		bad(FieldSecretName, -1, "%v", err)
	}
	for i, ns := range SplitList(in.Namespaces) {
		if err := manifest.ValidateNamespace(ns); err != nil {
			bad(FieldNamespaces, i, "%v", err)
			continue
		}
		if !slices.Contains(s.Namespaces, ns) {
			s.Namespaces = append(s.Namespaces, ns)
		}
	}
	var kinds []manifest.WorkloadKind
	for i, w := range SplitList(in.Workloads) {
		k, err := manifest.ParseWorkloadKind(w)
		if err != nil {
			bad(FieldWorkloads, i, "%v", err)
			continue
		}
		kinds = append(kinds, k)
	}
	s.Kinds = manifest.NewKinds(kinds...)
	if in.ExpiryWarning != nil {
		if s.ExpiryWarning, err = parseExpiryWarning(*in.ExpiryWarning); err != nil {
			bad(FieldExpiryWarning, -1, "%v", err)
		}
	}
	if e := strings.TrimSpace(in.Expires); e != "" {
		if s.Expires, err = ParseExpiry(e); err != nil {
			bad(FieldExpires, -1, "%q: %s", e, expiryFormats)
		}
	}
	if in.MaxFileSize != nil {
		if s.MaxFileSize = *in.MaxFileSize; s.MaxFileSize < 1 {
			bad(FieldMaxFileSize, -1, "must be at least 1 (bytes), got %d", s.MaxFileSize)
		}
	}
	return s, errs
}
