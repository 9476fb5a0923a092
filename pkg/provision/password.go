package provision

import (
	"fmt"
	"io"
	"log/slog"
)

const redacted = "[REDACTED]"

// Password is a credential secret: a service principal's client secret or an ACR token
// password. Printing it in any way (%v, %s, %q, %#v, %x, slog, JSON) yields "[REDACTED]";
// only [Password.Bytes] gives the value. The zero value is the empty password.
//
// The value sits behind a pointer so that even a struct holding a Password in an unexported
// field prints an address, never the secret.
type Password struct {
	v *[]byte
}

func newPassword(s string) Password {
	b := []byte(s)
	return Password{v: &b}
}

// NewPassword holds a copy of secret, for a caller that has one from elsewhere (a decrypted
// Secret, say).
func NewPassword(secret []byte) Password {
	b := append([]byte(nil), secret...)
	return Password{v: &b}
}

// Bytes returns a copy of the secret. Keep it in memory; never log it.
func (p Password) Bytes() []byte {
	if p.v == nil {
		return nil
	}
	return append([]byte(nil), (*p.v)...)
}

// IsZero reports whether the password is empty.
func (p Password) IsZero() bool { return p.v == nil || len(*p.v) == 0 }

// String returns "[REDACTED]".
func (p Password) String() string { return redacted }

// GoString returns "[REDACTED]".
func (p Password) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb and flag.
func (p Password) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "[REDACTED]" for log/slog.
func (p Password) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]", so encoders (JSON, YAML) never serialize the secret.
func (p Password) MarshalText() ([]byte, error) { return []byte(redacted), nil }
