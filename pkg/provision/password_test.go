package provision

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPasswordNeverPrints(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-Zq8"
	p := newPassword(secret)
	type holder struct {
		exported Password
		Shown    Password
	}
	h := holder{exported: p, Shown: p}
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3s", "%d"} {
		outs = append(outs, fmt.Sprintf(f, p), fmt.Sprintf(f, &p), fmt.Sprintf(f, h), fmt.Sprintf(f, &h), fmt.Sprintf(f, []Password{p}))
	}
	outs = append(outs, p.String(), p.GoString(), fmt.Sprint(p), fmt.Sprintln(p))
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("x", "password", p, "holder", h)
	slog.New(slog.NewJSONHandler(&log, nil)).Info("x", "password", p)
	outs = append(outs, log.String())
	res := Result{Password: p}
	outs = append(outs, fmt.Sprintf("%+v %#v", res, res))
	for _, o := range outs {
		if strings.Contains(o, secret) || strings.Contains(o, fmt.Sprintf("%x", secret)) {
			t.Errorf("secret printed: %s", o)
		}
	}
	if string(p.Bytes()) != secret || p.IsZero() || !(Password{}).IsZero() {
		t.Error("Bytes/IsZero")
	}
	b := p.Bytes()
	b[0] = 'X'
	if string(p.Bytes()) != secret {
		t.Error("Bytes returned the internal buffer")
	}
}
