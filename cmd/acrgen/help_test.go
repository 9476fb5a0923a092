package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateHelp = flag.Bool("update-help", false, "rewrite testdata/help/*.txt from the current --help output")

// Each command's --help is recorded under testdata/help: the flag builders the commands share
// must not change a flag's name, alias, default or usage by accident.
func TestHelpGolden(t *testing.T) {
	for _, cmd := range []string{"render", "patch", "check", "provision", "fn"} {
		t.Run(cmd, func(t *testing.T) {
			r := acrgen(t, "", nil, cmd, "--help")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			golden := filepath.Join("testdata", "help", cmd+".txt")
			if *updateHelp {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (record it with go test -run TestHelpGolden -update-help)", err)
			}
			if r.stdout != string(want) {
				t.Errorf("acrgen %s --help changed:\n--- got\n%s\n--- want\n%s", cmd, r.stdout, want)
			}
		})
	}
}
