package fn

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Spec holds the function's settings, the spec of the typed functionConfig:
//
//	apiVersion: acrgen.dev/v1alpha1
//	kind: ACRPullSecret
//	metadata:
//	  name: acr-pull-secret
//	  annotations:
//	    config.kubernetes.io/local-config: "true"
//	spec:
//	  registries: [myregistry]
//
// Decoding is strict: a field that Spec does not know is an error, not ignored. The fields
// mirror the flags of `acrgen render`; a ConfigMap functionConfig uses the same keys under
// data, with lists comma-separated.
type Spec struct {
	// Registries are the login servers whose images need the pull secret; a bare NAME means
	// NAME.<suffix of Cloud>. Required.
	Registries []string `json:"registries"`
	// Cloud picks the login-server suffix of bare registry names: AzureCloud (the default,
	// azurecr.io), AzureChinaCloud or AzureUSGovernment.
	Cloud string `json:"cloud,omitempty"`
	// SecretName is the pull Secret's name; empty means DefaultSecretName.
	SecretName string `json:"secretName,omitempty"`
	// Namespaces limits the function to workloads in these namespaces; empty means all. When
	// the items hold no resources (a kustomize generator call), the Secret is generated in
	// each of them, or without a namespace when empty.
	Namespaces []string `json:"namespaces,omitempty"`
	// Workloads adds custom workload kinds, KIND.GROUP=PATH to the pod spec, e.g.
	// Rollout.argoproj.io=spec.template.spec.
	Workloads []string `json:"workloads,omitempty"`
	// ServiceAccount, when true, adds the secret to the ServiceAccount each matching
	// workload runs as (its serviceAccountName, default "default"), which must be among the
	// items, instead of to the workload.
	ServiceAccount bool `json:"serviceAccount,omitempty"`
	// Age, PGP and AzureKeyVault are the SOPS recipients of a created Secret. When all are
	// empty, the .sops.yaml creation rule matching the Secret's file decides, as for the sops
	// CLI.
	Age           []string `json:"age,omitempty"`
	PGP           []string `json:"pgp,omitempty"`
	AzureKeyVault []string `json:"azureKeyVault,omitempty"`
	// Username is the registry username (a service principal's appId or a token name).
	Username string `json:"username,omitempty"`
	// PasswordFrom says where the password is read: env:VAR or file:PATH (relative to the
	// function's working directory). There is no inline password field on purpose.
	PasswordFrom string `json:"passwordFrom,omitempty"`
	// Expires is the credential's expiry (RFC 3339 or YYYY-MM-DD), recorded on the Secret.
	Expires string `json:"expires,omitempty"`
}

// PasswordSource is where the password comes from.
type PasswordSource struct {
	// Env is an environment variable's name; File a file's path. At most one is set.
	Env, File string
}

// Config is a validated functionConfig.
type Config struct {
	// Registries are login servers, lower case, as from [settings.ParseLoginServer].
	Registries     []string
	SecretName     string
	Namespaces     []string
	Kinds          *manifest.Kinds
	ServiceAccount bool
	Recipients     secret.Recipients
	// Username and Password say where the credential comes from; both empty when none is
	// configured.
	Username string
	Password PasswordSource
	// Expires is zero when not given.
	Expires time.Time

	// ref identifies the functionConfig in results; prefix is "spec" or "data".
	ref    *yaml.ResourceIdentifier
	prefix string
}

// configError is a problem with the functionConfig at a field.
type configError struct {
	field, msg string
}

// specFields maps each Spec json key to its field index.
var specFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(Spec{})
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

func knownKeys() string {
	keys := make([]string, 0, len(specFields))
	for k := range specFields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// DecodeConfig reads a functionConfig: an ACRPullSecret or a ConfigMap. The results are one
// error per problem, pointing at the functionConfig and the field; the Config is nil when
// there is any.
func DecodeConfig(fc *yaml.RNode) (*Config, framework.Results) {
	if fc == nil || fc.YNode() == nil || fc.IsNilOrEmpty() {
		return nil, framework.Results{{
			Severity: framework.Error,
			Message:  fmt.Sprintf("no functionConfig: give an %s %s (or a ConfigMap) with at least spec.registries", APIVersion, Kind),
		}}
	}
	ref := &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: fc.GetApiVersion(), Kind: fc.GetKind()},
		NameMeta: yaml.NameMeta{Name: fc.GetName(), Namespace: fc.GetNamespace()},
	}
	var spec Spec
	var errs []configError
	prefix := "spec"
	switch {
	case ref.APIVersion == APIVersion && ref.Kind == Kind:
		spec, errs = decodeTyped(fc)
	case ref.APIVersion == "v1" && ref.Kind == "ConfigMap":
		prefix = "data"
		spec, errs = decodeConfigMap(fc)
	default:
		return nil, framework.Results{{
			Severity:    framework.Error,
			ResourceRef: ref,
			Message:     fmt.Sprintf("functionConfig %s %s is not supported: want %s %s or v1 ConfigMap", ref.APIVersion, ref.Kind, APIVersion, Kind),
		}}
	}
	// Validate what decoded, so that one run reports every problem; a field that did not
	// decode is reported once.
	cfg, verrs := validate(spec, prefix)
	for _, e := range verrs {
		if !coveredBy(e.field, errs) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		res := make(framework.Results, 0, len(errs))
		for _, e := range errs {
			res = append(res, &framework.Result{
				Severity:    framework.Error,
				ResourceRef: ref,
				Field:       &framework.Field{Path: e.field},
				Message:     e.msg,
			})
		}
		return nil, res
	}
	cfg.ref = ref
	cfg.prefix = prefix
	return cfg, nil
}

// coveredBy reports whether field (or the field it is an element of) already has an error.
func coveredBy(field string, errs []configError) bool {
	for _, e := range errs {
		if field == e.field || strings.HasPrefix(field, e.field+"[") || strings.HasPrefix(field, e.field+".") ||
			e.field == "spec" || e.field == "data" {
			return true
		}
	}
	return false
}

const inlinePasswordMsg = "an inline password is not accepted (functionConfigs are committed to git): use passwordFrom: env:VAR or file:PATH"

// decodeTyped decodes an ACRPullSecret strictly: unknown fields at the top level or in spec,
// values of the wrong type and an inline password are errors. Values never appear in
// messages.
func decodeTyped(fc *yaml.RNode) (Spec, []configError) {
	var spec Spec
	sec, errs := section(fc.YNode(), "spec", "unknown field: an "+Kind+" has apiVersion, kind, metadata and spec")
	if sec == nil {
		return spec, errs
	}
	return spec, append(errs, decodeSettings(sec, "spec.", "field", &spec, decodeField)...)
}

// section returns the mapping of settings under key (spec, or a ConfigMap's data), with an
// error for any other top-level field and for a missing or malformed section.
func section(root *yaml.Node, key, unknownMsg string) (*yaml.Node, []configError) {
	var errs []configError
	var sec *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch k := root.Content[i].Value; k {
		case "apiVersion", "kind", "metadata":
		case key:
			sec = root.Content[i+1]
		default:
			errs = append(errs, configError{k, unknownMsg})
		}
	}
	if sec == nil || sec.Tag == "!!null" {
		return nil, append(errs, configError{key, "missing: " + key + ".registries is required"})
	}
	if sec.Kind != yaml.MappingNode {
		return nil, append(errs, configError{key, "want a mapping"})
	}
	return sec, errs
}

// decodeSettings sets the Spec field each key of sec names, with decode; an inline password
// and unknown keys (a "field" or a "key", as the form calls them) are errors.
func decodeSettings(sec *yaml.Node, prefix, noun string, spec *Spec, decode func(*yaml.Node, reflect.Value) error) []configError {
	var errs []configError
	sv := reflect.ValueOf(spec).Elem()
	for i := 0; i+1 < len(sec.Content); i += 2 {
		k, v := sec.Content[i].Value, sec.Content[i+1]
		path := prefix + k
		if k == "password" {
			errs = append(errs, configError{path, inlinePasswordMsg})
			continue
		}
		idx, ok := specFields[k]
		if !ok {
			errs = append(errs, configError{path, "unknown " + noun + " (known: " + knownKeys() + ")"})
			continue
		}
		if err := decode(v, sv.Field(idx)); err != nil {
			errs = append(errs, configError{path, err.Error()})
		}
	}
	return errs
}

// decodeField decodes one value node into a Spec field.
func decodeField(v *yaml.Node, f reflect.Value) error {
	if v.Tag == "!!null" {
		return nil
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("cannot be read")
	}
	ptr := reflect.New(f.Type())
	if err := sigsyaml.UnmarshalStrict(b, ptr.Interface()); err != nil {
		switch f.Kind() {
		case reflect.Slice:
			return fmt.Errorf("want a list of strings")
		case reflect.Bool:
			return fmt.Errorf("want true or false")
		default:
			return fmt.Errorf("want a string")
		}
	}
	// A list of strings must not hold null or nested values.
	if f.Kind() == reflect.Slice {
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return fmt.Errorf("want a list of strings")
			}
		}
	}
	f.Set(ptr.Elem())
	return nil
}

// decodeConfigMap reads the same keys from a ConfigMap's data, lists comma-separated, as
// `kpt fn eval -- key=value` passes them.
func decodeConfigMap(fc *yaml.RNode) (Spec, []configError) {
	var spec Spec
	sec, errs := section(fc.YNode(), "data", "unknown field: the ConfigMap's settings go under data")
	if sec == nil {
		return spec, errs
	}
	return spec, append(errs, decodeSettings(sec, "data.", "key", &spec, decodeDataField)...)
}

// decodeDataField decodes one ConfigMap value (a string) into a Spec field.
func decodeDataField(v *yaml.Node, f reflect.Value) error {
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a string (lists are comma-separated)")
	}
	switch f.Kind() {
	case reflect.Slice:
		f.Set(reflect.ValueOf(settings.SplitList([]string{v.Value})))
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(v.Value))
		if err != nil && strings.TrimSpace(v.Value) != "" {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	default:
		f.SetString(v.Value)
	}
	return nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// packagePath refuses a passwordFrom file that is not a path inside the function's working
// directory, by its text: an absolute path (or a Windows volume), a ".." element, a NUL. The
// config is committed to the repository: it must not name what the function reads outside the
// package (a key under ~/.ssh, /proc/self/environ). The reader confines the open too, so a
// symlink out of the package is refused when the file is read.
func packagePath(p string) error {
	const why = "file: must name a file inside the function's working directory (a relative path without ..): a committed config may not read outside the package"
	if strings.ContainsRune(p, 0) || filepath.IsAbs(p) || filepath.VolumeName(p) != "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return errors.New(why)
	}
	for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return errors.New(why)
		}
	}
	return nil
}

// validate checks a Spec and turns it into a Config; field paths start with prefix.
func validate(s Spec, prefix string) (*Config, []configError) {
	var errs []configError
	bad := func(field, format string, args ...any) {
		errs = append(errs, configError{prefix + "." + field, fmt.Sprintf(format, args...)})
	}
	in := settings.Input{
		Registries: s.Registries, Cloud: s.Cloud, Namespaces: s.Namespaces,
		Workloads: s.Workloads, ServiceAccount: s.ServiceAccount, Expires: s.Expires,
	}
	if s.SecretName != "" { // empty means the default, as Spec says
		in.SecretName = &s.SecretName
	}
	set, serrs := settings.New(in)
	report := func(expires bool) {
		for _, e := range serrs {
			if (e.Field == settings.FieldExpires) != expires {
				continue
			}
			field := string(e.Field)
			if e.Index >= 0 {
				field = fmt.Sprintf("%s[%d]", field, e.Index)
			}
			bad(field, "%s", e.Msg)
		}
	}
	report(false)
	cfg := &Config{
		Registries: set.Registries, SecretName: set.SecretName, Namespaces: set.Namespaces, Kinds: set.Kinds,
		ServiceAccount: set.ServiceAccount, Expires: set.Expires,
	}
	cfg.Recipients = secret.Recipients{Age: settings.SplitList(s.Age), PGP: settings.SplitList(s.PGP), AzureKV: settings.SplitList(s.AzureKeyVault)}

	cfg.Username = strings.TrimSpace(s.Username)
	if from := strings.TrimSpace(s.PasswordFrom); from != "" {
		kind, ref, _ := strings.Cut(from, ":")
		switch {
		case kind == "env" && envName.MatchString(ref):
			cfg.Password.Env = ref
		case kind == "file" && strings.TrimSpace(ref) != "":
			if err := packagePath(ref); err != nil {
				bad("passwordFrom", "%v", err)
			}
			cfg.Password.File = ref
		default:
			bad("passwordFrom", "want env:VARIABLE or file:PATH")
		}
	}
	switch {
	case cfg.Username != "" && s.PasswordFrom == "":
		bad("passwordFrom", "username is set but passwordFrom is not: want env:VARIABLE or file:PATH")
	case cfg.Username == "" && s.PasswordFrom != "":
		bad("username", "passwordFrom is set but username is not")
	}
	report(true) // after the credential's fields, in the order of Spec
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}
